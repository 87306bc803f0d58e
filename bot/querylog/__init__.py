"""The query log: every question, button press and raw update the bot keeps.

* :mod:`~bot.querylog.records` what a row is (one status, one event-kind vocabulary);
* :mod:`~bot.querylog.clock` the stored time format;
* :mod:`~bot.querylog.storage` the backend interface (protocols);
* :mod:`~bot.querylog.sqlite` the SQLite backend (all the SQL, the migrations);
* :mod:`~bot.querylog.postgres` the PostgreSQL backend (several processes, one database);
* :mod:`~bot.querylog.writer` batching writes in the background;
* :mod:`~bot.querylog.pseudonym` user ids to keyed pseudonyms.

:func:`open_storage` is the one entry point: a file path opens SQLite; a URL's scheme
selects a backend from :data:`BACKENDS` (add one there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from bot.querylog.clock import format_time, parse_time, utc_now
from bot.querylog.records import (
    EVENT_KINDS,
    STATUSES,
    EventRecord,
    LogRecord,
    PurgeCounts,
    QueryRecord,
    QueryRow,
    TextCount,
    new_qid,
    question_record,
)
from bot.querylog.storage import (
    Inbox,
    LogSink,
    ReviewQueries,
    SharedInbox,
    Storage,
    StorageOpenError,
)
from bot.querylog.writer import LogWriter

__all__ = [
    "BACKENDS",
    "EVENT_KINDS",
    "STATUSES",
    "EventRecord",
    "Inbox",
    "LogRecord",
    "LogSink",
    "LogWriter",
    "PurgeCounts",
    "QueryRecord",
    "QueryRow",
    "ReviewQueries",
    "SharedInbox",
    "Storage",
    "StorageOpenError",
    "TextCount",
    "format_time",
    "new_qid",
    "open_storage",
    "parse_time",
    "question_record",
    "utc_now",
]

# URL scheme -> opener(url, key=..., key_path=..., create_key=...). A backend module adds
# its opener here; a plain path (no "scheme://") is a SQLite file.
Opener = Callable[..., Awaitable[Storage]]


async def _open_postgres(url: str, **options: object) -> Storage:
    from bot.querylog.postgres import open_postgres  # asyncpg only when PostgreSQL is used

    return await open_postgres(url, **options)  # type: ignore[arg-type]


BACKENDS: Final[dict[str, Opener]] = {"postgresql": _open_postgres, "postgres": _open_postgres}


class UnsupportedBackendError(ValueError):
    """A database URL whose scheme no backend handles."""


async def open_storage(
    target: str | Path,
    *,
    key: bytes | None = None,
    key_path: Path | None = None,
    create_key: bool = True,
    busy_timeout_ms: int = 5000,
    lease_seconds: float = 30.0,
) -> Storage:
    """Open (creating or migrating) the query log at ``target``: a file path for SQLite,
    or a URL whose scheme is in :data:`BACKENDS`.

    The pseudonym key is ``key``, else ``$NETRAL_PSEUDONYM_KEY``, else read from
    ``key_path`` (default ``$NETRAL_KEY_FILE``, else ``<database>.key``), which is created
    when ``create_key`` is set. Read-only users (``netral logs``) pass ``create_key=False``
    and may then have no key (``user_key`` raises). ``lease_seconds``: how long a shared
    database (PostgreSQL) leaves a pending update to the replica that holds it.
    """
    text = str(target)
    if isinstance(target, str) and "://" in text:
        scheme = text.split("://", 1)[0].lower()
        opener = BACKENDS.get(scheme)
        if opener is None:
            raise UnsupportedBackendError(f"unsupported database URL scheme {scheme!r}")
        return await opener(
            text, key=key, key_path=key_path, create_key=create_key, lease_seconds=lease_seconds
        )
    from bot.querylog.sqlite import open_sqlite  # aiosqlite only when SQLite is used

    return await open_sqlite(
        Path(target),
        busy_timeout_ms=busy_timeout_ms,
        key=key,
        key_path=key_path,
        create_key=create_key,
    )
