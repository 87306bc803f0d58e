"""What the query log holds: question and event records, their checks, and the one
definition of each vocabulary (question status, event kind, update state).

The status values are the engine's own (:data:`bot.core.matcher.Status`); the event
kinds are :data:`bot.core.models.EventKind`, carried by the reply buttons from the
renderer to the log row. The ``CHECK`` constraints of the shipped migrations spell the
same values out, and a test keeps them equal.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, get_args

from bot.core.engine import Answer
from bot.core.matcher import Status
from bot.core.models import EventKind
from bot.querylog.clock import parse_time, require_aware, utc_now

STATUSES: Final[tuple[Status, ...]] = get_args(Status)
EVENT_KINDS: Final[tuple[EventKind, ...]] = get_args(EventKind)
UpdateState = Literal["pending", "done", "failed"]
UPDATE_STATES: Final[tuple[UpdateState, ...]] = get_args(UpdateState)

# Text kept in the query log for one question: enough to review, bounded for the database.
MAX_LOGGED_CHARS: Final = 2000

__all__ = [
    "EVENT_KINDS",
    "MAX_LOGGED_CHARS",
    "STATUSES",
    "UPDATE_STATES",
    "EventKind",
    "EventRecord",
    "InvalidRecordError",
    "LogRecord",
    "PurgeCounts",
    "QueryRecord",
    "QueryRow",
    "Status",
    "TextCount",
    "UpdateRow",
    "UpdateState",
    "check_limit",
    "check_status",
    "describe",
    "new_qid",
    "question_record",
]


def new_qid() -> str:
    """Return a short random query id (11 URL-safe characters, fits callback data)."""
    return secrets.token_urlsafe(8)


class InvalidRecordError(ValueError):
    """A log record whose values cannot be converted to SQL parameters."""


def check_status(status: str) -> None:
    """ValueError unless ``status`` is one of :data:`STATUSES`."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


def check_limit(limit: int) -> None:
    """ValueError for a negative row limit."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRecord:
    """One logged question (a row of ``queries`` without its ``id``).

    ``elapsed_ms`` is the matching time: how long the engine took to answer the text
    (``Engine.ask``), in milliseconds. It excludes Telegram, the reply and the log write,
    for the bot and the console alike.
    """

    qid: str
    time: datetime
    chat_type: str
    user_key: str
    text: str
    status: str
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    source: str = "message"

    def __post_init__(self) -> None:
        if not self.qid:
            raise ValueError("qid must not be empty")
        check_status(self.status)
        require_aware(self.time, "time")
        if not isinstance(self.suggestions, tuple):
            object.__setattr__(self, "suggestions", tuple(self.suggestions))


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRow(QueryRecord):
    """A ``queries`` row as read back from the database."""

    id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    """One button press or feedback (a row of ``events`` without its ``id``)."""

    time: datetime
    kind: str
    user_key: str
    qid: str | None = None
    entry_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(
                f"unknown event kind {self.kind!r}; expected one of {', '.join(EVENT_KINDS)}"
            )
        require_aware(self.time, "time")


LogRecord = QueryRecord | EventRecord


def describe(record: LogRecord) -> str:
    """A short description of a record for error messages (no user text)."""
    if isinstance(record, QueryRecord):
        return f"query qid={record.qid}"
    return f"event kind={record.kind} qid={record.qid}"


@dataclass(frozen=True, slots=True)
class TextCount:
    """One distinct question text of a period with how often, and when, it was asked."""

    text: str
    count: int
    no_match: int  # how many of them were no_match (the rest: ambiguous)
    first: datetime
    last: datetime


@dataclass(frozen=True, slots=True)
class UpdateRow:
    """A row of the update inbox as copied between databases (``netral db copy``)."""

    update_id: int
    payload: str
    received: str  # stored time text (bot.querylog.clock)
    attempts: int
    state: str
    error: str | None


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """Rows removed by a retention purge."""

    queries: int
    events: int
    updates: int


def question_record(
    text: str,
    answer: Answer,
    *,
    chat_type: str,
    user_key: str,
    source: str,
    elapsed_ms: float,
    qid: str | None = None,
) -> QueryRecord:
    """The log row for ``text`` and the engine's ``answer``; ``elapsed_ms`` is the
    matching time (see :class:`QueryRecord`)."""
    result = answer.result
    return QueryRecord(
        qid=qid or new_qid(),
        time=utc_now(),
        chat_type=chat_type,
        user_key=user_key,
        text=text[:MAX_LOGGED_CHARS],
        status=result.status,
        entry_id=result.entry.id if result.entry else None,
        score=round(result.score, 4),
        suggestions=tuple(c.entry.id for c in result.candidates)
        if result.status == "ambiguous"
        else (),
        elapsed_ms=round(elapsed_ms, 2),
        source=source,
    )


def row_to_query(row: Sequence[Any]) -> QueryRow:
    """A ``queries`` row, in the column order both backends select, as a ``QueryRow``."""
    return QueryRow(
        id=int(row[0]),
        qid=str(row[1]),
        time=parse_time(str(row[2])),
        chat_type=str(row[3]),
        user_key=str(row[4]),
        text=str(row[5]),
        status=str(row[6]),
        entry_id=None if row[7] is None else str(row[7]),
        score=float(row[8]),
        suggestions=tuple(str(item) for item in json.loads(row[9] or "[]")),
        elapsed_ms=float(row[10]),
        source=str(row[11]),
    )
