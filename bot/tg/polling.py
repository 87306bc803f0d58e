"""Long polling that never loses an update.

python-telegram-bot's own ``Updater`` confirms a batch (by asking for the next offset)
before its handlers have run, so a crash loses what was fetched. Here each batch is written
to the SQLite inbox *before* the next ``getUpdates`` confirms it, and at start-up every
update still pending in the inbox is processed first. A crash can at worst answer an update
twice; it cannot lose one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.tg.state import BotServices, NetralApp

_LOG = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query"]


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
        if storage is None:
            return None
        recovered = 0
        for uid, payload, attempts in await storage.pending_updates():
            if attempts >= self.services.max_attempts:
                _LOG.error("update %s failed %d times before: given up", uid, attempts)
                await storage.mark_update_failed(uid, f"gave up after {attempts} attempts")
                continue
            update = Update.de_json(json.loads(payload), self.app.bot)
            self.services.attempts[uid] = attempts
            await self.app.update_queue.put(update)
            recovered += 1
        if recovered:
            _LOG.info("recovered %d unanswered update(s) from the inbox", recovered)
        last = await storage.max_update_id()
        return None if last is None else last + 1

    async def run(self) -> None:
        """Poll until stopped."""
        offset = await self.recover()
        backoff = 1.0
        while not self._stop.is_set():
            fetch = asyncio.ensure_future(
                self.app.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    limit=self.batch_limit,
                    allowed_updates=ALLOWED_UPDATES,
                )
            )
            stopped = asyncio.ensure_future(self._stop.wait())
            done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:
                # Whatever this call would have returned was not confirmed: Telegram keeps it.
                fetch.cancel()
                break
            stopped.cancel()
            try:
                updates = fetch.result()
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except (NetworkError, Conflict) as exc:
                _LOG.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not updates:
                continue
            await self._journal(updates)
            offset = updates[-1].update_id + 1
            for update in updates:
                await self.app.update_queue.put(update)

    async def _journal(self, updates: Sequence[Update]) -> None:
        """Store a batch durably before it is confirmed; retry a failing disk briefly."""
        storage = self.services.storage
        if storage is None:
            return
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
