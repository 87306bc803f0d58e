"""The PostgreSQL backend's storage: log inserts, the shared update inbox, review queries.

One asyncpg pool per process. Every statement is parameterised; each review query is the
SQLite backend's query in PostgreSQL's dialect, over the same text times and ``"C"``-collated
texts (see ``schema.py``), so both backends return the same rows in the same order.

Several processes (webhook replicas) may share the database. A pending update belongs to the
process that received or claimed it until its lease runs out (``lease_until``, renewed by
:meth:`PostgresStorage.renew_leases` while the process lives, released by a clean
``close``); :meth:`pending_updates` claims only unowned or expired updates (``FOR UPDATE
SKIP LOCKED``), so a live replica's updates are never taken from it, and a dead one's are
finished by the others. An update's log rows
are written only by whichever process moves it out of ``pending`` first, so a question is
logged once even when two replicas happened to answer it.

Long (about 700 lines) but one idea: the PostgreSQL side of the ``Storage`` protocol, one
method per operation of the SQLite backend, which spreads the same operations over
``sqlite/`` modules by concern.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import asyncpg

from bot.querylog.clock import format_time, parse_time, require_aware, utc_now
from bot.querylog.pseudonym import pseudonym
from bot.querylog.records import (
    EventRecord,
    InvalidRecordError,
    LogRecord,
    PurgeCounts,
    QueryRecord,
    QueryRow,
    TextCount,
    UpdateRow,
    check_limit,
    check_status,
    describe,
    row_to_query,
)
from bot.querylog.storage import ClosesOnExit

logger = logging.getLogger("bot.querylog.postgres")

BAD_ROW_ERRORS: Final[tuple[type[Exception], ...]] = (
    InvalidRecordError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
    OverflowError,
    ValueError,
)

QUERY_COLUMNS: Final = (
    "id, qid, time, chat_type, user_key, text, status, entry_id, score, suggestions, "
    "elapsed_ms, source"
)
INSERT_QUERY: Final = (
    "INSERT INTO queries (qid, time, chat_type, user_key, text, status, entry_id, score, "
    "suggestions, elapsed_ms, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
    "ON CONFLICT (qid) DO NOTHING"
)
INSERT_EVENT: Final = (
    "INSERT INTO events (time, qid, kind, entry_id, user_key) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (user_key, qid) WHERE kind IN ('feedback_up', 'feedback_down') "
    "DO UPDATE SET time = excluded.time, kind = excluded.kind, entry_id = excluded.entry_id"
)
PAGE: Final = 500  # rows per round trip of iter_queries


def clean_text(value: str) -> str:
    """Text PostgreSQL accepts: a lone surrogate (valid in Telegram's JSON, not in UTF-8)
    or a NUL character becomes ``?``, as in the SQLite backend."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "?")


def _opt(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _query_params(record: QueryRecord) -> tuple[Any, ...]:
    return (
        clean_text(record.qid),
        format_time(record.time),
        clean_text(record.chat_type),
        record.user_key,
        clean_text(record.text),
        record.status,
        _opt(record.entry_id),
        float(record.score),
        json.dumps([clean_text(s) for s in record.suggestions], ensure_ascii=False),
        float(record.elapsed_ms),
        record.source,
    )


def split_records(
    records: Sequence[LogRecord],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Parameters of query and event records; InvalidRecordError for a bad one."""
    queries: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for record in records:
        try:
            if isinstance(record, QueryRecord):
                queries.append(_query_params(record))
            else:
                assert isinstance(record, EventRecord)
                events.append(
                    (
                        format_time(record.time),
                        _opt(record.qid),
                        record.kind,
                        _opt(record.entry_id),
                        record.user_key,
                    )
                )
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidRecordError(f"{describe(record)}: {exc}") from exc
    return queries, events


def _rowcount(status: str) -> int:
    """Rows touched, from a command tag such as ``DELETE 3`` or ``INSERT 0 5``."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except ValueError:
        return 0


class _Params:
    """Numbered placeholders ($1, $2, ...) collected while a statement is built."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def period(self, since: datetime | None, until: datetime | None, column: str = "time") -> str:
        sql = ""
        if since is not None:
            sql += f" AND {column} >= {self(format_time(since))}"
        if until is not None:
            sql += f" AND {column} < {self(format_time(until))}"
        return sql


def default_owner() -> str:
    """This process's name in ``updates.claimed_by``: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class PostgresStorage(ClosesOnExit):
    """The Netral database in PostgreSQL; create with :func:`.open_postgres`."""

    bad_row_errors: Final = BAD_ROW_ERRORS

    def __init__(
        self,
        pool: asyncpg.Pool,
        salt: bytes | None,
        *,
        target: str,
        lease: timedelta = timedelta(seconds=30),
        owner: str | None = None,
    ) -> None:
        self._pool = pool
        self._salt = salt
        self.target = target  # already redacted
        self.lease = lease
        self.owner = owner or default_owner()
        self._closed = False

    async def close(self) -> None:
        """Close the pool (idempotent). Close any LogWriter first."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.release_updates()
        except Exception as exc:
            logger.warning("could not release the pending updates' leases: %s", exc)
        await self._pool.close()

    async def ping(self) -> bool:
        """Whether the database answers (for /healthz)."""
        try:
            return bool(await self._pool.fetchval("SELECT 1", timeout=2))
        except Exception:
            return False

    # ---------------------------------------------------------------- pseudonyms, inserts

    def user_key(self, user_id: int) -> str:
        return pseudonym(self._salt, user_id)

    async def insert_records(self, records: Sequence[LogRecord]) -> None:
        queries, events = split_records(records)
        if not queries and not events:
            return
        async with self._pool.acquire() as conn, conn.transaction():
            skipped = 0
            if queries:
                before = await conn.fetchval(
                    "SELECT COUNT(*) FROM queries WHERE qid = ANY($1::text[])",
                    [q[0] for q in queries],
                )
                await conn.executemany(INSERT_QUERY, queries)
                skipped = int(before or 0)
            if events:
                await conn.executemany(INSERT_EVENT, events)
        if skipped:
            logger.warning("skipped %d query log rows with an already used qid", skipped)

    # ---------------------------------------------------------------- update inbox

    def _lease_seconds(self) -> float:
        return self.lease.total_seconds()

    async def save_updates(
        self, updates: Sequence[tuple[int, str]], *, now: datetime | None = None
    ) -> int:
        """Store raw updates as pending, held by this process; ignore known ids."""
        if not updates:
            return 0
        received = format_time(now or utc_now())
        ids = [int(uid) for uid, _ in updates]
        payloads = [clean_text(payload) for _, payload in updates]
        # One statement: the rows are durable (committed) when it returns.
        return int(
            await self._pool.fetchval(
                "WITH new AS (INSERT INTO updates "
                "(update_id, payload, received, claimed_by, lease_until) "
                "SELECT u, p, $3, $4, now() + make_interval(secs => $5) "
                "FROM unnest($1::bigint[], $2::text[]) AS t(u, p) "
                "ON CONFLICT (update_id) DO NOTHING RETURNING 1) SELECT COUNT(*) FROM new",
                ids,
                payloads,
                received,
                self.owner,
                self._lease_seconds(),
            )
        )

    async def begin_attempt(
        self, update_id: int, payload: str, *, now: datetime | None = None
    ) -> int:
        value = await self._pool.fetchval(
            "INSERT INTO updates (update_id, payload, received, attempts, claimed_by, "
            "lease_until) VALUES ($1, $2, $3, 1, $4, now() + make_interval(secs => $5)) "
            "ON CONFLICT (update_id) DO UPDATE SET attempts = updates.attempts + 1, "
            "claimed_by = excluded.claimed_by, lease_until = excluded.lease_until "
            "RETURNING attempts",
            update_id,
            clean_text(payload),
            format_time(now or utc_now()),
            self.owner,
            self._lease_seconds(),
        )
        return 0 if value is None else int(value)

    async def pending_updates(self) -> list[tuple[int, str, int]]:
        """Claim the pending updates no other live process holds (never claimed, released,
        lease run out, or already this process's) and return them as (update_id, payload,
        attempts), oldest first."""
        rows = await self._pool.fetch(
            "WITH free AS (SELECT update_id FROM updates WHERE state = 'pending' "
            "AND (lease_until IS NULL OR lease_until < now() OR claimed_by = $1) "
            "ORDER BY update_id FOR UPDATE SKIP LOCKED) "
            "UPDATE updates AS u SET claimed_by = $1, "
            "lease_until = now() + make_interval(secs => $2) FROM free "
            "WHERE u.update_id = free.update_id RETURNING u.update_id, u.payload, u.attempts",
            self.owner,
            self._lease_seconds(),
        )
        return sorted((int(r[0]), str(r[1]), int(r[2])) for r in rows)

    async def claim_abandoned(self) -> list[tuple[int, str, int]]:
        """Claim pending updates held by nobody or by a process whose lease ran out (a
        replica that died), never this process's own; (update_id, payload, attempts)."""
        rows = await self._pool.fetch(
            "WITH free AS (SELECT update_id FROM updates WHERE state = 'pending' "
            "AND (lease_until IS NULL OR lease_until < now()) "
            "AND claimed_by IS DISTINCT FROM $1 "
            "ORDER BY update_id LIMIT 500 FOR UPDATE SKIP LOCKED) "
            "UPDATE updates AS u SET claimed_by = $1, "
            "lease_until = now() + make_interval(secs => $2) FROM free "
            "WHERE u.update_id = free.update_id RETURNING u.update_id, u.payload, u.attempts",
            self.owner,
            self._lease_seconds(),
        )
        return sorted((int(r[0]), str(r[1]), int(r[2])) for r in rows)

    async def renew_leases(self) -> int:
        """Extend the lease of every pending update this process holds; return how many."""
        status = await self._pool.execute(
            "UPDATE updates SET lease_until = now() + make_interval(secs => $2) "
            "WHERE claimed_by = $1 AND state = 'pending'",
            self.owner,
            self._lease_seconds(),
        )
        return _rowcount(status)

    async def release_updates(self) -> int:
        """Give up the leases of this process's pending updates (a clean stop): another
        replica may take them at once."""
        status = await self._pool.execute(
            "UPDATE updates SET claimed_by = NULL, lease_until = NULL "
            "WHERE claimed_by = $1 AND state = 'pending'",
            self.owner,
        )
        return _rowcount(status)

    async def mark_update_done(self, update_id: int) -> None:
        await self._pool.execute(
            "UPDATE updates SET state = 'done', error = NULL, payload = '' WHERE update_id = $1",
            update_id,
        )

    async def mark_update_failed(self, update_id: int, error: str) -> None:
        await self._pool.execute(
            "UPDATE updates SET state = 'failed', error = $2, payload = '' WHERE update_id = $1",
            update_id,
            clean_text(error),
        )

    async def save_failed_update(self, update_id: int, error: str) -> None:
        await self._pool.execute(
            "INSERT INTO updates (update_id, payload, received, state, error) "
            "VALUES ($1, '', $2, 'failed', $3) ON CONFLICT (update_id) DO UPDATE SET "
            "state = 'failed', payload = '', error = excluded.error",
            update_id,
            format_time(utc_now()),
            clean_text(error),
        )

    async def expire_pending_updates(
        self, older_than: timedelta, *, now: datetime | None = None
    ) -> int:
        cutoff = format_time((now or utc_now()) - older_than)
        status = await self._pool.execute(
            "UPDATE updates SET state = 'failed', payload = '', error = 'expired' "
            "WHERE state = 'pending' AND received < $1",
            cutoff,
        )
        return _rowcount(status)

    async def finish_update(
        self, update_id: int, records: Sequence[LogRecord], *, error: str | None = None
    ) -> None:
        """Write the update's log rows and mark it done (failed with ``error``) in one
        transaction. When another process has already finished it (it took the update over
        after this one's lease ran out), nothing is written: the question is logged once."""
        queries, events = split_records(records)
        state = "done" if error is None else "failed"
        async with self._pool.acquire() as conn, conn.transaction():
            current = await conn.fetchval(
                "SELECT state FROM updates WHERE update_id = $1 FOR UPDATE", update_id
            )
            if current is not None and current != "pending":
                logger.warning("update %s was already finished by another process", update_id)
                return
            if queries:
                await conn.executemany(INSERT_QUERY, queries)
            if events:
                await conn.executemany(INSERT_EVENT, events)
            await conn.execute(
                "UPDATE updates SET state = $1, error = $2, payload = '' WHERE update_id = $3",
                state,
                None if error is None else clean_text(error),
                update_id,
            )

    async def max_update_id(self) -> int | None:
        value = await self._pool.fetchval("SELECT MAX(update_id) FROM updates")
        return None if value is None else int(value)

    async def prune_updates(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        cutoff = format_time((now or utc_now()) - older_than)
        status = await self._pool.execute(
            "DELETE FROM updates WHERE state = 'done' AND received < $1 "
            "AND update_id < (SELECT MAX(update_id) FROM updates)",
            cutoff,
        )
        return _rowcount(status)

    # ---------------------------------------------------------------- review queries

    def iter_queries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        entry_id: str | None = None,
        chat_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[QueryRow]:
        """Stream logged questions oldest first (by time, then id), a page at a time, so
        no connection is held while the caller works on the rows."""
        params = _Params()
        where = params.period(since, until)
        if status is not None:
            check_status(status)
            where += f" AND status = {params(status)}"
        if entry_id is not None:
            where += f" AND entry_id = {params(entry_id)}"
        if chat_type is not None:
            where += f" AND chat_type = {params(chat_type)}"
        if limit is not None:
            check_limit(limit)
        return self._stream(where, params.values, limit)

    async def _stream(
        self, where: str, values: list[Any], limit: int | None
    ) -> AsyncIterator[QueryRow]:
        last: tuple[str, int] | None = None
        left = limit
        base = len(values)
        while left is None or left > 0:
            page = PAGE if left is None else min(PAGE, left)
            after = "" if last is None else f" AND (time, id) > (${base + 1}, ${base + 2})"
            args = [*values, *(last or ()), page]
            rows = await self._pool.fetch(
                f"SELECT {QUERY_COLUMNS} FROM queries WHERE TRUE{where}{after} "
                f"ORDER BY time, id LIMIT ${len(args)}",
                *args,
            )
            for row in rows:
                yield row_to_query(row)
            if len(rows) < page:
                return
            last = (str(rows[-1][2]), int(rows[-1][0]))
            if left is not None:
                left -= len(rows)

    async def query_logged(self, qid: str) -> bool:
        return await self._pool.fetchval("SELECT 1 FROM queries WHERE qid = $1", qid) is not None

    async def first_query_time(self) -> datetime | None:
        value = await self._pool.fetchval("SELECT MIN(time) FROM queries")
        return None if value is None else parse_time(str(value))

    async def get_query(self, qid: str) -> QueryRow | None:
        row = await self._pool.fetchrow(f"SELECT {QUERY_COLUMNS} FROM queries WHERE qid = $1", qid)
        return None if row is None else row_to_query(row)

    async def hourly_status_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        params = _Params()
        where = params.period(since, until)
        rows = await self._pool.fetch(
            "SELECT substr(time, 1, 13) AS hour, status, COUNT(*) FROM queries "
            f"WHERE TRUE{where} GROUP BY 1, 2 ORDER BY 1, 2",
            *params.values,
        )
        return [(str(h), str(s), int(n)) for h, s, n in rows]

    async def distinct_users(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        params = _Params()
        where = params.period(since, until)
        value = await self._pool.fetchval(
            f"SELECT COUNT(DISTINCT user_key) FROM queries WHERE user_key <> ''{where}",
            *params.values,
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
        check_status(status)
        if limit is not None:
            check_limit(limit)
        params = _Params()
        status_p = params(status)
        where = params.period(since, until)
        rows = await self._pool.fetch(
            "SELECT entry_id, COUNT(*) AS n FROM queries "
            f"WHERE status = {status_p} AND entry_id IS NOT NULL{where} "
            f"GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT {params(limit)}",
            *params.values,
        )
        return [(str(entry), int(n)) for entry, n in rows]

    async def feedback_by_entry(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str | None, int, int]]:
        params = _Params()
        where = params.period(since, until, "e.time")
        rows = await self._pool.fetch(
            "SELECT entry, COUNT(*) FILTER (WHERE kind = 'feedback_up'), "
            "COUNT(*) FILTER (WHERE kind = 'feedback_down') FROM ("
            "SELECT COALESCE(e.entry_id, (SELECT q.entry_id FROM queries AS q "
            "WHERE q.qid = e.qid)) AS entry, e.kind FROM events AS e "
            f"WHERE e.kind IN ('feedback_up', 'feedback_down'){where}) AS f "
            "GROUP BY entry ORDER BY entry IS NULL, entry",
            *params.values,
        )
        return [
            (None if entry is None else str(entry), int(up), int(down)) for entry, up, down in rows
        ]

    async def unanswered_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        params = _Params()
        where = params.period(since, until)
        value = await self._pool.fetchval(
            f"SELECT COUNT(*) FROM queries WHERE status IN ('ambiguous', 'no_match'){where}",
            *params.values,
        )
        return int(value or 0)

    def iter_unanswered_texts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int | None = None,
    ) -> AsyncIterator[TextCount]:
        if limit is not None:
            check_limit(limit)
        return self._stream_texts(since, until, limit)

    async def _stream_texts(
        self, since: datetime | None, until: datetime | None, limit: int | None
    ) -> AsyncIterator[TextCount]:
        params = _Params()
        where = params.period(since, until)
        rows = await self._pool.fetch(
            "SELECT text, COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'no_match'), "
            "MIN(time), MAX(time) FROM queries "
            f"WHERE status IN ('ambiguous', 'no_match'){where} "
            f"GROUP BY text ORDER BY n DESC, text LIMIT {params(limit)}",
            *params.values,
        )
        for text, n, no_match, first, last in rows:
            yield TextCount(
                text=str(text),
                count=int(n),
                no_match=int(no_match),
                first=parse_time(str(first)),
                last=parse_time(str(last)),
            )

    # ---------------------------------------------------------------- retention

    async def purge(self, before: datetime, *, batch_size: int = 5000) -> PurgeCounts:
        """Retention, as in the SQLite backend (see ``SQLiteReview.purge``)."""
        require_aware(before, "before")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        cutoff = format_time(before)
        oldest = "SELECT {col} FROM queries WHERE time < $1 ORDER BY time, id LIMIT $2"
        queries = events = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                events += _rowcount(
                    await conn.execute(
                        f"DELETE FROM events WHERE qid IN ({oldest.format(col='qid')})",
                        cutoff,
                        batch_size,
                    )
                )
                deleted = _rowcount(
                    await conn.execute(
                        f"DELETE FROM queries WHERE id IN ({oldest.format(col='id')})",
                        cutoff,
                        batch_size,
                    )
                )
            queries += deleted
            if deleted < batch_size:
                break
        while True:
            deleted = _rowcount(
                await self._pool.execute(
                    "DELETE FROM events WHERE id IN "
                    "(SELECT id FROM events WHERE time < $1 ORDER BY time LIMIT $2)",
                    cutoff,
                    batch_size,
                )
            )
            events += deleted
            if deleted < batch_size:
                break
        async with self._pool.acquire() as conn, conn.transaction():
            updates = _rowcount(
                await conn.execute(
                    "DELETE FROM updates WHERE state IN ('done', 'failed') AND received < $1 "
                    "AND update_id < (SELECT MAX(update_id) FROM updates)",
                    cutoff,
                )
            )
            await conn.execute(
                "UPDATE updates SET payload = '{}' "
                "WHERE state IN ('done', 'failed') AND received < $1",
                cutoff,
            )
        return PurgeCounts(queries=queries, events=events, updates=updates)

    # ---------------------------------------------------------------- export (db copy)

    async def iter_events(self) -> AsyncIterator[EventRecord]:
        last = 0
        while True:
            rows = await self._pool.fetch(
                "SELECT id, time, qid, kind, entry_id, user_key FROM events WHERE id > $1 "
                "ORDER BY id LIMIT $2",
                last,
                PAGE,
            )
            for _, time, qid, kind, entry_id, user_key in rows:
                yield EventRecord(
                    time=parse_time(str(time)),
                    qid=qid,
                    kind=str(kind),
                    entry_id=entry_id,
                    user_key=str(user_key),
                )
            if len(rows) < PAGE:
                return
            last = int(rows[-1][0])

    async def iter_updates(self) -> AsyncIterator[UpdateRow]:
        last = -(2**63)
        while True:
            rows = await self._pool.fetch(
                "SELECT update_id, payload, received, attempts, state, error FROM updates "
                "WHERE update_id > $1 ORDER BY update_id LIMIT $2",
                last,
                PAGE,
            )
            for uid, payload, received, attempts, state, error in rows:
                yield UpdateRow(int(uid), str(payload), str(received), int(attempts), state, error)
            if len(rows) < PAGE:
                return
            last = int(rows[-1][0])

    async def import_updates(self, rows: Sequence[UpdateRow]) -> int:
        if not rows:
            return 0
        return int(
            await self._pool.fetchval(
                "WITH new AS (INSERT INTO updates "
                "(update_id, payload, received, attempts, state, error) "
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], "
                "$5::text[], $6::text[]) ON CONFLICT (update_id) DO NOTHING RETURNING 1) "
                "SELECT COUNT(*) FROM new",
                [r.update_id for r in rows],
                [clean_text(r.payload) for r in rows],
                [r.received for r in rows],
                [r.attempts for r in rows],
                [r.state for r in rows],
                [r.error for r in rows],
            )
        )

    async def table_counts(self) -> dict[str, int]:
        row = await self._pool.fetchrow(
            "SELECT (SELECT COUNT(*) FROM queries), (SELECT COUNT(*) FROM events), "
            "(SELECT COUNT(*) FROM updates)"
        )
        return {"queries": int(row[0]), "events": int(row[1]), "updates": int(row[2])}

    async def existing_qids(self, qids: Sequence[str]) -> set[str]:
        rows = await self._pool.fetch(
            "SELECT qid FROM queries WHERE qid = ANY($1::text[])", list(qids)
        )
        return {str(row[0]) for row in rows}

    async def _size(self) -> int:
        value = await self._pool.fetchval(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class AS c "
            "WHERE c.oid IN (to_regclass('queries'), to_regclass('events'), "
            "to_regclass('updates'))"
        )
        return int(value or 0)

    async def vacuum(self) -> tuple[int, int]:
        """VACUUM FULL the three tables (locks them while it runs); sizes before and after."""
        before = await self._size()
        await self._pool.execute("VACUUM (FULL, ANALYZE) queries, events, updates")
        return before, await self._size()
