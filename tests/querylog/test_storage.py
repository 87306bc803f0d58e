"""Tests for bot.querylog (SQLite backend): schema, pseudonyms, writer, inbox, reports."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from bot.querylog import (
    EventRecord,
    LogRecord,
    LogWriter,
    QueryRecord,
    Storage,
    format_time,
    new_qid,
    open_storage,
    parse_time,
)
from bot.querylog.sqlite import migrations as migrations_module
from bot.querylog.sqlite.migrations import MIGRATIONS
from tests.auxil.pgdb import count_rows, raw

LOGGER = "bot.querylog"
WIB = timezone(timedelta(hours=7))


# --------------------------------------------------------------------------- helpers


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def query(
    qid: str,
    when: str = "2024-05-10T08:00:00",
    status: str = "answered",
    entry_id: str | None = None,
    *,
    chat_type: str = "private",
    suggestions: tuple[str, ...] = (),
) -> QueryRecord:
    return QueryRecord(
        qid=qid,
        time=ts(when),
        chat_type=chat_type,
        user_key="0123456789abcdef",
        text=f"pertanyaan {qid}",
        status=status,
        entry_id=entry_id,
        score=0.5,
        suggestions=suggestions,
        elapsed_ms=1.25,
        source="message",
    )


def event(kind: str, qid: str | None = None, when: str = "2024-05-10T08:00:00") -> EventRecord:
    return EventRecord(time=ts(when), kind=kind, user_key="0123456789abcdef", qid=qid)


def sql(path: Path, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run a statement on a separate plain sqlite3 connection (sees committed data)."""
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.execute(statement, params).fetchall())


def count(path: Path, table: str) -> int:
    return int(sql(path, f"SELECT COUNT(*) FROM {table}")[0][0])


async def wait_for_count(storage: Storage, table: str, expected: int, timeout: float = 3.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        found = await count_rows(storage, table)
        if found == expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.01)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def fail_executemany(monkeypatch: pytest.MonkeyPatch, storage: Storage) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(storage._db, "executemany", broken)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "netral.sqlite3"


@pytest.fixture
async def storage(log_target: str | Path) -> AsyncIterator[Storage]:
    """The storage of each backend in turn (SQLite file, PostgreSQL schema)."""
    store = await open_storage(log_target)
    yield store
    await store.close()


@pytest.fixture
async def sqlite_storage(db_path: Path) -> AsyncIterator[Storage]:
    """SQLite only: for tests of its pragmas, file and connection."""
    store = await open_storage(db_path)
    yield store
    await store.close()


# --------------------------------------------------------------------------- opening, schema


async def test_open_creates_folder_and_sets_pragmas(sqlite_storage: Storage, db_path: Path) -> None:
    storage = sqlite_storage
    assert db_path.is_file()
    assert sql(db_path, "PRAGMA journal_mode")[0][0] == "wal"
    async with storage._db.execute("PRAGMA synchronous") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]  # NORMAL
    async with storage._db.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]
    async with storage._db.execute("PRAGMA busy_timeout") as cur:
        assert (await cur.fetchone())[0] == 5000  # type: ignore[index]


async def test_async_with_and_idempotent_close(db_path: Path) -> None:
    async with await open_storage(str(db_path)) as store:
        assert await store.max_update_id() is None
    await store.close()  # second close is a no-op


async def test_user_version_is_latest(sqlite_storage: Storage, db_path: Path) -> None:
    assert len(MIGRATIONS) >= 2
    assert sql(db_path, "PRAGMA user_version")[0][0] == len(MIGRATIONS)


async def test_reopen_does_not_reapply_migrations(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = "CREATE TABLE probe (x INTEGER); INSERT INTO probe VALUES (1);"
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (*MIGRATIONS, probe))
    for _ in range(3):
        store = await open_storage(db_path)
        await store.close()
    assert sql(db_path, "PRAGMA user_version")[0][0] == len(MIGRATIONS) + 1
    assert count(db_path, "probe") == 1


async def test_v1_database_is_upgraded(db_path: Path) -> None:
    salt = bytes(range(32))
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?)", (salt,))
        conn.execute(
            "INSERT INTO queries (qid, time, chat_type, user_key, text, status, entry_id,"
            " score, suggestions, elapsed_ms, source) VALUES"
            " ('old1', '2024-01-01T00:00:00.000Z', 'private', 'k', 'lama', 'answered',"
            " 'ikut-kampanye', 0.9, '[]', 3.0, 'message')"
        )
        conn.commit()

    store = await open_storage(db_path)
    try:
        assert sql(db_path, "PRAGMA user_version")[0][0] == len(MIGRATIONS)
        old = await store.get_query("old1")
        assert old is not None and old.entry_id == "ikut-kampanye"
        assert await store.save_updates([(1, "{}")]) == 1  # v2 table exists
        # The existing salt is kept as the key (moved out of the database), and user_key
        # is the documented HMAC, so existing pseudonyms stay linkable.
        expected = hmac.new(salt, b"42", hashlib.sha256).hexdigest()[:16]
        assert store.user_key(42) == expected
    finally:
        await store.close()
    assert sql(db_path, "SELECT value FROM meta WHERE key = 'salt'") == []
    assert db_path.with_name(db_path.name + ".key").read_text().strip() == salt.hex()
    store = await open_storage(db_path)
    assert store.user_key(42) == expected
    await store.close()


async def test_key_from_the_environment(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRAL_PSEUDONYM_KEY", "rahasia-kunci")
    store = await open_storage(db_path)
    expected = hmac.new(b"rahasia-kunci", b"7", hashlib.sha256).hexdigest()[:16]
    assert store.user_key(7) == expected
    await store.close()
    assert not db_path.with_name(db_path.name + ".key").exists()


async def test_failed_migration_rolls_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_storage(db_path)
    await store.close()
    broken = "CREATE TABLE probe (x INTEGER); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(sqlite3.OperationalError):
        await open_storage(db_path)
    assert sql(db_path, "PRAGMA user_version")[0][0] == len(MIGRATIONS)
    assert not sql(db_path, "SELECT name FROM sqlite_master WHERE name = 'probe'")
    monkeypatch.undo()
    store = await open_storage(db_path)  # still usable with the real migrations
    await store.close()


async def test_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer"):
        await open_storage(db_path)


# --------------------------------------------------------------------------- pseudonyms


async def test_salt_and_user_key(db_path: Path, tmp_path: Path) -> None:
    store = await open_storage(db_path)
    key = store.user_key(123456789)
    other = store.user_key(987654321)
    await store.close()

    assert len(key) == 16 and int(key, 16) >= 0
    assert key != other
    assert "123456789" not in key
    # F19: the key is not in the database but in an owner-only file beside it.
    assert sql(db_path, "SELECT value FROM meta WHERE key = 'salt'") == []
    key_file = db_path.with_name(db_path.name + ".key")
    assert len(bytes.fromhex(key_file.read_text())) == 32
    assert key_file.stat().st_mode & 0o077 == 0

    store = await open_storage(db_path)  # key persisted: same pseudonym after reopen
    assert store.user_key(123456789) == key
    await store.close()

    copy = tmp_path / "copy" / db_path.name  # a copy of the database alone
    copy.parent.mkdir()
    copy.write_bytes(db_path.read_bytes())
    thief = await open_storage(copy, create_key=False)
    with pytest.raises(RuntimeError, match="no pseudonym key"):
        thief.user_key(123456789)
    await thief.close()

    elsewhere = await open_storage(tmp_path / "other.sqlite3")  # fresh random salt
    assert elsewhere.user_key(123456789) != key
    await elsewhere.close()


# --------------------------------------------------------------------------- records, time


def test_time_format_and_parse() -> None:
    moment = datetime(2024, 5, 10, 19, 0, 1, 123999, tzinfo=WIB)
    assert format_time(moment) == "2024-05-10T12:00:01.123Z"
    # F10: years below 1000 are padded, so text order stays time order.
    assert format_time(datetime(300, 1, 1, tzinfo=UTC)) == "0300-01-01T00:00:00.000Z"
    assert format_time(datetime(300, 1, 1, tzinfo=UTC)) < format_time(moment)
    assert parse_time("2024-05-10T12:00:01.123Z") == datetime(
        2024, 5, 10, 12, 0, 1, 123000, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2024, 5, 10))


def test_record_validation() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        query("q", status="bogus")
    with pytest.raises(ValueError, match="timezone-aware"):
        QueryRecord(
            qid="q", time=datetime(2024, 1, 1), chat_type="private", user_key="k", text="t",
            status="answered",
        )  # fmt: skip
    with pytest.raises(ValueError, match="unknown event kind"):
        event("clicked")
    record = QueryRecord(
        qid="q", time=ts("2024-01-01T00:00:00"), chat_type="private", user_key="k", text="t",
        status="ambiguous", suggestions=cast(tuple[str, ...], ["a", "b"]),
    )  # fmt: skip
    assert record.suggestions == ("a", "b")
    assert len({new_qid() for _ in range(100)}) == 100
    assert all(len(new_qid()) <= 16 for _ in range(10))


async def test_get_query_round_trip(storage: Storage) -> None:
    record = QueryRecord(
        qid="abc",
        time=datetime(2024, 5, 10, 8, 30, 0, 250000, tzinfo=UTC),
        chat_type="supergroup",
        user_key=storage.user_key(7),
        text="Bolehkah ASN like postingan caleg? \N{THINKING FACE}",
        status="ambiguous",
        entry_id=None,
        score=0.61,
        suggestions=("like-postingan", "komentar-medsos"),
        elapsed_ms=2.5,
        source="inline",
    )
    await storage.insert_records([record])
    row = await storage.get_query("abc")
    assert row is not None
    assert row.id >= 1
    assert QueryRecord(**{f: getattr(row, f) for f in QueryRecord.__dataclass_fields__}) == record
    assert await storage.get_query("missing") is None
    assert await raw(storage, "SELECT time, suggestions FROM queries") == [
        ("2024-05-10T08:30:00.250Z", '["like-postingan", "komentar-medsos"]')
    ]


# --------------------------------------------------------------------------- log writer


async def test_writer_flush_writes_exact_rows_in_batches(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    original = storage.insert_records

    async def spy(records: list[LogRecord]) -> None:
        sizes.append(len(records))
        await original(records)

    monkeypatch.setattr(storage, "insert_records", spy)
    writer = LogWriter(storage)  # not started: flush() alone must work
    for i in range(450):
        writer.submit(query(f"q{i}"))
    for i in range(30):
        writer.submit(event("feedback_up", qid=f"q{i}"))
    assert writer.buffered == 480
    assert await count_rows(storage, "queries") == 0  # submit() does not write

    assert await writer.flush() is True
    assert sizes == [200, 200, 80]
    assert writer.buffered == 0
    assert await count_rows(storage, "queries") == 450
    assert await count_rows(storage, "events") == 30
    assert await writer.flush() is True  # nothing left: no empty transaction
    assert sizes == [200, 200, 80]
    assert await writer.close() is True


async def test_writer_background_batch_size_trigger(storage: Storage) -> None:
    writer = LogWriter(storage, batch_size=50, interval=30.0)
    writer.start()
    for i in range(50):
        writer.submit(query(f"q{i}"))
    # A full batch is written long before the 30 s interval.
    assert await wait_for_count(storage, "queries", 50) == 50
    writer.submit(query("q50"))
    await asyncio.sleep(0.3)
    assert await count_rows(storage, "queries") == 50  # a single row waits for the interval
    assert await writer.close() is True
    assert await count_rows(storage, "queries") == 51


async def test_writer_background_interval_trigger(storage: Storage) -> None:
    async with LogWriter(storage, interval=0.05) as writer:
        writer.submit(query("q1"))
        writer.submit(event("button", qid="q1"))
        writer.submit(query("q2"))
        assert await wait_for_count(storage, "queries", 2) == 2
        assert await wait_for_count(storage, "events", 1) == 1
        assert writer.buffered == 0


async def test_writer_close_flushes_and_rejects_later_submits(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    writer = LogWriter(storage, interval=60.0)
    writer.start()
    for i in range(7):
        writer.submit(query(f"q{i}"))
    writer.submit(event("feedback_down", qid="q1"))
    assert await writer.close() is True
    assert await count_rows(storage, "queries") == 7
    assert await count_rows(storage, "events") == 1

    caplog.set_level(logging.ERROR, logger=LOGGER)
    writer.submit(query("late"))  # must not raise
    assert any("closed" in m for m in errors(caplog))
    assert await writer.close() is True
    assert await count_rows(storage, "queries") == 7


async def test_write_failure_is_logged_kept_and_retried(
    sqlite_storage: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    storage = sqlite_storage  # the failure is injected into SQLite's connection
    caplog.set_level(logging.ERROR, logger=LOGGER)
    writer = LogWriter(storage, interval=0.01, retry_interval=0.05)
    writer.start()
    fail_executemany(monkeypatch, storage)
    for i in range(5):
        writer.submit(query(f"q{i}"))
    writer.submit(event("feedback_up", qid="q0"))

    assert await writer.flush() is False  # no exception reaches the caller
    assert any("database or disk is full" in m for m in errors(caplog))
    assert writer.buffered == 6
    await asyncio.sleep(0.15)  # background retries keep failing, quietly
    assert writer._task is not None and not writer._task.done()
    assert await count_rows(storage, "queries") == 0

    monkeypatch.undo()  # the fault clears; the background task retries on its own
    assert await wait_for_count(storage, "queries", 5) == 5
    assert await wait_for_count(storage, "events", 1) == 1
    assert await writer.close() is True
    assert await count_rows(storage, "queries") == 5


async def test_write_failure_on_locked_database(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    store = await open_storage(db_path, busy_timeout_ms=50)
    writer = LogWriter(store)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        for i in range(3):
            writer.submit(query(f"q{i}"))
        assert await writer.flush() is False
        assert any("locked" in m for m in errors(caplog))
        assert writer.buffered == 3
        blocker.execute("ROLLBACK")
        assert await writer.flush() is True
        assert count(db_path, "queries") == 3
    finally:
        blocker.close()
        await writer.close()
        await store.close()


async def test_buffer_bound_drops_oldest(
    sqlite_storage: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    storage = sqlite_storage  # the failure is injected into SQLite's connection
    caplog.set_level(logging.ERROR, logger=LOGGER)
    writer = LogWriter(storage, max_buffer=10)
    fail_executemany(monkeypatch, storage)
    for i in range(8):
        writer.submit(query(f"q{i:02d}"))
    assert await writer.flush() is False  # the 8 rows are kept for retry
    for i in range(8, 15):
        writer.submit(query(f"q{i:02d}"))
    assert writer.buffered == 10
    assert writer.dropped == 5
    assert await writer.flush() is False
    assert any("dropped the 5 oldest" in m for m in errors(caplog))

    monkeypatch.undo()
    assert await writer.flush() is True
    qids = [r[0] for r in await raw(storage, "SELECT qid FROM queries ORDER BY id")]
    assert qids == [f"q{i:02d}" for i in range(5, 15)]
    await writer.close()


async def test_unwritable_row_is_dropped_alone(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    writer = LogWriter(storage)
    bad = query("bad")
    object.__setattr__(bad, "text", object())  # cannot be bound as an SQL parameter
    writer.submit(query("q1"))
    writer.submit(bad)
    writer.submit(query("q2"))
    writer.submit(query("q1"))  # duplicate qid: skipped, not an error
    writer.submit(event("related", qid="q2"))
    assert await writer.flush() is True
    assert [r[0] for r in await raw(storage, "SELECT qid FROM queries ORDER BY id")] == [
        "q1",
        "q2",
    ]
    assert await count_rows(storage, "events") == 1
    assert any("qid=bad" in m for m in errors(caplog))
    assert any("already used qid" in r.getMessage() for r in caplog.records)
    await writer.close()


async def test_lone_surrogate_does_not_block_the_log(storage: Storage) -> None:
    # F5: a question text with a lone surrogate (valid JSON from Telegram, invalid UTF-8)
    # is written with the surrogate replaced, and the rows behind it are written too.
    writer = LogWriter(storage)
    poisoned = replace(query("poison"), text="boleh pns kampanye \ud800 ?", entry_id="x\udfff")
    writer.submit(poisoned)
    writer.submit(query("after"))
    assert await writer.flush() is True
    rows = await raw(storage, "SELECT qid, text, entry_id FROM queries ORDER BY id")
    assert rows == [
        ("poison", "boleh pns kampanye ? ?", "x?"),
        ("after", "pertanyaan after", None),
    ]
    await writer.close()


async def test_one_vote_per_user_and_question(storage: Storage) -> None:
    # F7: the last vote of a user on a question wins; other users and questions count.
    def vote(kind: str, qid: str, user: str = "0123456789abcdef") -> EventRecord:
        return EventRecord(time=ts("2024-05-10T08:00:00"), kind=kind, user_key=user, qid=qid)

    await storage.insert_records([query("q1", entry_id="ikut-kampanye")])
    await storage.insert_records([vote("feedback_down", "q1") for _ in range(50)])
    await storage.insert_records([vote("feedback_up", "q1"), vote("feedback_down", "q1", "ffff")])
    await storage.insert_records([event("button", "q1"), event("button", "q1")])
    assert await storage.feedback_by_entry() == [("ikut-kampanye", 1, 1)]
    assert await count_rows(storage, "events") == 4


async def test_finish_update_writes_rows_and_state_together(storage: Storage) -> None:
    # F9: the log row and the inbox's "done" land in one transaction.
    await storage.save_updates([(5, '{"update_id": 5}'), (6, '{"update_id": 6}')])
    await storage.finish_update(5, [query("q5")])
    await storage.finish_update(6, [query("q6")], error="handler failed 3 times")
    assert await raw(storage, "SELECT update_id, state, payload FROM updates ORDER BY 1") == [
        (5, "done", ""),
        (6, "failed", ""),
    ]
    assert [r[0] for r in await raw(storage, "SELECT qid FROM queries ORDER BY id")] == [
        "q5",
        "q6",
    ]
    bad = query("bad")
    object.__setattr__(bad, "text", object())
    await storage.save_updates([(7, '{"update_id": 7}')])
    with pytest.raises(storage.bad_row_errors):
        await storage.finish_update(7, [bad])
    assert await raw(storage, "SELECT state FROM updates WHERE update_id = 7") == [("pending",)]


async def test_unparseable_and_expired_updates_lose_their_payload(storage: Storage) -> None:
    # F1 and F4: an update that cannot be parsed is journaled failed without payload; a
    # pending one that waited too long is given up and blanked.
    await storage.save_failed_update(40, "unparseable: TypeError")
    old = datetime.now(UTC) - timedelta(days=3)
    await storage.save_updates([(41, '{"from": "Sari"}')], now=old)
    await storage.save_updates([(42, '{"from": "Budi"}')])
    assert await storage.expire_pending_updates(timedelta(days=2)) == 1
    assert await raw(storage, "SELECT update_id, state, payload FROM updates ORDER BY 1") == [
        (40, "failed", ""),
        (41, "failed", ""),
        (42, "pending", '{"from": "Budi"}'),
    ]
    assert await storage.max_update_id() == 42


# --------------------------------------------------------------------------- update inbox


async def test_update_inbox(storage: Storage) -> None:
    assert await storage.max_update_id() is None
    assert await storage.pending_updates() == []
    assert await storage.save_updates([]) == 0
    assert await storage.save_updates([(12, '{"update_id": 12}'), (10, '{"update_id": 10}')]) == 2
    # INSERT OR IGNORE: a re-delivered update keeps its first payload.
    assert await storage.save_updates([(12, '{"changed": true}'), (11, "{}")]) == 1
    assert await storage.pending_updates() == [
        (10, '{"update_id": 10}', 0),
        (11, "{}", 0),
        (12, '{"update_id": 12}', 0),
    ]

    # One write per attempt: it counts, and keeps the first payload.
    assert await storage.begin_attempt(10, '{"other": 1}') == 1
    assert await storage.begin_attempt(10, "{}") == 2
    assert await storage.begin_attempt(11, "{}") == 1
    assert await storage.pending_updates() == [
        (10, '{"update_id": 10}', 2),
        (11, "{}", 1),
        (12, '{"update_id": 12}', 0),
    ]

    await storage.mark_update_done(10)
    await storage.mark_update_failed(11, "ValueError: boom")
    assert await storage.pending_updates() == [(12, '{"update_id": 12}', 0)]
    rows = await raw(storage, "SELECT update_id, attempts, state, error FROM updates ORDER BY 1")
    assert rows == [
        (10, 2, "done", None),
        (11, 1, "failed", "ValueError: boom"),
        (12, 0, "pending", None),
    ]
    assert await storage.max_update_id() == 12


async def test_update_inbox_survives_restart(log_target: str | Path) -> None:
    store = await open_storage(log_target)
    await store.save_updates([(1, "{}"), (2, "{}")])
    await store.mark_update_done(1)
    await store.close()
    store = await open_storage(log_target)
    assert await store.pending_updates() == [(2, "{}", 0)]
    assert await store.max_update_id() == 2
    await store.close()


async def test_begin_attempt_journals_an_unknown_update(storage: Storage) -> None:
    # Webhook mode: the processor sees an update the poller never saved.
    assert await storage.begin_attempt(40, '{"update_id": 40}') == 1
    assert await storage.pending_updates() == [(40, '{"update_id": 40}', 1)]
    assert await storage.max_update_id() == 40


async def test_prune_updates(storage: Storage) -> None:
    now = ts("2024-05-10T12:00:00")
    await storage.save_updates([(1, "{}"), (2, "{}"), (3, "{}")], now=now - timedelta(days=10))
    await storage.save_updates([(4, "{}")], now=now - timedelta(days=1))
    await storage.save_updates([(5, "{}")], now=now - timedelta(days=10))
    for update_id in (1, 2, 4):
        await storage.mark_update_done(update_id)
    await storage.mark_update_failed(3, "boom")
    # 1, 2: done and old -> deleted; 3 failed, 4 recent, 5 pending -> kept.
    assert await storage.prune_updates(timedelta(days=7), now=now) == 2
    rows = await raw(storage, "SELECT update_id FROM updates ORDER BY 1")
    assert [r[0] for r in rows] == [3, 4, 5]

    await storage.mark_update_done(5)  # done, old, but the highest id: kept
    assert await storage.prune_updates(timedelta(days=7), now=now) == 0
    assert await storage.max_update_id() == 5
    assert await storage.prune_updates(timedelta(0), now=now) == 1  # 4 goes, 5 stays
    rows = await raw(storage, "SELECT update_id FROM updates ORDER BY 1")
    assert [r[0] for r in rows] == [3, 5]


# --------------------------------------------------------------------------- reports

# qid, UTC time, status, entry_id, chat_type
FIXTURE_ROWS: list[tuple[str, str, str, str | None, str]] = [
    ("a01", "2024-05-10T00:00:00", "answered", "A", "private"),  # first instant of today
    ("a02", "2024-05-10T23:59:59.999", "ambiguous", "G", "group"),  # last ms of today
    ("a03", "2024-05-09T23:59:59.999", "no_match", None, "private"),
    ("a04", "2024-05-04T00:00:00", "answered", "A", "private"),  # first instant of 7 days
    ("a05", "2024-05-03T23:59:59.999", "answered", "B", "private"),  # just outside 7 days
    ("a06", "2024-04-01T08:00:00", "no_match", None, "group"),
    ("a07", "2024-05-11T00:00:00", "answered", "C", "private"),  # tomorrow
    ("a08", "2024-05-02T10:00:00", "answered", "A", "private"),
    ("a09", "2024-05-01T10:00:00", "answered", "B", "supergroup"),
    ("a10", "2024-04-20T10:00:00", "answered", "C", "private"),
    ("a11", "2024-04-19T10:00:00", "answered", "D", "private"),
    ("a12", "2024-04-18T10:00:00", "answered", "E", "private"),
    ("a13", "2024-04-17T10:00:00", "answered", "F", "private"),
    ("a14", "2024-05-08T09:00:00", "no_match", None, "private"),
    ("a15", "2024-05-10T11:59:59", "ambiguous", "G", "private"),
    ("a16", "2024-05-10T06:00:00", "ambiguous", "G", "private"),
]
NOW = datetime(2024, 5, 10, 19, 0, tzinfo=WIB)  # 12:00 UTC


@pytest.fixture
async def reports(storage: Storage) -> Storage:
    records: list[LogRecord] = [
        query(qid, when, status, entry, chat_type=chat)
        for qid, when, status, entry, chat in FIXTURE_ROWS
    ]
    records += [
        event("feedback_up", "a01"),
        event("feedback_up", "a04"),
        event("feedback_down", "a02"),
        event("button", "a02"),
        event("suggestion_pick", "a02"),
    ]
    await storage.insert_records(records)
    return storage


async def test_unanswered_are_the_no_match_rows(reports: Storage) -> None:
    rows = [r async for r in reports.iter_queries(status="no_match")]
    assert sorted(r.qid for r in rows) == ["a03", "a06", "a14"]
    assert all(r.status == "no_match" for r in rows)


async def test_iter_queries(reports: Storage) -> None:
    async def qids(**filters: Any) -> list[str]:
        return [row.qid async for row in reports.iter_queries(**filters)]

    everything = [qid for qid, *_ in sorted(FIXTURE_ROWS, key=lambda r: r[1])]
    assert await qids() == everything
    assert len(everything) == 16
    # since inclusive, until exclusive
    window = {"since": ts("2024-05-04T00:00:00"), "until": ts("2024-05-10T00:00:00")}
    assert await qids(**window) == ["a04", "a14", "a03"]
    assert await qids(since=ts("2024-05-10T23:59:59.999")) == ["a02", "a07"]
    assert await qids(until=ts("2024-04-18T10:00:00")) == ["a06", "a13"]
    assert await qids(status="no_match") == ["a06", "a14", "a03"]
    assert await qids(entry_id="A") == ["a08", "a04", "a01"]
    assert await qids(chat_type="group") == ["a06", "a02"]
    assert await qids(limit=3) == everything[:3]
    assert await qids(limit=0) == []
    assert await qids(status="answered", since=ts("2024-05-01T00:00:00"), limit=2) == [
        "a09",
        "a08",
    ]
    assert await qids(status="ambiguous", entry_id="G", chat_type="private") == ["a16", "a15"]


async def test_iter_queries_can_stop_early(reports: Storage) -> None:
    seen = []
    stream = reports.iter_queries()
    async for row in stream:
        seen.append(row.qid)
        if len(seen) == 2:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert seen == ["a06", "a13"]
    assert len([r async for r in reports.iter_queries()]) == 16  # connection still fine


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.iter_queries(status="unanswered"),
        lambda s: s.iter_queries(status="ANSWERED"),
        lambda s: s.iter_queries(limit=-5),
        lambda s: s.iter_queries(since=datetime(2024, 1, 1)),
    ],
)
async def test_iter_queries_rejects_bad_arguments(
    storage: Storage, call: Callable[[Storage], object]
) -> None:
    with pytest.raises(ValueError):
        call(storage)  # raised at call time, before iterating


async def test_answered_updates_keep_no_personal_data(tmp_path: Path) -> None:
    payload = '{"message": {"from": {"id": 987654321, "first_name": "Budi"}}}'
    async with await open_storage(tmp_path / "inbox.sqlite3") as storage:
        await storage.save_updates([(1, payload), (2, payload), (3, payload)])
        await storage.mark_update_done(1)
        await storage.mark_update_failed(2, "boom")
        assert [u for u, _, _ in await storage.pending_updates()] == [3]
        await storage.close()
    raw = (tmp_path / "inbox.sqlite3").read_bytes()
    wal = tmp_path / "inbox.sqlite3-wal"
    data = raw + (wal.read_bytes() if wal.exists() else b"")
    assert data.count(b"987654321") <= 1  # only the still-pending update 3 keeps it


def test_one_vocabulary_from_the_engine_to_the_schema() -> None:
    # The statuses are the engine's, the event kinds core's; the shipped CHECK constraints
    # (migration v1, never edited) must spell the same values.
    from typing import get_args

    from bot.core.matcher import Status
    from bot.core.models import EventKind
    from bot.querylog import EVENT_KINDS, STATUSES

    assert get_args(Status) == STATUSES
    assert get_args(EventKind) == EVENT_KINDS
    quoted = lambda values: ", ".join(f"'{v}'" for v in values)  # noqa: E731
    schema = " ".join(MIGRATIONS[0].split())
    assert f"status IN ({quoted(STATUSES)})" in schema
    assert f"kind IN ( {quoted(EVENT_KINDS)})" in schema
    from bot.querylog.postgres.schema import MIGRATIONS as PG_MIGRATIONS

    pg_schema = " ".join(PG_MIGRATIONS[0].split())
    assert f"status IN ({quoted(STATUSES)})" in pg_schema
    assert f"kind IN ( {quoted(EVENT_KINDS)})" in pg_schema
