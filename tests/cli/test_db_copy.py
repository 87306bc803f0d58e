"""``netral db copy SRC DST``: SQLite -> PostgreSQL -> SQLite, idempotent and verified."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from bot.querylog import copy as copy_module
from bot.querylog import open_storage
from tests.auxil.pgdb import raw
from tests.auxil.reviewlog import KB_REVIEW, make_log

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(["--knowledge", str(KB_REVIEW), *args])
    out, err = capsys.readouterr()
    return code, out, err


def add_updates(target: str | Path) -> None:
    async def go() -> None:
        async with await open_storage(target, key=b"netral-test-key-0123456789") as storage:
            await storage.save_updates([(7, '{"update_id": 7}'), (8, "{}")])
            await storage.mark_update_done(7)

    asyncio.run(go())


def review_outputs(capsys: Capture, db: str) -> list[str]:
    outputs = []
    for command in (
        ["stats", "--json"],
        ["unanswered", "--json", "--since", "2026-11-01"],
        ["list", "--json"],
    ):
        code, out, _ = run(capsys, "logs", *command, "--db", db)
        assert code == EXIT_OK
        if command[0] == "stats":  # everything but the time it was generated
            data = json.loads(out)
            assert data.pop("generated")
            out = json.dumps(data)
        outputs.append(out)
    return outputs


def counts(out: str) -> dict[str, tuple[int, int]]:
    """table -> (source, added) from the summary lines."""
    found = {}
    for line in out.splitlines()[1:]:
        words = line.split()
        found[words[0]] = (int(words[2]), int(words[4]))
    return found


def test_round_trip_is_idempotent_and_keeps_every_result(
    tmp_path: Path, pg_url: str, capsys: Capture
) -> None:
    sqlite = str(make_log(tmp_path / "one.sqlite3"))
    add_updates(sqlite)
    expected = review_outputs(capsys, sqlite)

    code, out, err = run(capsys, "db", "copy", sqlite, pg_url)
    assert code == EXIT_OK, err
    assert counts(out) == {"queries": (17, 17), "events": (9, 9), "updates": (2, 2)}
    assert "[" + "#" * 30 + "] 100% 28/28 rows" in err  # the bar, on stderr
    password = pg_url.split("@")[0].rsplit(":", 1)[1]
    assert password not in out + err and "***" in out
    assert review_outputs(capsys, pg_url) == expected

    code, out, err = run(capsys, "db", "copy", sqlite, pg_url)  # again: nothing added
    assert code == EXIT_OK
    assert counts(out) == {"queries": (17, 0), "events": (9, 0), "updates": (2, 0)}

    back = str(tmp_path / "back" / "two.sqlite3")
    code, out, _ = run(capsys, "db", "copy", "--quiet", pg_url, back)
    assert code == EXIT_OK
    assert counts(out) == {"queries": (17, 17), "events": (9, 9), "updates": (2, 2)}
    assert review_outputs(capsys, back) == expected
    _, err = capsys.readouterr()

    async def inbox() -> list[tuple[object, ...]]:
        async with await open_storage(back, create_key=False) as storage:
            return await raw(storage, "SELECT update_id, state, payload FROM updates")

    assert asyncio.run(inbox()) == [(7, "done", ""), (8, "pending", "{}")]


def test_pending_updates_copied_to_postgres_are_free_to_claim(
    tmp_path: Path, pg_url: str, capsys: Capture
) -> None:
    sqlite = str(make_log(tmp_path / "one.sqlite3"))
    add_updates(sqlite)
    assert run(capsys, "db", "copy", "-q", sqlite, pg_url)[0] == EXIT_OK

    async def claim() -> list[tuple[int, str, int]]:
        async with await open_storage(pg_url) as storage:
            return await storage.pending_updates()

    assert asyncio.run(claim()) == [(8, "{}", 0)]


def test_verification_failure_exits_1(
    tmp_path: Path, pg_url: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite = str(make_log(tmp_path / "one.sqlite3"))

    async def lose_events(*_: object) -> int:
        return 0

    monkeypatch.setattr(copy_module, "_copy_events", lose_events)
    code, out, err = run(capsys, "db", "copy", "-q", sqlite, pg_url)
    assert code == EXIT_INVALID and out == ""
    assert err.strip() == (
        "netral db copy: the destination lacks source rows after the copy: 9 events"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["same.sqlite3", "./same.sqlite3"], EXIT_USAGE, "SRC and DST are the same database"),
        (["missing.sqlite3", "out.sqlite3"], EXIT_INVALID, "database not found: missing"),
    ],
)
def test_copy_refusals(
    tmp_path: Path,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    got, out, err = run(capsys, "db", "copy", *args)
    assert got == code and out == ""
    assert err.startswith(f"netral db copy: {message}")
    assert not (tmp_path / "out.sqlite3").exists()


def test_unreachable_destination_exits_1_without_password(tmp_path: Path, capsys: Capture) -> None:
    sqlite = str(make_log(tmp_path / "one.sqlite3"))
    url = "postgresql://netral:T0p-S3cret-pw@127.0.0.1:1/netral"
    code, out, err = run(capsys, "db", "copy", "-q", sqlite, url)
    assert code == EXIT_INVALID
    assert "T0p-S3cret-pw" not in out + err
    assert "cannot connect to postgresql://netral:***@127.0.0.1:1/netral" in err


def test_stats_json_is_one_document(tmp_path: Path, capsys: Capture) -> None:
    # review_outputs compares whole outputs: make sure stats --json is deterministic text
    sqlite = str(make_log(tmp_path / "one.sqlite3"))
    first = review_outputs(capsys, sqlite)
    assert json.loads(first[0])["total"] == 17
    assert review_outputs(capsys, sqlite) == first
