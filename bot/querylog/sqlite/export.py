"""The SQLite backend's whole-table reads and writes, for ``netral db copy``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from bot.querylog.clock import parse_time
from bot.querylog.records import EventRecord, UpdateRow
from bot.querylog.sqlite.connection import SQLiteBase

_CHUNK = 900  # stays under SQLite's limit of bound parameters per statement


class SQLiteExport(SQLiteBase):
    """Export operations of :class:`bot.querylog.sqlite.SQLiteStorage`."""

    async def iter_events(self) -> AsyncIterator[EventRecord]:
        async with self._reader.execute(
            "SELECT time, qid, kind, entry_id, user_key FROM events ORDER BY id"
        ) as cursor:
            async for time, qid, kind, entry_id, user_key in cursor:
                yield EventRecord(
                    time=parse_time(str(time)),
                    qid=qid,
                    kind=str(kind),
                    entry_id=entry_id,
                    user_key=str(user_key),
                )

    async def iter_updates(self) -> AsyncIterator[UpdateRow]:
        async with self._reader.execute(
            "SELECT update_id, payload, received, attempts, state, error FROM updates "
            "ORDER BY update_id"
        ) as cursor:
            async for uid, payload, received, attempts, state, error in cursor:
                yield UpdateRow(int(uid), str(payload), str(received), int(attempts), state, error)

    async def import_updates(self, rows: Sequence[UpdateRow]) -> int:
        if not rows:
            return 0
        params = [(r.update_id, r.payload, r.received, r.attempts, r.state, r.error) for r in rows]
        async with (
            self._transaction() as db,
            db.executemany(
                "INSERT OR IGNORE INTO updates "
                "(update_id, payload, received, attempts, state, error) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                params,
            ) as cursor,
        ):
            return cursor.rowcount

    async def table_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in ("queries", "events", "updates"):
            async with self._reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
                row = await cursor.fetchone()
            counts[table] = 0 if row is None else int(row[0])
        return counts

    async def existing_qids(self, qids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(qids), _CHUNK):
            chunk = list(qids[start : start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            async with self._reader.execute(
                f"SELECT qid FROM queries WHERE qid IN ({marks})", chunk
            ) as cursor:
                found.update(str(row[0]) for row in await cursor.fetchall())
        return found
