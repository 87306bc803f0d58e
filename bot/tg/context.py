"""Typed shared state of the running bot (PTB's ``bot_data``) and the context type."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.core.conversation import Memory, new_secret
from bot.core.engine import Engine
from bot.core.flood import FloodGate
from bot.querylog import LogRecord, LogWriter, Storage
from bot.settings import Settings


@dataclass
class BotServices:
    """Everything handlers share. Created empty by PTB, filled by ``build_application``.

    ``engine`` is replaced as a whole on /reload: handlers read the attribute once per
    update, so a reload never mixes two knowledge bases in one reply.
    """

    settings: Settings = field(default_factory=Settings)
    engine: Engine | None = None
    storage: Storage | None = None
    writer: LogWriter | None = None
    flood: FloodGate = field(default_factory=FloodGate)
    # Each conversation's last turn, for follow-ups (bot/core/conversation.py); keyed by a
    # hash under ``memory_secret``, which lives only as long as the process.
    memory: Memory = field(default_factory=Memory)
    memory_secret: bytes = field(default_factory=new_secret, repr=False)
    # Inline queries arrive while the user types: a looser limit of their own.
    inline_flood: FloodGate = field(default_factory=lambda: FloodGate(limit=60))
    # (user, callback data, message) -> when it was last pressed (monotonic seconds).
    recent_presses: dict[tuple[int, str | None, int | None], float] = field(default_factory=dict)
    # update_ids whose handler raised: read by the update processor after each update.
    failed_updates: set[int] = field(default_factory=set)
    # How often each update in flight has been attempted (the processor keeps it), so that
    # the error reply is sent once, on the last attempt, not on every retry.
    attempts: dict[int, int] = field(default_factory=dict)
    max_attempts: int = 3
    # Log rows produced by each update in flight (by the id() of the Update object, which
    # stays unique even if Telegram repeats an update_id): the processor writes them in the
    # same transaction that marks the update done, so an answered question is always logged.
    update_records: dict[int, list[LogRecord]] = field(default_factory=dict)

    def record(self, update: object, record: LogRecord) -> None:
        """Log a row for an update: with its outcome when the update is journaled, else
        through the background writer."""
        rows = None if update is None else self.update_records.get(id(update))
        if rows is not None:
            rows.append(record)
        elif self.writer is not None:
            self.writer.submit(record)

    def require_engine(self) -> Engine:
        """The current engine; configured before the first update is processed."""
        if self.engine is None:
            raise RuntimeError("the knowledge base is not loaded")
        return self.engine


Context = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotServices]
NetralApp = Application[
    ExtBot[None],
    Context,
    dict[object, object],
    dict[object, object],
    BotServices,
    JobQueue[Context],
]
