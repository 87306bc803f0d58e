"""The SQLite backend's review queries and retention (``netral logs``, /stats, /laporan).

Periods are ``since <= time < until``; None means unbounded. The counting queries name
the indexes of migrations v3 and v4 (``INDEXED BY``), so they read index pages only and
never the question texts; each choice is explained where it is made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bot.querylog.clock import format_time, parse_time, require_aware
from bot.querylog.records import (
    PurgeCounts,
    QueryRow,
    TextCount,
    check_limit,
    check_status,
    row_to_query,
)
from bot.querylog.sqlite.connection import (
    QUERY_COLUMNS,
    SQLiteBase,
    hour_period_sql,
    period_sql,
)
from bot.querylog.sqlite.migrations import fetch_one


class SQLiteReview(SQLiteBase):
    """Read and retention operations of :class:`bot.querylog.sqlite.SQLiteStorage`."""

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
            check_status(status)
            clauses.append("status = ?")
            params.append(status)
        if entry_id is not None:
            clauses.append("entry_id = ?")
            params.append(entry_id)
        if chat_type is not None:
            clauses.append("chat_type = ?")
            params.append(chat_type)
        if limit is not None:
            check_limit(limit)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        params.append(-1 if limit is None else limit)
        sql = f"SELECT {QUERY_COLUMNS} FROM queries {where}ORDER BY time, id LIMIT ?"
        return self._stream(sql, params)

    async def _stream(self, sql: str, params: list[Any]) -> AsyncIterator[QueryRow]:
        async with self._reader.execute(sql, params) as cursor:
            async for row in cursor:
                yield row_to_query(row)

    async def query_logged(self, qid: str) -> bool:
        """Whether a question with this qid is in the log."""
        value = await fetch_one(self._reader, "SELECT 1 FROM queries WHERE qid = ?", (qid,))
        return value is not None

    async def first_query_time(self) -> datetime | None:
        """When the oldest logged question was asked (None for an empty log)."""
        value = await fetch_one(self._reader, "SELECT MIN(time) FROM queries")
        return None if value is None else parse_time(str(value))

    async def get_query(self, qid: str) -> QueryRow | None:
        async with self._reader.execute(
            f"SELECT {QUERY_COLUMNS} FROM queries WHERE qid = ?", (qid,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row_to_query(row)

    async def hourly_status_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        """(UTC hour as ``YYYY-MM-DDTHH``, status, count) of the period's questions."""
        where, params = period_sql(since, until)
        # The bounds are repeated on the hour expression so the index can seek to them.
        hour_where, hour_params = hour_period_sql(since, until)
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
        where, params = period_sql(since, until)
        value = await fetch_one(
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
        check_status(status)
        if limit is not None:
            check_limit(limit)
        where, params = period_sql(since, until)
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
        where, params = period_sql(since, until, "e.time")
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
        where, params = period_sql(since, until)
        value = await fetch_one(
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
            check_limit(limit)
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
        where, params = period_sql(since, until)
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
        require_aware(before, "before")
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

    async def vacuum(self) -> tuple[int, int]:
        """Rebuild the file to give the space of deleted rows back to the disk; return the
        database's size in bytes before and after."""
        before = self.path.stat().st_size
        async with self._write_lock:
            await self._db.execute("VACUUM")
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, self.path.stat().st_size
