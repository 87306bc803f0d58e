"""The SQLite backend's base: two connections, transactions, row conversion, log inserts.

A :class:`SQLiteBase` holds two aiosqlite connections to the same WAL database: a writer
(log batches, update inbox, migrations) and a read-only reader (reports and exports), so a
slow report never holds up the writes the bot needs to answer. The inbox and the review
queries are mixins over this base (``inbox.py``, ``review.py``); every SQL statement of the
backend lives in this package, always parameterised.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import aiosqlite

from bot.querylog.clock import format_time
from bot.querylog.pseudonym import pseudonym
from bot.querylog.records import (
    EventRecord,
    InvalidRecordError,
    LogRecord,
    QueryRecord,
    describe,
)
from bot.querylog.storage import ClosesOnExit

logger = logging.getLogger("bot.querylog.sqlite")

# Errors that say "this row can never be written" rather than "the database is unwell"
# (see LogWriter): anything else keeps the rows for retry.
BAD_ROW_ERRORS: Final[tuple[type[Exception], ...]] = (
    InvalidRecordError,
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    sqlite3.DataError,
    OverflowError,  # an int too large for SQLite
    ValueError,  # e.g. UnicodeEncodeError: text SQLite cannot take
)

QUERY_COLUMNS: Final = (
    "id, qid, time, chat_type, user_key, text, status, entry_id, score, suggestions, "
    "elapsed_ms, source"
)
INSERT_QUERY: Final = (
    "INSERT INTO queries (qid, time, chat_type, user_key, text, status, entry_id, score, "
    "suggestions, elapsed_ms, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (qid) DO NOTHING"
)
INSERT_EVENT: Final = (
    "INSERT INTO events (time, qid, kind, entry_id, user_key) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (user_key, qid) WHERE kind IN ('feedback_up', 'feedback_down') "
    "DO UPDATE SET time = excluded.time, kind = excluded.kind, entry_id = excluded.entry_id"
)


def period_sql(
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


def hour_period_sql(since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
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


def split_records(
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
            raise InvalidRecordError(f"{describe(record)}: {exc}") from exc
    return queries, events


async def connect(path: Path, busy_timeout_ms: int, *, chunk: int = 64) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions, this module issues BEGIN/COMMIT.
    db = await aiosqlite.connect(path, isolation_level=None, iter_chunk_size=chunk)
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    except BaseException:
        await db.close()
        raise
    return db


class SQLiteBase(ClosesOnExit):
    """Connections and transactions of an open SQLite log; see :func:`open_sqlite`."""

    bad_row_errors: Final = BAD_ROW_ERRORS

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
        return pseudonym(self._salt, user_id)

    # ---------------------------------------------------------------- log writes

    async def insert_records(self, records: Sequence[LogRecord]) -> None:
        """Insert query and event rows in one transaction (used by :class:`LogWriter`).

        Raises sqlite3 errors, or InvalidRecordError for a record whose values cannot be
        converted; a query whose qid is already logged is skipped.
        """
        queries, events = split_records(records)
        if not queries and not events:
            return
        inserted = len(queries)
        async with self._transaction() as db:
            if queries:
                async with db.executemany(INSERT_QUERY, queries) as cursor:
                    inserted = cursor.rowcount
            if events:
                await db.executemany(INSERT_EVENT, events)
        if inserted < len(queries):
            logger.warning(
                "skipped %d query log rows with an already used qid", len(queries) - inserted
            )

    # ---------------------------------------------------------------- update inbox
