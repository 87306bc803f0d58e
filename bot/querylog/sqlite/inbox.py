"""The SQLite backend's update inbox: the ``updates`` table that makes polling durable.

Each update is saved as pending when it is fetched (or received by the webhook), counted
once per processing attempt by :meth:`SQLiteInbox.begin_attempt` (one UPSERT), and leaves
the inbox done or failed together with the log rows it produced (``finish_update``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.querylog.clock import format_time, utc_now
from bot.querylog.records import LogRecord
from bot.querylog.sqlite.connection import INSERT_EVENT, INSERT_QUERY, SQLiteBase, split_records
from bot.querylog.sqlite.migrations import fetch_one


class SQLiteInbox(SQLiteBase):
    """Inbox operations of :class:`bot.querylog.sqlite.SQLiteStorage`."""

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

    async def begin_attempt(
        self, update_id: int, payload: str, *, now: datetime | None = None
    ) -> int:
        """Journal one processing attempt of an update in one write: store it as pending
        with one attempt when it is new (webhook mode), else count one more attempt.
        Returns the attempts so far, this one included."""
        async with (
            self._write_lock,
            self._db.execute(
                "INSERT INTO updates (update_id, payload, received, attempts) "
                "VALUES (?, ?, ?, 1) ON CONFLICT (update_id) DO UPDATE SET "
                "attempts = attempts + 1 RETURNING attempts",
                (update_id, payload, format_time(now or utc_now())),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

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
        queries, events = split_records(records)
        state = "done" if error is None else "failed"
        async with self._transaction() as db:
            if queries:
                await db.executemany(INSERT_QUERY, queries)
            if events:
                await db.executemany(INSERT_EVENT, events)
            await db.execute(
                "UPDATE updates SET state = ?, error = ?, payload = '' WHERE update_id = ?",
                (state, error, update_id),
            )

    async def max_update_id(self) -> int | None:
        """Highest update_id ever stored (any state), or None for an empty inbox."""
        async with self._write_lock:
            value = await fetch_one(self._db, "SELECT MAX(update_id) FROM updates")
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
