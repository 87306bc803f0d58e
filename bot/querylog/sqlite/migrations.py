"""The SQLite schema: append-only migrations tied to ``PRAGMA user_version``.

MIGRATIONS[n - 1] upgrades a database from user_version n - 1 to n. Append new scripts;
never edit one that has shipped. Each runs in its own transaction together with the
user_version bump, so a failing script leaves the database untouched. (sqlite-utils keeps
its migrations apart from the queries in the same way.)
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from typing import Any, Final

import aiosqlite

logger = logging.getLogger(__name__)

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


async def fetch_one(db: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    """Return the first column of the first row, or None."""
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def _user_version(db: aiosqlite.Connection) -> int:
    return int(await fetch_one(db, "PRAGMA user_version"))


async def migrate(db: aiosqlite.Connection) -> None:
    """Bring the schema of ``db`` up to date; RuntimeError for a newer schema."""
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
