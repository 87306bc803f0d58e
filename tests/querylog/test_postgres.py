"""The PostgreSQL backend: URLs and secrets, schema versions, keys, and the shared inbox
that lets several replicas work on one database. (The storage, review and CLI suites run
on both backends through the ``log_target`` fixture; this file holds what only PostgreSQL
has.)"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from bot.dburl import is_postgres, redact, scrub
from bot.querylog import QueryRecord, Storage, StorageOpenError, open_storage
from bot.querylog.postgres import PostgresStorage, schema
from bot.settings import Settings, SettingsError
from tests.auxil.pgdb import count_rows, raw, require_postgres, with_search_path
from tests.conftest import ROOT

WRONG = "Wr0ng-Pa55word-zzq"


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("data/netral.sqlite3", "data/netral.sqlite3"),
        ("postgresql://bot:s3cret@db:5432/netral", "postgresql://bot:***@db:5432/netral"),
        ("postgres://bot@db/netral", "postgres://bot@db/netral"),
        ("postgresql://bot:p%40ss@db/netral?sslmode=require", "postgresql://bot:***@db/netral?sslmode=require"),
        ("postgresql://db/netral?user=bot&password=hunter22", "postgresql://db/netral?user=bot&password=***"),
        ("postgresql://bot:a:b@c@db/netral", "postgresql://bot:***@db/netral"),
    ],
)  # fmt: skip
def test_redact(target: str, shown: str) -> None:
    assert redact(target) == shown


def test_scrub_and_kinds() -> None:
    url = "postgresql://bot:p%40ss@db/x"
    assert scrub("auth failed for p@ss and p%40ss", url) == "auth failed for *** and ***"
    assert is_postgres(url) and is_postgres("postgres://h/x") and not is_postgres("a/b.sqlite3")


def test_settings_keep_the_url_out_of_str_and_repr() -> None:
    url = f"postgresql://bot:{WRONG}@db/netral"
    settings = Settings.from_env({"NETRAL_DB": url})
    assert settings.database == url and settings.db_url == url
    assert WRONG not in str(settings) and WRONG not in repr(settings)
    assert "postgresql://bot:***@db/netral" in str(settings)
    assert Settings.from_env({"NETRAL_DB": "x/y.sqlite3"}).database == Path("x/y.sqlite3")


def _wrong_password_url() -> str:
    server = require_postgres()
    scheme, rest = server.split("://", 1)
    userinfo, host = rest.rsplit("@", 1)
    return f"{scheme}://{userinfo.split(':')[0]}:{WRONG}@{host}"


async def test_wrong_password_never_shown(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = _wrong_password_url()
    with pytest.raises(StorageOpenError) as info:
        await open_storage(url)
    text = str(info.value)
    assert "***" in text and WRONG not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert WRONG not in caplog.text


@pytest.mark.parametrize("port", ["", ":1"])  # refused login, nothing listening
def test_cli_error_names_the_database_without_its_password(
    pg_url: str, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    url = _wrong_password_url()
    if port:
        scheme_user = url.rsplit("@", 1)[0]
        url = f"{scheme_user}@127.0.0.1{port}/netral_test"
    code = main(["logs", "stats", "--db", url])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID
    assert WRONG not in out + err and "***" in err
    assert err.startswith("netral logs stats: cannot connect to postgresql://")


def test_cli_works_on_a_url_and_hides_its_password(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["logs", "stats", "--json", "--db", pg_url]) == EXIT_OK
    out, err = capsys.readouterr()
    assert '"total": 0' in out
    password = pg_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in out + err


async def test_schema_version_table_and_concurrent_first_start(pg_url: str) -> None:
    # Three replicas starting together migrate once (advisory lock), all open fine.
    stores = await asyncio.gather(*(open_storage(pg_url) for _ in range(3)))
    try:
        versions = await raw(stores[0], "SELECT version FROM netral_schema_version")
        assert versions == [(v,) for v in range(1, len(schema.MIGRATIONS) + 1)]
    finally:
        for store in stores:
            await store.close()
    async with await open_storage(pg_url) as store:  # reopening applies nothing again
        assert await count_rows(store, "netral_schema_version") == len(schema.MIGRATIONS)


async def test_newer_schema_refused_and_failed_migration_rolled_back(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(
            schema, "MIGRATIONS", (*schema.MIGRATIONS, "CREATE TABLE probe (x int); SELECT 1/0;")
        )
        with pytest.raises(StorageOpenError, match="division by zero"):
            await open_storage(pg_url)
    async with await open_storage(pg_url) as store:
        assert await raw(store, "SELECT to_regclass('probe') IS NULL") == [(True,)]
        await raw(store, "INSERT INTO netral_schema_version (version) VALUES (99)")
    with pytest.raises(StorageOpenError, match="newer than this program supports"):
        await open_storage(pg_url)


async def test_pseudonym_key_is_required_and_shared(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NETRAL_KEY_FILE")
    monkeypatch.delenv("NETRAL_PSEUDONYM_KEY", raising=False)
    with pytest.raises(StorageOpenError, match="NETRAL_PSEUDONYM_KEY"):
        await open_storage(pg_url)
    async with await open_storage(pg_url, create_key=False) as reader:  # netral logs
        with pytest.raises(RuntimeError):
            reader.user_key(1)
    key_file = tmp_path / "shared.key"
    monkeypatch.setenv("NETRAL_KEY_FILE", str(key_file))
    async with await open_storage(pg_url) as one, await open_storage(pg_url) as two:
        assert one.user_key(42) == two.user_key(42)
    assert key_file.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("NETRAL_PSEUDONYM_KEY", "a-key-from-a-secret-store")
    async with await open_storage(pg_url) as three:
        assert three.user_key(42) != one.user_key(42)
    key = key_file.read_text().strip()
    async with await open_storage(pg_url) as store:
        text = " ".join(str(row) for row in await raw(store, "SELECT * FROM netral_schema_version"))
        assert key not in text  # the key lives outside the database


def _question(qid: str) -> QueryRecord:
    return QueryRecord(
        qid=qid,
        time=datetime(2026, 11, 1, tzinfo=UTC),
        chat_type="private",
        user_key="0123456789abcdef",
        text="pns ikut kampanye",
        status="answered",
        entry_id="ikut-kampanye",
    )


async def test_replicas_share_the_inbox_by_lease(pg_url: str) -> None:
    a = await open_storage(pg_url, lease_seconds=0.5)
    b = await open_storage(pg_url, lease_seconds=0.5)
    assert isinstance(a, PostgresStorage) and isinstance(b, PostgresStorage)
    try:
        # Delivered twice (to A, then to B): stored once, held by A.
        assert await a.save_updates([(1, '{"update_id": 1}'), (2, '{"update_id": 2}')]) == 2
        assert await b.save_updates([(1, '{"update_id": 1}')]) == 0
        assert await b.pending_updates() == []  # A is alive and holds them
        assert await a.renew_leases() == 2
        await asyncio.sleep(0.7)  # A dies: no more renewals
        assert [u for u, _, _ in await b.pending_updates()] == [1, 2]
        assert await a.pending_updates() == []  # B holds them now
        # Both answer update 1 (A was only slow): the question is logged once.
        await b.finish_update(1, [_question("from-b")])
        await a.finish_update(1, [_question("from-a")])
        assert await raw(a, "SELECT qid FROM queries") == [("from-b",)]
        # A clean stop hands the rest over at once.
        await b.close()
        assert [u for u, _, _ in await a.pending_updates()] == [2]
    finally:
        await a.close()
        await b.close()


async def test_skip_locked_claims_each_update_once(pg_url: str) -> None:
    stores: list[Storage] = [await open_storage(pg_url, lease_seconds=60) for _ in range(3)]
    try:
        await stores[0].save_updates([(i, "{}") for i in range(200)])
        await stores[0].close()  # released: free for the others
        claims = await asyncio.gather(*(s.pending_updates() for s in stores[1:]))
        ids = [u for claim in claims for u, _, _ in claim]
        assert sorted(ids) == list(range(200))  # every update claimed by exactly one
    finally:
        for store in stores:
            await store.close()


def test_search_path_helper() -> None:
    assert with_search_path("postgresql://h/d", "s") == (
        "postgresql://h/d?search_path=s&application_name=s"
    )
    assert with_search_path("postgresql://h/d?a=1", "s") == (
        "postgresql://h/d?a=1&search_path=s&application_name=s"
    )


@pytest.mark.parametrize(
    ("env", "share", "lease"),
    [
        ({}, 1.0, 30.0),
        ({"NETRAL_RATE_SHARE": "0.5", "NETRAL_LEASE_SECONDS": "2"}, 0.5, 2.0),
        ({"NETRAL_RATE_SHARE": " 0.25 ", "NETRAL_LEASE_SECONDS": ""}, 0.25, 30.0),
    ],
)
def test_replica_settings(env: dict[str, str], share: float, lease: float) -> None:
    settings = Settings.from_env(env)
    assert (settings.rate_share, settings.lease_seconds) == (share, lease)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NETRAL_RATE_SHARE": "0"}, "NETRAL_RATE_SHARE: 0.0 is not in (0, 1]"),
        ({"NETRAL_RATE_SHARE": "2"}, "NETRAL_RATE_SHARE: 2.0 is not in (0, 1]"),
        ({"NETRAL_RATE_SHARE": "half"}, "NETRAL_RATE_SHARE: 'half' is not a number"),
        ({"NETRAL_RATE_SHARE": "nan"}, "NETRAL_RATE_SHARE: nan is not in (0, 1]"),
        ({"NETRAL_LEASE_SECONDS": "0.5"}, "NETRAL_LEASE_SECONDS: 0.5 is not between 1 and 3600"),
    ],
)
def test_replica_settings_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert str(info.value) == message


def test_webhook_on_a_shared_database_needs_a_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("NETRAL_DB", f"postgresql://bot:{WRONG}@127.0.0.1:1/netral")
    monkeypatch.delenv("NETRAL_WEBHOOK_SECRET", raising=False)
    code = main(["run", "--webhook", "https://bot.example.org/telegram"])
    out, err = capsys.readouterr()
    assert code == EXIT_USAGE and out == "" and WRONG not in err
    assert "needs one secret token for all of them" in err


async def test_run_with_a_wrong_password_exits_1_without_showing_it(pg_url: str) -> None:
    # The real `netral run` process: its whole output (logs included) never holds it.
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "NETRAL_DB": _wrong_password_url(),
        "NETRAL_LOG_LEVEL": "DEBUG",
        "NETRAL_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = (out + err).decode()
    assert proc.returncode == EXIT_INVALID, text
    assert WRONG not in text
    assert "netral run: cannot connect to postgresql://netral_test:***@" in text
