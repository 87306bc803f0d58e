"""Typed shared state of the running bot (PTB's ``bot_data``), the update journal, and the
context type.

PTB creates ``bot_data`` by calling ``BotServices()`` with no arguments, so the services
that ``build_application`` provides are ``field(init=False)``: there is no None to check,
and reading one before ``build_application`` filled it in is an AttributeError (a bug),
not a case to handle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.core.conversation import Memory, new_secret
from bot.core.engine import Engine
from bot.core.flood import FloodGate
from bot.querylog import LogRecord, LogWriter, Storage
from bot.settings import Settings


@dataclass
class InboxJournal:
    """The retry bookkeeping of the updates in flight, in one place.

    The processor (``processing.py``) begins and ends each attempt, the error handler
    (``handlers/errors.py``) marks one failed, and the poller (``polling.py``) seeds the
    attempts of updates recovered from the inbox. The durable side (the ``updates`` table)
    is :class:`bot.querylog.Inbox`; this is the in-memory side of the same attempts.
    """

    max_attempts: int = 3
    # How often each update in flight has been attempted, so that the error reply is sent
    # once, on the last attempt, not on every retry.
    attempts: dict[int, int] = field(default_factory=dict)
    # update_ids whose handler raised during the current attempt.
    failed: set[int] = field(default_factory=set)
    # Log rows produced by each update in flight (by the id() of the Update object, which
    # stays unique even if Telegram repeats an update_id): the processor writes them in the
    # same transaction that marks the update done, so an answered question is always logged.
    records: dict[int, list[LogRecord]] = field(default_factory=dict)

    def begin(self, uid: int, update: object) -> int:
        """Start an attempt: count it, clear an earlier failure, collect its log rows.
        Returns the attempt number (1 for the first)."""
        attempts = self.attempts.get(uid, 0) + 1
        self.attempts[uid] = attempts
        self.failed.discard(uid)
        self.records[id(update)] = []
        return attempts

    def end(self, uid: int, update: object) -> tuple[bool, list[LogRecord]]:
        """Close an attempt: (whether a handler failed, the log rows it produced)."""
        failed = uid in self.failed
        self.failed.discard(uid)
        return failed, self.records.pop(id(update), [])

    def fail(self, uid: int) -> None:
        """A handler of this update raised (called by the error handler)."""
        self.failed.add(uid)

    def is_last_attempt(self, uid: int) -> bool:
        """Whether a failure now is final (an update not in flight counts as final)."""
        return self.attempts.get(uid, self.max_attempts) >= self.max_attempts

    def may_retry(self, uid: int) -> bool:
        """Whether another attempt is allowed after the current one."""
        return self.attempts.get(uid, self.max_attempts) < self.max_attempts

    def recovered(self, uid: int, attempts: int) -> None:
        """An update read back from the inbox with the attempts made by an earlier run."""
        self.attempts[uid] = attempts

    def forget(self, uid: int) -> None:
        """The update is finished (done or given up)."""
        self.attempts.pop(uid, None)

    def rows_of(self, update: object) -> list[LogRecord] | None:
        """The log rows being collected for this update, or None when it is not journaled."""
        return None if update is None else self.records.get(id(update))


@dataclass
class BotServices:
    """Everything handlers share; the first four are set by ``build_application``.

    ``engine`` is replaced as a whole on /reload: handlers read the attribute once per
    update, so a reload never mixes two knowledge bases in one reply.
    """

    settings: Settings = field(init=False)
    engine: Engine = field(init=False)
    storage: Storage = field(init=False)
    writer: LogWriter = field(init=False)
    flood: FloodGate = field(default_factory=FloodGate)
    # Each conversation's last turn, for follow-ups (bot/core/conversation.py); keyed by a
    # hash under ``memory_secret``, which lives only as long as the process.
    memory: Memory = field(default_factory=Memory)
    memory_secret: bytes = field(default_factory=new_secret, repr=False)
    # Inline queries arrive while the user types: a looser limit of their own.
    inline_flood: FloodGate = field(default_factory=lambda: FloodGate(limit=60))
    # (user, callback data, message) -> when it was last pressed (monotonic seconds).
    recent_presses: dict[tuple[int, str | None, int | None], float] = field(default_factory=dict)
    journal: InboxJournal = field(default_factory=InboxJournal)

    def record(self, update: object, record: LogRecord) -> None:
        """Log a row for an update: with its outcome when the update is journaled, else
        through the background writer."""
        rows = self.journal.rows_of(update)
        if rows is not None:
            rows.append(record)
        else:
            self.writer.submit(record)


Context = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotServices]
NetralApp = Application[
    ExtBot[None],
    Context,
    dict[object, object],
    dict[object, object],
    BotServices,
    JobQueue[Context],
]
