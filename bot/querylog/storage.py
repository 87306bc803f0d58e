"""SQLite storage: schema, question log, durable update inbox and reports.

Every SQL statement of the project lives in this module, always parameterised.

Layout:

* ``open_storage()`` opens (and creates or migrates) the database and returns a
  :class:`Storage`. It holds two aiosqlite connections to the same WAL database: a
  writer (log batches, update inbox, migrations) and a read-only reader (reports and
  exports), so a slow report never holds up the writes the bot needs to answer.
* :class:`LogWriter` buffers :class:`QueryRecord` / :class:`EventRecord` rows in memory
  and writes them in batches from a background task; a failing write is logged and
  retried, never raised into the caller.
* Times are stored as UTC ISO-8601 text with millisecond precision and a ``Z`` suffix
  (``2024-05-01T08:30:00.000Z``); one fixed format keeps text order equal to time order.
* Telegram ids are never stored: callers log ``Storage.user_key(user_id)``, a keyed
  hash (HMAC-SHA256 with a random key kept outside the database: a key file or
  ``$NETRAL_PSEUDONYM_KEY``), so a copy of the database alone cannot be re-identified.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import aiosqlite

logger = logging.getLogger(__name__)

STATUSES: Final[tuple[str, ...]] = ("answered", "ambiguous", "no_match")
EVENT_KINDS: Final[tuple[str, ...]] = (
    "button",
    "feedback_up",
    "feedback_down",
    "suggestion_pick",
    "related",
)
UPDATE_STATES: Final[tuple[str, ...]] = ("pending", "done", "failed")

SALT_BYTES: Final = 32
USER_KEY_HEX_CHARS: Final = 16

# Schema migrations: MIGRATIONS[n - 1] upgrades a database from user_version n - 1 to n.
# Append new scripts; never edit one that has shipped. Each runs in its own transaction
# together with the user_version bump, so a failing script leaves the database untouched.
MIGRATIONS: Final[tuple[str, ...]] = (
    # v1: salt, question log, button/feedback events.
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );

    CREATE TABLE queries (
        id          INTEGER PRIMARY KEY,
        qid         TEXT NOT NULL UNIQUE,
        time        TEXT NOT NULL,
        chat_type   TEXT NOT NULL,
        user_key    TEXT NOT NULL,
        text        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('answered', 'ambiguous', 'no_match')),
        entry_id    TEXT,
        score       REAL NOT NULL,
        suggestions TEXT NOT NULL DEFAULT '[]',
        elapsed_ms  REAL NOT NULL,
        source      TEXT NOT NULL
    );
    -- The rowid is implicitly the last column of every index, so "ORDER BY time, id"
    -- is served by these indexes without a sort.
    CREATE INDEX queries_time ON queries (time);
    CREATE INDEX queries_status_time ON queries (status, time);
    CREATE INDEX queries_status_entry ON queries (status, entry_id);
    CREATE INDEX queries_entry_time ON queries (entry_id, time);

    -- No foreign key to queries.qid: the two tables are written in independent batches
    -- and a button press may outlive a log row that could not be written.
    CREATE TABLE events (
        id       INTEGER PRIMARY KEY,
        time     TEXT NOT NULL,
        qid      TEXT,
        kind     TEXT NOT NULL CHECK (kind IN (
                     'button', 'feedback_up', 'feedback_down', 'suggestion_pick', 'related')),
        entry_id TEXT,
        user_key TEXT NOT NULL
    );
    CREATE INDEX events_kind_time ON events (kind, time);
    CREATE INDEX events_qid ON events (qid);
    """,
    # v2: durable inbox of raw Telegram updates (crash safety).
    """
    CREATE TABLE updates (
        update_id INTEGER PRIMARY KEY,
        payload   TEXT NOT NULL,
        received  TEXT NOT NULL,
        attempts  INTEGER NOT NULL DEFAULT 0,
        state     TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'done', 'failed')),
        error     TEXT
    );
    CREATE INDEX updates_state_received ON updates (state, received);
    """,
    # v3: indexes for reviewing the log (netral logs stats/unanswered/report/purge).
    """
    -- Per-hour counts by status (stats, report): the hour is an expression over the
    -- stored text, so GROUP BY reads this index in order, without sorting, and the
    -- exact period bounds are checked on its time column.
    CREATE INDEX queries_hour_status ON queries (substr(time, 1, 13), status, time);
    -- Distinct users of a period: one ordered pass over this index, no sort.
    CREATE INDEX queries_user_time ON queries (user_key, time);
    -- Top entries of a period without reading the rows; replaces its prefix (status, time).
    CREATE INDEX queries_status_time_entry ON queries (status, time, entry_id);
    DROP INDEX queries_status_time;
    -- Feedback per entry over a period; replaces its prefix (kind, time).
    CREATE INDEX events_kind_time_entry ON events (kind, time, entry_id, qid);
    DROP INDEX events_kind_time;
    -- Retention: events older than the cut-off, whatever their kind.
    CREATE INDEX events_time ON events (time);
    """,
    # v4: the unanswered questions' texts in text order (netral logs unanswered/report).
    """
    -- Partial and covering: only ambiguous and no_match rows, so counting them by text
    -- reads this index in order instead of sorting every row's text.
    CREATE INDEX queries_unanswered_text ON queries (text, status, time)
        WHERE status IN ('ambiguous', 'no_match');
    """,
    # v5: one feedback vote per user and question (the last one wins).
    """
    DELETE FROM events WHERE kind IN ('feedback_up', 'feedback_down') AND qid IS NOT NULL
        AND id NOT IN (SELECT MAX(id) FROM events
                       WHERE kind IN ('feedback_up', 'feedback_down') AND qid IS NOT NULL
                       GROUP BY user_key, qid);
    CREATE UNIQUE INDEX events_one_vote ON events (user_key, qid)
        WHERE kind IN ('feedback_up', 'feedback_down');
    """,
)

_QUERY_COLUMNS: Final = (
    "id, qid, time, chat_type, user_key, text, status, entry_id, score, suggestions, "
    "elapsed_ms, source"
)
_INSERT_QUERY: Final = (
    "INSERT INTO queries (qid, time, chat_type, user_key, text, status, entry_id, score, "
    "suggestions, elapsed_ms, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (qid) DO NOTHING"
)
_INSERT_EVENT: Final = (
    "INSERT INTO events (time, qid, kind, entry_id, user_key) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (user_key, qid) WHERE kind IN ('feedback_up', 'feedback_down') "
    "DO UPDATE SET time = excluded.time, kind = excluded.kind, entry_id = excluded.entry_id"
)


# --------------------------------------------------------------------------- time


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def _require_aware(moment: datetime, name: str = "datetime") -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def format_time(moment: datetime) -> str:
    """Format an aware datetime as stored: UTC, millisecond precision, ``Z`` suffix."""
    _require_aware(moment)
    utc = moment.astimezone(UTC)
    # The year is padded by hand: strftime's %Y gives "300" for the year 300 on glibc, and
    # "300-..." sorts after "2026-...", which would turn every comparison upside down.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse a stored time back into an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def new_qid() -> str:
    """Return a short random query id (11 URL-safe characters, fits callback data)."""
    return secrets.token_urlsafe(8)


# --------------------------------------------------------------------------- records


class InvalidRecordError(ValueError):
    """A log record whose values cannot be converted to SQL parameters."""


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRecord:
    """One logged question (a row of ``queries`` without its ``id``)."""

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
        _check_status(self.status)
        _require_aware(self.time, "time")
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
        _require_aware(self.time, "time")


LogRecord = QueryRecord | EventRecord


def _describe(record: LogRecord) -> str:
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
class PurgeCounts:
    """Rows removed by :meth:`Storage.purge`."""

    queries: int
    events: int
    updates: int


def _period(
    since: datetime | None, until: datetime | None, column: str = "time"
) -> tuple[str, list[Any]]:
    """SQL conditions (each starting with " AND") for ``since <= column < until``."""
    sql = ""
    params: list[Any] = []
    if since is not None:
        sql += f" AND {column} >= ?"
        params.append(format_time(since))
    if until is not None:
        sql += f" AND {column} < ?"
        params.append(format_time(until))
    return sql, params


def _hour_period(since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
    """The period's bounds on the hour expression of ``queries_hour_status``."""
    sql = ""
    params: list[Any] = []
    if since is not None:
        sql += " AND substr(time, 1, 13) >= ?"
        params.append(format_time(since)[:13])
    if until is not None:
        sql += " AND substr(time, 1, 13) <= ?"
        params.append(format_time(until)[:13])
    return sql, params


def clean_text(value: str) -> str:
    """``value`` as valid UTF-8: a lone surrogate (possible in Telegram's JSON, not in
    UTF-8) becomes ``?`` instead of making the whole row unwritable."""
    if not isinstance(value, str):
        return value  # not text: SQLite's own type check reports it
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _clean_optional(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _query_params(record: QueryRecord) -> tuple[Any, ...]:
    return (
        clean_text(record.qid),
        format_time(record.time),
        clean_text(record.chat_type),
        record.user_key,
        clean_text(record.text),
        record.status,
        _clean_optional(record.entry_id),
        float(record.score),
        json.dumps([clean_text(s) for s in record.suggestions], ensure_ascii=False),
        float(record.elapsed_ms),
        record.source,
    )


def _event_params(record: EventRecord) -> tuple[Any, ...]:
    return (
        format_time(record.time),
        _clean_optional(record.qid),
        record.kind,
        _clean_optional(record.entry_id),
        record.user_key,
    )


def _split_records(
    records: Sequence[LogRecord],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """SQL parameters of query and event records; InvalidRecordError for a bad one."""
    queries: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for record in records:
        try:
            if isinstance(record, QueryRecord):
                queries.append(_query_params(record))
            else:
                events.append(_event_params(record))
        except (TypeError, ValueError) as exc:
            raise InvalidRecordError(f"{_describe(record)}: {exc}") from exc
    return queries, events


def _row_to_query(row: Sequence[Any]) -> QueryRow:
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


# --------------------------------------------------------------------------- storage


async def _fetch_one(db: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    """Return the first column of the first row, or None."""
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def _user_version(db: aiosqlite.Connection) -> int:
    return int(await _fetch_one(db, "PRAGMA user_version"))


async def _migrate(db: aiosqlite.Connection) -> None:
    migrations = MIGRATIONS  # looked up at call time so tests can substitute the list
    target = len(migrations)
    current = await _user_version(db)
    if current > target:
        raise RuntimeError(
            f"database schema version {current} is newer than this program supports "
            f"({target}); refusing to open it"
        )
    for version in range(current + 1, target + 1):
        script = migrations[version - 1]
        try:
            # executescript() ignores Python's transaction handling, so the transaction
            # is part of the script; version is an int, never user input.
            await db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except sqlite3.Error:
            if db.in_transaction:
                await db.rollback()
            # Another process may have applied the same migration in the meantime.
            if await _user_version(db) >= version:
                continue
            raise
        logger.info("database schema migrated to version %d", version)


KEY_ENV: Final = "NETRAL_PSEUDONYM_KEY"
KEY_FILE_ENV: Final = "NETRAL_KEY_FILE"


def default_key_path(db_path: Path) -> Path:
    """Where the pseudonym key lives unless told otherwise: ``$NETRAL_KEY_FILE``, else
    next to the database as ``<database>.key``."""
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    return Path(configured) if configured else db_path.with_name(db_path.name + ".key")


def _read_key_file(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise RuntimeError(f"pseudonym key file {path} is not hex") from None
    if len(key) < 16:
        raise RuntimeError(f"pseudonym key in {path} is shorter than 16 bytes")
    return key


def _write_key_file(path: Path, key: bytes) -> None:
    """Create ``path`` readable by its owner only; never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")


async def _pseudonym_key(
    db: aiosqlite.Connection,
    db_path: Path,
    key: bytes | None,
    key_path: Path | None,
    *,
    create_key: bool,
) -> bytes | None:
    """The HMAC key of user pseudonyms, kept outside the database.

    Databases written before the key moved out hold it in ``meta`` ('salt'): it is moved to
    the key file (so existing pseudonyms stay linkable) and deleted from the database.
    """
    stored = await _fetch_one(db, "SELECT value FROM meta WHERE key = 'salt'")
    if stored is not None and (not isinstance(stored, bytes) or len(stored) != SALT_BYTES):
        raise RuntimeError(f"corrupt pseudonymisation salt in {db_path}")
    if key is None and (env := os.environ.get(KEY_ENV, "").strip()):
        key = env.encode("utf-8")
    if key is None:
        path = key_path or default_key_path(db_path)
        if path.is_file():
            key = _read_key_file(path)
        elif not create_key:
            return stored
        else:
            key = stored or secrets.token_bytes(SALT_BYTES)
            try:
                _write_key_file(path, key)
            except FileExistsError:
                key = _read_key_file(path)
            except OSError as exc:
                raise RuntimeError(f"cannot create the pseudonym key file {path}: {exc}") from exc
            logger.info("pseudonym key kept in %s", path)
    if stored is not None and create_key:
        if stored != key:
            logger.warning("a pseudonym salt left in the database was removed")
        await db.execute("DELETE FROM meta WHERE key = 'salt'")
    return key


async def _connect(path: Path, busy_timeout_ms: int, *, chunk: int = 64) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions, this module issues BEGIN/COMMIT.
    db = await aiosqlite.connect(path, isolation_level=None, iter_chunk_size=chunk)
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    except BaseException:
        await db.close()
        raise
    return db


async def open_storage(
    path: str | Path,
    *,
    busy_timeout_ms: int = 5000,
    key: bytes | None = None,
    key_path: Path | None = None,
    create_key: bool = True,
) -> Storage:
    """Open the database at ``path``, creating its folder and schema if needed.

    The pseudonym key (see :func:`_pseudonym_key`) is ``key``, else ``$NETRAL_PSEUDONYM_KEY``,
    else read from ``key_path`` (default ``$NETRAL_KEY_FILE``, else ``<database>.key``),
    which is created when ``create_key`` is set. Read-only users of the log (``netral
    logs``) pass ``create_key=False`` and may then have no key (``user_key`` raises).

    Use ``await storage.close()`` at shutdown, or ``async with await open_storage(p) as s``.
    """
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    writer = await _connect(db_path, busy_timeout_ms)
    reader: aiosqlite.Connection | None = None
    try:
        mode = await _fetch_one(writer, "PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            logger.warning("could not enable WAL on %s (journal_mode=%s)", db_path, mode)
        await writer.execute("PRAGMA synchronous = NORMAL")
        await writer.execute("PRAGMA foreign_keys = ON")
        await _migrate(writer)
        salt = await _pseudonym_key(writer, db_path, key, key_path, create_key=create_key)
        reader = await _connect(db_path, busy_timeout_ms, chunk=512)
        await reader.execute("PRAGMA query_only = ON")
    except BaseException:
        if reader is not None:
            await reader.close()
        await writer.close()
        raise
    return Storage(db_path, writer, reader, salt)


class Storage:
    """The Netral database. Create with :func:`open_storage`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        salt: bytes | None,
    ) -> None:
        self.path = path
        self._db = writer
        self._reader = reader
        self._salt = salt
        # One connection serves every writer, so whole transactions must not interleave.
        self._write_lock = asyncio.Lock()
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close both connections (idempotent). Close any LogWriter first."""
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            try:
                # Refresh planner statistics cheaply (bounded work even on a big log).
                await self._db.execute("PRAGMA analysis_limit = 1000")
                await self._db.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                logger.warning("PRAGMA optimize failed: %s", exc)
            try:
                await self._reader.close()
            finally:
                await self._db.close()

    # ---------------------------------------------------------------- helpers

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                await self._db.execute("COMMIT")
            except BaseException:
                await self._rollback_quietly()
                raise

    async def _rollback_quietly(self) -> None:
        try:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
        except (sqlite3.Error, ValueError) as exc:
            logger.warning("rollback failed: %s", exc)

    async def _write(self, sql: str, params: Iterable[Any]) -> int:
        """Run one autocommitted statement; return the number of changed rows."""
        async with self._write_lock, self._db.execute(sql, params) as cursor:
            return cursor.rowcount

    # ---------------------------------------------------------------- pseudonyms

    def user_key(self, user_id: int) -> str:
        """Stable pseudonym for a Telegram user id (16 hex chars, keyed HMAC-SHA256)."""
        if self._salt is None:
            raise RuntimeError("no pseudonym key: the database was opened read-only")
        digest = hmac.new(self._salt, str(user_id).encode("ascii"), hashlib.sha256)
        return digest.hexdigest()[:USER_KEY_HEX_CHARS]

    # ---------------------------------------------------------------- log writes

    async def insert_records(self, records: Sequence[LogRecord]) -> None:
        """Insert query and event rows in one transaction (used by :class:`LogWriter`).

        Raises sqlite3 errors, or InvalidRecordError for a record whose values cannot be
        converted; a query whose qid is already logged is skipped.
        """
        queries, events = _split_records(records)
        if not queries and not events:
            return
        inserted = len(queries)
        async with self._transaction() as db:
            if queries:
                async with db.executemany(_INSERT_QUERY, queries) as cursor:
                    inserted = cursor.rowcount
            if events:
                await db.executemany(_INSERT_EVENT, events)
        if inserted < len(queries):
            logger.warning(
                "skipped %d query log rows with an already used qid", len(queries) - inserted
            )

    # ---------------------------------------------------------------- update inbox

    async def save_updates(
        self, updates: Sequence[tuple[int, str]], *, now: datetime | None = None
    ) -> int:
        """Store raw updates (update_id, JSON payload) as pending; ignore known ids.

        Returns how many were new.
        """
        if not updates:
            return 0
        received = format_time(now or utc_now())
        rows = [(int(update_id), payload, received) for update_id, payload in updates]
        async with (
            self._transaction() as db,
            db.executemany(
                "INSERT OR IGNORE INTO updates (update_id, payload, received) VALUES (?, ?, ?)",
                rows,
            ) as cursor,
        ):
            return cursor.rowcount

    async def pending_updates(self) -> list[tuple[int, str, int]]:
        """Pending updates as (update_id, payload, attempts), oldest update first."""
        async with (
            self._write_lock,
            self._db.execute(
                "SELECT update_id, payload, attempts FROM updates "
                "WHERE state = 'pending' ORDER BY update_id"
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def mark_update_attempt(self, update_id: int) -> None:
        """Count one more processing attempt (call before handling the update)."""
        await self._write(
            "UPDATE updates SET attempts = attempts + 1 WHERE update_id = ?", (update_id,)
        )

    async def mark_update_done(self, update_id: int) -> None:
        """Mark an update answered and drop its payload: a raw update holds the user's id
        and name, which the log must not keep once the update no longer needs recovery."""
        await self._write(
            "UPDATE updates SET state = 'done', error = NULL, payload = '' WHERE update_id = ?",
            (update_id,),
        )

    async def mark_update_failed(self, update_id: int, error: str) -> None:
        """Give an update up; its payload is dropped for the same reason as when done."""
        await self._write(
            "UPDATE updates SET state = 'failed', error = ?, payload = '' WHERE update_id = ?",
            (error, update_id),
        )

    async def save_failed_update(self, update_id: int, error: str) -> None:
        """Journal an update that cannot be processed at all (e.g. python-telegram-bot cannot
        parse it) as failed, without its payload, so that it is never fetched again."""
        await self._write(
            "INSERT INTO updates (update_id, payload, received, state, error) "
            "VALUES (?, '', ?, 'failed', ?) ON CONFLICT (update_id) DO UPDATE SET "
            "state = 'failed', payload = '', error = excluded.error",
            (update_id, format_time(utc_now()), error),
        )

    async def expire_pending_updates(
        self, older_than: timedelta, *, now: datetime | None = None
    ) -> int:
        """Give up pending updates received before ``now - older_than`` and blank their
        payloads (they hold the sender's id and name); return how many."""
        cutoff = format_time((now or utc_now()) - older_than)
        return await self._write(
            "UPDATE updates SET state = 'failed', payload = '', error = 'expired' "
            "WHERE state = 'pending' AND received < ?",
            (cutoff,),
        )

    async def finish_update(
        self, update_id: int, records: Sequence[LogRecord], *, error: str | None = None
    ) -> None:
        """Write the log rows an update produced and mark it done (or failed with
        ``error``) in one transaction: a question is in the log no later than its update
        leaves the inbox. Raises like :meth:`insert_records`."""
        queries, events = _split_records(records)
        state = "done" if error is None else "failed"
        async with self._transaction() as db:
            if queries:
                await db.executemany(_INSERT_QUERY, queries)
            if events:
                await db.executemany(_INSERT_EVENT, events)
            await db.execute(
                "UPDATE updates SET state = ?, error = ?, payload = '' WHERE update_id = ?",
                (state, error, update_id),
            )

    async def max_update_id(self) -> int | None:
        """Highest update_id ever stored (any state), or None for an empty inbox."""
        async with self._write_lock:
            value = await _fetch_one(self._db, "SELECT MAX(update_id) FROM updates")
        return None if value is None else int(value)

    async def prune_updates(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Delete done updates received before ``now - older_than``; return the count.

        The row with the highest update_id is always kept so ``max_update_id()`` survives.
        """
        cutoff = format_time((now or utc_now()) - older_than)
        return await self._write(
            "DELETE FROM updates WHERE state = 'done' AND received < ? "
            "AND update_id < (SELECT MAX(update_id) FROM updates)",
            (cutoff,),
        )

    # ---------------------------------------------------------------- reports

    def iter_queries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        entry_id: str | None = None,
        chat_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[QueryRow]:
        """Stream logged questions oldest first; ``since`` inclusive, ``until`` exclusive.

        Arguments are validated here (ValueError), before iteration starts.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if since is not None:
            clauses.append("time >= ?")
            params.append(format_time(since))
        if until is not None:
            clauses.append("time < ?")
            params.append(format_time(until))
        if status is not None:
            _check_status(status)
            clauses.append("status = ?")
            params.append(status)
        if entry_id is not None:
            clauses.append("entry_id = ?")
            params.append(entry_id)
        if chat_type is not None:
            clauses.append("chat_type = ?")
            params.append(chat_type)
        if limit is not None:
            _check_limit(limit)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        params.append(-1 if limit is None else limit)
        sql = f"SELECT {_QUERY_COLUMNS} FROM queries {where}ORDER BY time, id LIMIT ?"
        return self._stream(sql, params)

    async def _stream(self, sql: str, params: list[Any]) -> AsyncIterator[QueryRow]:
        async with self._reader.execute(sql, params) as cursor:
            async for row in cursor:
                yield _row_to_query(row)

    async def query_logged(self, qid: str) -> bool:
        """Whether a question with this qid is in the log."""
        value = await _fetch_one(self._reader, "SELECT 1 FROM queries WHERE qid = ?", (qid,))
        return value is not None

    async def first_query_time(self) -> datetime | None:
        """When the oldest logged question was asked (None for an empty log)."""
        value = await _fetch_one(self._reader, "SELECT MIN(time) FROM queries")
        return None if value is None else parse_time(str(value))

    async def get_query(self, qid: str) -> QueryRow | None:
        async with self._reader.execute(
            f"SELECT {_QUERY_COLUMNS} FROM queries WHERE qid = ?", (qid,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _row_to_query(row)

    # ---------------------------------------------------------------- review (netral logs)
    #
    # Periods are ``since <= time < until``; None means unbounded. The counting queries
    # are served by the covering index queries_time_review (migration v3), so they read
    # index pages only, never the question texts.

    async def hourly_status_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        """(UTC hour as ``YYYY-MM-DDTHH``, status, count) of the period's questions."""
        where, params = _period(since, until)
        # The bounds are repeated on the hour expression so the index can seek to them.
        hour_where, hour_params = _hour_period(since, until)
        async with self._reader.execute(
            "SELECT substr(time, 1, 13) AS hour, status, COUNT(*) FROM queries "
            f"INDEXED BY queries_hour_status WHERE 1{hour_where}{where} "
            "GROUP BY substr(time, 1, 13), status ORDER BY substr(time, 1, 13), status",
            [*hour_params, *params],
        ) as cursor:
            rows = await cursor.fetchall()  # one round trip (see _stream_texts)
        return [(str(h), str(s), int(n)) for h, s, n in rows]

    async def distinct_users(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """How many pseudonymous user keys asked in the period (empty keys not counted)."""
        where, params = _period(since, until)
        value = await _fetch_one(
            self._reader,
            # One pass over (user_key, time) in key order; never a sort of the keys.
            "SELECT COUNT(DISTINCT user_key) FROM queries INDEXED BY queries_user_time "
            f"WHERE user_key != ''{where}",
            params,
        )
        return int(value or 0)

    async def entry_counts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        status: str = "answered",
        limit: int | None = None,
    ) -> list[tuple[str, int]]:
        """(entry_id, questions) with this status in the period, most first, then by id."""
        _check_status(status)
        if limit is not None:
            _check_limit(limit)
        where, params = _period(since, until)
        # Both indexes cover the query: (status, entry_id) groups in index order for all
        # time; with a bound, (status, time, entry_id) reads only the period. The planner,
        # left alone, takes the first and then reads every row's time from the table.
        index = "queries_status_entry" if not where else "queries_status_time_entry"
        async with self._reader.execute(
            f"SELECT entry_id, COUNT(*) AS n FROM queries INDEXED BY {index} "
            f"WHERE status = ? AND entry_id IS NOT NULL{where} "
            "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
            [status, *params, -1 if limit is None else limit],
        ) as cursor:
            rows = await cursor.fetchall()
        return [(str(entry), int(n)) for entry, n in rows]

    async def feedback_by_entry(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str | None, int, int]]:
        """(entry_id, 👍, 👎) for feedback given in the period, by entry id.

        An event without an entry id is counted for the entry its question was answered
        with; None when neither is known.
        """
        where, params = _period(since, until, "e.time")
        async with self._reader.execute(
            "SELECT COALESCE(e.entry_id, (SELECT q.entry_id FROM queries AS q "
            "WHERE q.qid = e.qid)) AS entry, "
            "SUM(e.kind = 'feedback_up'), SUM(e.kind = 'feedback_down') FROM events AS e "
            f"WHERE e.kind IN ('feedback_up', 'feedback_down'){where} "
            "GROUP BY entry ORDER BY entry IS NULL, entry",
            params,
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            (None if entry is None else str(entry), int(up), int(down)) for entry, up, down in rows
        ]

    async def unanswered_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """How many ambiguous and no_match questions the period has."""
        where, params = _period(since, until)
        value = await _fetch_one(
            self._reader,
            f"SELECT COUNT(*) FROM queries WHERE status IN ('ambiguous', 'no_match'){where}",
            params,
        )
        return int(value or 0)

    def iter_unanswered_texts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int | None = None,
    ) -> AsyncIterator[TextCount]:
        """Distinct texts of the period's ambiguous and no_match questions, most asked first
        (ties by text); SQLite does the counting, so memory holds ``limit`` texts at most."""
        if limit is not None:
            _check_limit(limit)
        return self._stream_texts(since, until, -1 if limit is None else limit)

    async def _stream_texts(
        self, since: datetime | None, until: datetime | None, limit: int
    ) -> AsyncIterator[TextCount]:
        # Two plans, chosen here rather than left to statistics that may be stale: the
        # partial index queries_unanswered_text read in text order (it costs every
        # unanswered question ever logged, but no sort), or the period's range of
        # (status, time) (it costs the period's rows, their table rows and a sort by text).
        index = "queries_unanswered_text"
        if since is not None or until is not None:
            in_period = await self.unanswered_count(since, until)
            if in_period * 4 < await self.unanswered_count():
                index = "queries_status_time_entry"
        where, params = _period(since, until)
        sql = (
            "SELECT text, COUNT(*) AS n, SUM(status = 'no_match'), MIN(time), MAX(time) "
            f"FROM queries INDEXED BY {index} "
            f"WHERE status IN ('ambiguous', 'no_match'){where} "
            "GROUP BY text ORDER BY n DESC, text LIMIT ?"
        )
        # fetchall: the rows (at most ``limit``) come back in one round trip to the reader
        # thread rather than in chunks, each of which waits for the GIL when another thread
        # (the knowledge base loading) is busy in Python.
        async with self._reader.execute(sql, [*params, limit]) as cursor:
            rows = await cursor.fetchall()
        for text, n, no_match, first, last in rows:
            yield TextCount(
                text=str(text),
                count=int(n),
                no_match=int(no_match),
                first=parse_time(str(first)),
                last=parse_time(str(last)),
            )

    async def purge(self, before: datetime, *, batch_size: int = 5000) -> PurgeCounts:
        """Retention: delete what is older than ``before`` and return the counts.

        * questions with ``time < before``, and every event about them (even a later one);
        * events with ``time < before`` (button presses of questions never logged);
        * done and failed updates of the inbox received before ``before``. Pending ones stay,
          and so does the newest update (its id is what polling resumes from), but its
          payload (the raw Telegram update) is blanked.

        Works in transactions of ``batch_size`` questions so a running bot is never held
        up for long.
        """
        _require_aware(before, "before")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        cutoff = format_time(before)
        oldest = "SELECT {col} FROM queries WHERE time < ? ORDER BY time, id LIMIT ?"
        queries = events = 0
        while True:
            async with self._transaction() as db:
                async with db.execute(
                    f"DELETE FROM events WHERE qid IN ({oldest.format(col='qid')})",
                    (cutoff, batch_size),
                ) as cursor:
                    events += cursor.rowcount
                async with db.execute(
                    f"DELETE FROM queries WHERE id IN ({oldest.format(col='id')})",
                    (cutoff, batch_size),
                ) as cursor:
                    deleted = cursor.rowcount
            queries += deleted
            if deleted < batch_size:
                break
        while True:
            deleted = await self._write(
                "DELETE FROM events WHERE id IN "
                "(SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)",
                (cutoff, batch_size),
            )
            events += deleted
            if deleted < batch_size:
                break
        async with self._transaction() as db:
            async with db.execute(
                "DELETE FROM updates WHERE state IN ('done', 'failed') AND received < ? "
                "AND update_id < (SELECT MAX(update_id) FROM updates)",
                (cutoff,),
            ) as cursor:
                updates = cursor.rowcount
            await db.execute(
                "UPDATE updates SET payload = '{}' "
                "WHERE state IN ('done', 'failed') AND received < ?",
                (cutoff,),
            )
        return PurgeCounts(queries=queries, events=events, updates=updates)

    async def vacuum(self) -> None:
        """Rebuild the file to give the space of deleted rows back to the disk."""
        async with self._write_lock:
            await self._db.execute("VACUUM")
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --------------------------------------------------------------------------- log writer

# Errors that say "this row can never be written" rather than "the database is unwell".
# Anything else (OperationalError, DatabaseError, unexpected bugs) keeps the rows for retry.
_BAD_ROW_ERRORS: Final = (
    InvalidRecordError,
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    sqlite3.DataError,
    OverflowError,  # an int too large for SQLite
    ValueError,  # e.g. UnicodeEncodeError: text SQLite cannot take
)


class LogWriter:
    """Writes log records in the background so that logging never delays a reply.

    ``submit()`` is synchronous and never raises. A task started by ``start()`` writes
    the buffer when ``batch_size`` rows are waiting or ``interval`` seconds after the
    first one, ``batch_size`` rows per transaction. Failed writes are logged and kept
    for the next attempt (after ``retry_interval``); beyond ``max_buffer`` rows the
    oldest are dropped.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        batch_size: int = 200,
        interval: float = 0.2,
        max_buffer: int = 50_000,
        retry_interval: float = 1.0,
    ) -> None:
        if batch_size < 1 or max_buffer < 1 or interval <= 0 or retry_interval <= 0:
            raise ValueError("batch_size, max_buffer, interval, retry_interval must be > 0")
        self._storage = storage
        self._batch_size = batch_size
        self._interval = interval
        self._max_buffer = max_buffer
        self._retry_interval = retry_interval
        self._queue: asyncio.Queue[LogRecord] = asyncio.Queue()
        self._pending: deque[LogRecord] = deque()  # drained from the queue, not yet written
        self._in_flight = 0  # rows of the chunk being written right now
        self._flush_lock = asyncio.Lock()
        self._wake = asyncio.Event()  # something was submitted, or stop requested
        self._batch_full = asyncio.Event()  # batch_size rows waiting, or stop requested
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._dropped_unreported = 0
        self.dropped = 0  # rows lost to the buffer bound since creation

    @property
    def buffered(self) -> int:
        """Rows submitted but not yet written."""
        return self._queue.qsize() + len(self._pending) + self._in_flight

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def start(self) -> None:
        """Start the background task (idempotent; needs a running event loop)."""
        if self._closed:
            raise RuntimeError("LogWriter is closed")
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="netral-log-writer"
            )

    def submit(self, record: LogRecord) -> None:
        """Queue a record for writing. Never blocks, never raises."""
        try:
            if self._closed:
                logger.error("LogWriter is closed; dropping %s", _describe(record))
                return
            excess = self.buffered + 1 - self._max_buffer
            if excess > 0:
                self._drop_oldest(excess)
            self._queue.put_nowait(record)
            if self.buffered >= self._batch_size:
                self._batch_full.set()
            self._wake.set()
        except Exception:  # pragma: no cover - defensive, submit must never raise
            logger.exception("LogWriter.submit failed")

    async def flush(self) -> bool:
        """Write everything submitted so far; True if it all landed. Never raises."""
        async with self._flush_lock:
            while not self._queue.empty():
                self._pending.append(self._queue.get_nowait())
            ok = True
            while self._pending and ok:
                count = min(self._batch_size, len(self._pending))
                chunk = [self._pending.popleft() for _ in range(count)]
                self._in_flight = count
                try:
                    unwritten = await self._write_chunk(chunk)
                except BaseException:
                    self._pending.extendleft(reversed(chunk))
                    raise
                finally:
                    self._in_flight = 0
                if unwritten:
                    self._pending.extendleft(reversed(unwritten))
                    ok = False
            excess = self.buffered - self._max_buffer
            if excess > 0:
                self._drop_oldest(excess)
            self._report_drops()
            if not ok:
                self._wake.set()  # make sure the background task retries
            return ok

    async def close(self) -> bool:
        """Stop the background task and write what is left; True if nothing is lost."""
        if self._closed:
            return self.buffered == 0
        self._stop.set()
        self._wake.set()
        self._batch_full.set()
        if self._task is not None:
            await asyncio.wait([self._task])
            self._task = None
        ok = await self.flush()
        self._closed = True
        if not ok:
            logger.error(
                "LogWriter closed with %d unwritten log rows; they are lost", self.buffered
            )
        return ok

    # ---------------------------------------------------------------- internals

    def _drop_oldest(self, count: int) -> None:
        dropped = 0
        while dropped < count and self._pending:
            self._pending.popleft()
            dropped += 1
        while dropped < count and not self._queue.empty():
            self._queue.get_nowait()
            dropped += 1
        self.dropped += dropped
        self._dropped_unreported += dropped

    def _report_drops(self) -> None:
        if self._dropped_unreported:
            logger.error(
                "log buffer full (%d rows): dropped the %d oldest unwritten log rows",
                self._max_buffer,
                self._dropped_unreported,
            )
            self._dropped_unreported = 0

    async def _write_chunk(self, chunk: list[LogRecord]) -> list[LogRecord]:
        """Write one chunk; return the rows still to be written after a transient error."""
        try:
            await self._storage.insert_records(chunk)
            return []
        except _BAD_ROW_ERRORS as exc:
            if len(chunk) == 1:
                logger.error(
                    "dropping log row that cannot be written (%s): %s", _describe(chunk[0]), exc
                )
                return []
            logger.error("log batch rejected (%s); retrying its rows one by one", exc)
        except Exception as exc:
            logger.error(
                "could not write %d log rows (%s: %s); keeping them for retry",
                len(chunk),
                type(exc).__name__,
                exc,
            )
            return chunk
        # A row in the chunk is malformed: isolate it so the rest is not held hostage.
        for index, record in enumerate(chunk):
            try:
                await self._storage.insert_records([record])
            except _BAD_ROW_ERRORS as exc:
                logger.error(
                    "dropping log row that cannot be written (%s): %s", _describe(record), exc
                )
            except Exception as exc:
                logger.error(
                    "could not write log rows (%s: %s); keeping %d for retry",
                    type(exc).__name__,
                    exc,
                    len(chunk) - index,
                )
                return chunk[index:]
        return []

    async def _sleep(self, seconds: float, event: asyncio.Event) -> None:
        """Wait until ``event`` is set or ``seconds`` pass."""
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.buffered == 0:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                if self.buffered < self._batch_size:
                    self._batch_full.clear()
                    await self._sleep(self._interval, self._batch_full)
                if self._stop.is_set():
                    break  # close() writes the rest
                if not await self.flush():
                    await self._sleep(self._retry_interval, self._stop)
            except Exception:  # never let the writer die; log and keep going
                logger.exception("unexpected error in the log writer task")
                await self._sleep(self._retry_interval, self._stop)
