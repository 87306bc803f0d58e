"""Long polling that never loses an update.

python-telegram-bot's own ``Updater`` confirms a batch (by asking for the next offset)
before its handlers have run, so a crash loses what was fetched. Here each batch is written
to the SQLite inbox *before* the next ``getUpdates`` confirms it, and at start-up every
update still pending in the inbox is processed first. A crash can at worst answer an update
twice; it cannot lose one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.tg.context import BotServices, NetralApp
from bot.tg.delivery import _retry_after_seconds
from bot.tg.parsing import parse_update

_LOG = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query"]

# A pending update older than this at start-up is given up (and its payload blanked):
# answering a days-old question helps nobody, and the payload holds the sender's name.
PENDING_MAX_AGE = timedelta(days=2)


class DurablePoller:
    """Fetch, journal, then hand to the application; stop on ``stop()``."""

    def __init__(
        self,
        app: NetralApp,
        services: BotServices,
        *,
        poll_timeout: int = 10,
        batch_limit: int = 100,
    ) -> None:
        self.app = app
        self.services = services
        self.poll_timeout = poll_timeout
        self.batch_limit = batch_limit
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Stop fetching; updates already handed over are still processed."""
        self._stop.set()

    async def recover(self) -> int | None:
        """Queue the updates left pending by a previous run; returns the next offset."""
        storage = self.services.storage
        expired = await storage.expire_pending_updates(PENDING_MAX_AGE)
        if expired:
            _LOG.error("gave up %d pending update(s) older than %s", expired, PENDING_MAX_AGE)
        recovered = await self.queue_stored(await storage.pending_updates())
        if recovered:
            _LOG.info("recovered %d unanswered update(s) from the inbox", recovered)
        last = await storage.max_update_id()
        return None if last is None else last + 1

    async def queue_stored(self, rows: Sequence[tuple[int, str, int]]) -> int:
        """Queue updates read back from the inbox (update_id, payload, attempts so far);
        give up those tried too often or unreadable. Returns how many were queued."""
        storage = self.services.storage
        recovered = 0
        for uid, payload, attempts in rows:
            if attempts >= self.services.journal.max_attempts:
                _LOG.error("update %s failed %d times before: given up", uid, attempts)
                await storage.mark_update_failed(uid, f"gave up after {attempts} attempts")
                continue
            try:
                update = Update.de_json(json.loads(payload), self.app.bot)
            except Exception as exc:
                _LOG.error("update %s cannot be read back (%s): given up", uid, exc)
                await storage.mark_update_failed(uid, f"unreadable: {type(exc).__name__}")
                continue
            self.services.journal.recovered(uid, attempts)
            await self.app.update_queue.put(update)
            recovered += 1
        return recovered

    async def run(self) -> None:
        """Poll until stopped. Nothing but ``InvalidToken`` ends the loop: every other
        failure of a fetch is logged and backed off."""
        offset = await self.recover()
        backoff = 1.0
        while not self._stop.is_set():
            fetch = asyncio.ensure_future(self._fetch(offset))
            stopped = asyncio.ensure_future(self._stop.wait())
            done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:
                # Whatever this call would have returned was not confirmed: Telegram keeps it.
                fetch.cancel()
                break
            stopped.cancel()
            try:
                updates, offset = fetch.result()
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except RetryAfter as exc:
                # getUpdates bypasses the rate limiter: honour Telegram's wait here.
                delay = _retry_after_seconds(exc)
                _LOG.warning("getUpdates: 429, retrying in %.0f s", delay)
                await self._pause(delay)
                continue
            except Exception as exc:
                _LOG.warning(
                    "getUpdates failed (%s: %s); retrying in %.0f s",
                    type(exc).__name__,
                    exc,
                    backoff,
                )
                await self._pause(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            for update in updates:
                await self.app.update_queue.put(update)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up at once on ``stop()``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _fetch(self, offset: int | None) -> tuple[list[Update], int | None]:
        """One getUpdates: the parsed updates, journaled, and the next offset.

        When python-telegram-bot cannot parse the batch, the same batch (still unconfirmed)
        is fetched again as raw JSON and parsed update by update: the ones that fail are
        journaled as ``failed`` with an empty payload and skipped, so one malformed update
        can never stop the bot or come back on every start.
        """
        try:
            updates = list(
                await self.app.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    limit=self.batch_limit,
                    allowed_updates=ALLOWED_UPDATES,
                )
            )
        except TelegramError:
            raise
        except Exception as exc:
            _LOG.error("getUpdates: a batch could not be parsed (%s); parsing it one by one", exc)
            return await self._fetch_one_by_one(offset)
        if not updates:
            return updates, offset
        await self._journal(updates)
        return updates, updates[-1].update_id + 1

    async def _fetch_one_by_one(self, offset: int | None) -> tuple[list[Update], int | None]:
        data: dict[str, Any] = {
            "offset": offset,
            "timeout": 0,
            "limit": self.batch_limit,
            "allowed_updates": ALLOWED_UPDATES,
        }
        # Bot._post is the call get_updates itself makes, minus the parsing.
        raw = await self.app.bot._post("getUpdates", data)
        parsed: list[Update] = []
        storage = self.services.storage
        if not isinstance(raw, list):
            return parsed, offset
        for item in raw:
            uid = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(uid, int):
                continue
            update, _ = await parse_update(self.app.bot, storage, uid, item)
            if update is not None:
                parsed.append(update)
            offset = uid + 1
        if parsed:
            await self._journal(parsed)
        return parsed, offset

    async def _journal(self, updates: Sequence[Update]) -> None:
        """Store a batch durably before it is confirmed; retry a failing disk briefly."""
        storage = self.services.storage
        rows = [(u.update_id, u.to_json()) for u in updates]
        for attempt in range(5):
            try:
                await storage.save_updates(rows)
                return
            except Exception:
                _LOG.exception("could not store %d update(s) (attempt %d)", len(rows), attempt + 1)
                await asyncio.sleep(0.2 * 2**attempt)
        # Answering matters more than the journal: go on without it, loudly.
        _LOG.error("processing %d update(s) without crash protection", len(rows))
