"""Update processing: concurrent across chats, in order within a chat, journaled.

``ChatOrderedProcessor`` is a python-telegram-bot ``BaseUpdateProcessor``. It takes the
per-chat lock *before* a concurrency slot, so a chat with a backlog waits on its own lock
and never holds slots that other chats need. (PTB's own semaphore, taken before
``do_process_update``, is made effectively unbounded for that reason; the real bound is
``self._slots``.) Around each update it keeps the durable
inbox in step: attempt counted before the handlers run, ``done`` after they succeed;
a failed update is retried a few times and then marked ``failed`` and logged, so that a
poisonous update can never crash-loop the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.querylog import LogRecord
from bot.tg.context import BotServices

_LOG = logging.getLogger(__name__)

# Seconds before a failed update is tried again in the same run.
RETRY_DELAY = 1.0
# PTB's semaphore size: large enough never to be the bound (see the module docstring).
_UNBOUNDED = 1_000_000


def chat_key(update: object) -> object:
    """What orders updates: the chat, else the user (inline queries), else the update."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return ("update", update.update_id)
    return ("object", id(update))


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Per-chat ordering, cross-chat concurrency, and the inbox journal."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(_UNBOUNDED)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._services = BotServices()
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}
        self.requeue: Callable[[Update], Awaitable[None]] | None = None
        self._retry_tasks: set[asyncio.Task[None]] = set()

    def bind(self, services: BotServices, requeue: Callable[[Update], Awaitable[None]]) -> None:
        """Share the application's services (the processor is built before the application
        that owns them) and say how a failed update goes back into the queue."""
        self._services = services
        self.requeue = requeue

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Cancel scheduled retries: their updates stay pending in the inbox."""
        for task in list(self._retry_tasks):
            task.cancel()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's turn, then for a free slot, then run the handlers."""
        key = chat_key(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await self._journaled(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _journaled(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Journal the attempt, run the handlers, journal the outcome."""
        if not isinstance(update, Update):
            await coroutine
            return
        services = self._services
        journal = services.journal
        uid = update.update_id
        attempts = journal.begin(uid, update)
        try:
            await services.storage.begin_attempt(uid, update.to_json())
        except Exception:
            _LOG.exception("update %s: could not journal the attempt", uid)
        try:
            await coroutine
        finally:
            failed, records = journal.end(uid, update)
        if failed and journal.may_retry(uid) and self.requeue is not None:
            _LOG.warning("update %s failed (attempt %d), retrying", uid, attempts)
            self._schedule_retry(update)
            return
        journal.forget(uid)
        if failed:
            _LOG.error("update %s failed %d times: given up", uid, attempts)
        await self._finish(uid, records, f"handler failed {attempts} times" if failed else None)

    async def _finish(self, uid: int, records: list[LogRecord], error: str | None) -> None:
        """Write the update's log rows and its outcome together. When that transaction
        fails, the rows go to the background writer and the update is marked only once
        they are written: a row that cannot be written is dropped there with a log line,
        and one that waits on a sick database leaves the update pending for recovery."""
        services = self._services
        storage = services.storage
        try:
            await storage.finish_update(uid, records, error=error)
            return
        except Exception as exc:
            _LOG.error(
                "update %s: could not write its outcome (%s: %s)", uid, type(exc).__name__, exc
            )
        writer = services.writer
        if records:
            for record in records:
                writer.submit(record)
            if not await writer.flush():
                _LOG.error("update %s stays pending: its log rows are not written yet", uid)
                return
        try:
            await storage.finish_update(uid, (), error=error)
        except Exception:
            _LOG.exception("update %s: could not journal the outcome", uid)

    def _schedule_retry(self, update: Update) -> None:
        async def later() -> None:
            await asyncio.sleep(RETRY_DELAY)
            if self.requeue is not None:
                await self.requeue(update)

        task = asyncio.create_task(later())
        self._retry_tasks.add(task)
        task.add_done_callback(self._retry_tasks.discard)
