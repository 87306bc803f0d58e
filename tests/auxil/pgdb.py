"""PostgreSQL for the tests: a fresh schema per test in the server named by NETRAL_TEST_PG.

``bash .ci/postgres`` starts Debian's PostgreSQL and prints the URL (``.ci/run`` exports it).
Without it, or when the server does not answer, the tests that need PostgreSQL are skipped
with a message saying so, except under CI (``CI=true``), where they fail instead.

Fixtures: ``pg_url`` (a URL whose ``search_path`` is an empty schema of its own, dropped
after the test) and ``log_target``, parametrised over both backends (a SQLite file path or
such a URL), for the suites that must give the same results on both.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ENV = "NETRAL_TEST_PG"
BACKENDS = ("sqlite", "postgres")


def _run(factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from synchronous code, even when called from inside
    a running event loop (a benchmark): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(factory())
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, factory()).result()


@cache
def _server_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it can); checked once per session."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        return f"{ENV} is not set (run: export {ENV}=$(bash .ci/postgres))"
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        _run(probe)
    except Exception as exc:
        return f"PostgreSQL at {ENV} does not answer ({type(exc).__name__})"
    return None


def require_postgres() -> str:
    """The server URL, or skip the test (fail it under CI) when there is none."""
    problem = _server_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {problem}")
    return os.environ[ENV].strip()


def with_search_path(url: str, schema: str) -> str:
    """``url`` with the schema first in its search path; its sessions are named after it."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}&application_name={schema}"


def _admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(require_postgres(), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _run(run)


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL to an empty schema of its own, dropped on exit (skips without a server)."""
    server = require_postgres()
    schema = f"t_{secrets.token_hex(6)}"
    _admin(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(server, schema)
    finally:
        # A connection a test left open (e.g. of a process it killed) must not hold the
        # drop up: every session opened through this URL is named after the schema.
        _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE application_name = '{schema}' AND pid <> pg_backend_pid()"
        )
        _admin(f"SET lock_timeout = '20s'; DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A URL to an empty schema of its own (dropped afterwards); the pseudonym key file
    the PostgreSQL backend needs is set to a fresh path."""
    monkeypatch.setenv("NETRAL_KEY_FILE", str(tmp_path / "pg.key"))
    with fresh_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def log_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Each backend in turn: a SQLite file path, or a fresh PostgreSQL schema's URL."""
    if request.param == "sqlite":
        return tmp_path / "data" / "netral.sqlite3"
    return str(request.getfixturevalue("pg_url"))


async def raw(storage: Any, statement: str) -> list[tuple[Any, ...]]:
    """Rows of one parameterless statement run beside ``storage`` (either backend)."""
    pool = getattr(storage, "_pool", None)
    if pool is not None:
        return [tuple(row) for row in await pool.fetch(statement)]
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(storage.path)) as conn:
        return list(conn.execute(statement).fetchall())


async def count_rows(storage: Any, table: str) -> int:
    return int((await raw(storage, f"SELECT COUNT(*) FROM {table}"))[0][0])
