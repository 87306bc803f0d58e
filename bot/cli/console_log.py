"""The query log for `netral chat`: the console's questions land where the bot's do."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.engine import Answer
from bot.querylog import Storage, open_storage, question_record

_LOG = logging.getLogger(__name__)

# The console has no Telegram user: every console question gets this pseudonymous key.
CONSOLE_USER = 0


class ConsoleLog:
    """Writes console questions to SQLite; a failing database is reported once, never fatal."""

    def __init__(self, loop: asyncio.AbstractEventLoop, storage: Storage | None) -> None:
        self._loop = loop
        self._storage = storage

    @classmethod
    @contextmanager
    def open(cls, db: str | Path) -> Iterator[ConsoleLog]:
        """Open (creating) the database; on failure, carry on without a log."""
        loop = asyncio.new_event_loop()
        storage: Storage | None = None
        try:
            storage = loop.run_until_complete(open_storage(db))
        except Exception as exc:
            print(f"(catatan: log pertanyaan tidak dapat dibuka: {exc})", file=sys.stderr)
        try:
            yield cls(loop, storage)
        finally:
            if storage is not None:
                loop.run_until_complete(storage.close())
            loop.close()

    def record(self, text: str, answer: Answer, seconds: float) -> None:
        """Log one question, as the bot logs a private-chat question."""
        if self._storage is None or not answer.loggable:
            return  # small talk is not a question to review, as in the bot
        record = question_record(
            text,
            answer,
            chat_type="console",
            user_key=self._storage.user_key(CONSOLE_USER),
            source="console",
            elapsed_ms=seconds * 1000,
        )
        try:
            self._loop.run_until_complete(self._storage.insert_records([record]))
        except Exception:
            _LOG.exception("could not log the question")
