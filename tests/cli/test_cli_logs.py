"""`netral logs list`: the query log as JSON lines or a table."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import EXIT_INVALID, EXIT_OK, main
from bot.querylog import QueryRecord, open_storage

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def _fill(db: Path) -> None:
    async with await open_storage(db) as storage:
        await storage.insert_records(
            [
                QueryRecord(
                    qid="b",
                    time=T0 + timedelta(minutes=5),
                    chat_type="group",
                    user_key=storage.user_key(2),
                    text="gaji pns",
                    status="no_match",
                ),
                QueryRecord(
                    qid="a",
                    time=T0,
                    chat_type="private",
                    user_key=storage.user_key(1),
                    text="pns ikut kampanye",
                    status="answered",
                    entry_id="ikut-kampanye",
                    score=0.91,
                ),
            ]
        )


def test_list_json_oldest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.sqlite3"
    asyncio.run(_fill(db))
    assert main(["logs", "list", "--json", "--db", str(db)]) == EXIT_OK
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["pns ikut kampanye", "gaji pns"]
    assert rows[0]["status"] == "answered" and rows[0]["entry_id"] == "ikut-kampanye"
    assert rows[0]["score"] == pytest.approx(0.91)
    assert rows[0]["time"] == "2026-11-01T08:00:00.000Z"
    assert rows[1]["entry_id"] is None
    assert {"time", "text", "status", "entry_id", "score"} <= set(rows[0])
    assert all(r["user"] != "1" and r["user"] != "2" for r in rows)


def test_list_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.sqlite3"
    asyncio.run(_fill(db))
    assert main(["logs", "list", "--db", str(db)]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2026-11-01T08:00:00.000Z  answered")


def test_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "list", "--db", str(tmp_path / "none.sqlite3")]) == EXIT_INVALID
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
