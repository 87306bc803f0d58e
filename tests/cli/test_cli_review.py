"""``netral logs list|unanswered|suggest|stats|report|purge`` on a fixture database."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from bot.querylog import QueryRecord, open_storage
from bot.review.text import CSV_COLUMNS
from tests.auxil.pgdb import BACKENDS, fresh_schema
from tests.auxil.reviewlog import KB_REVIEW, NASTY, ROWS, make_log

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture log in each backend, shared by the read-only tests of this module: every
    command must print the same on both."""
    if request.param == "sqlite":
        yield str(make_log(tmp_path_factory.mktemp("review") / "log.sqlite3"))
        return
    with fresh_schema() as url:
        yield make_log(url)


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(["--knowledge", str(KB_REVIEW), "logs", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- list


def test_list_table(db: str, capsys: Capture) -> None:
    code, out, _ = run(capsys, "list", "--db", str(db))
    lines = out.splitlines()
    assert code == EXIT_OK and len(lines) == 17
    assert lines[0].startswith("2026-11-01T08:00:00.000Z  answered   ikut-kampanye")
    assert lines[2].startswith("2026-11-01T23:59:59.999Z  no_match   -")


@pytest.mark.parametrize(
    ("filters", "qids"),
    [
        (
            ["--status", "no_match"],
            ["q03", "q04", "q07", "q08", "q10", "q11", "q12", "q15", "q16", "q17"],
        ),
        (["--entry", "ikut-kampanye"], ["q01", "q05", "q13"]),
        (["--chat-type", "group"], ["q03", "q10"]),
        (["--since", "2026-11-03", "--until", "2026-11-03"], ["q07", "q08", "q09", "q10"]),
        (
            ["--since", "2026-11-01T23:59:59.999Z", "--until", "2026-11-02T00:00:00.001"],
            ["q03", "q04"],
        ),
        (["--until", "2026-11-01T23:59:59.999"], ["q01", "q02"]),
        (["--limit", "2"], ["q01", "q02"]),
        (["--limit", "0"], []),
        (["--status", "ambiguous", "--chat-type", "private", "--since", "2026-11-05"], ["q14"]),
    ],
)
def test_list_filters(db: str, capsys: Capture, filters: list[str], qids: list[str]) -> None:
    code, out, _ = run(capsys, "list", "--json", "--db", str(db), *filters)
    assert code == EXIT_OK
    assert [json.loads(line)["qid"] for line in out.splitlines()] == qids


def test_list_json_shape(db: str, capsys: Capture) -> None:
    code, out, _ = run(capsys, "list", "--json", "--db", str(db), "--status", "ambiguous")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == EXIT_OK and len(rows) == 2
    assert set(rows[0]) == {
        "time",
        "text",
        "status",
        "entry_id",
        "score",
        "chat_type",
        "user",
        "suggestions",
        "elapsed_ms",
        "source",
        "qid",
    }
    assert rows[0]["time"] == "2026-11-02T09:45:00.000Z"
    assert rows[0]["suggestions"] == ["ikut-kampanye", "medsos-like"]
    assert re.fullmatch(r"[0-9a-f]{16}", rows[0]["user"])  # pseudonymous key, never the id


LIST_T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def _fill_out_of_order(db: Path) -> None:
    async with await open_storage(db) as storage:
        await storage.insert_records(
            [
                QueryRecord(
                    qid="b",
                    time=LIST_T0 + timedelta(minutes=5),
                    chat_type="group",
                    user_key=storage.user_key(2),
                    text="gaji pns",
                    status="no_match",
                ),
                QueryRecord(
                    qid="a",
                    time=LIST_T0,
                    chat_type="private",
                    user_key=storage.user_key(1),
                    text="pns ikut kampanye",
                    status="answered",
                    entry_id="ikut-kampanye",
                    score=0.91,
                ),
            ]
        )


def test_list_json_oldest_first_whatever_the_insert_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.sqlite3"
    asyncio.run(_fill_out_of_order(db))
    assert main(["logs", "list", "--json", "--db", str(db)]) == EXIT_OK
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["pns ikut kampanye", "gaji pns"]
    assert rows[0]["status"] == "answered" and rows[0]["entry_id"] == "ikut-kampanye"
    assert rows[0]["score"] == pytest.approx(0.91)
    assert rows[0]["time"] == "2026-11-01T08:00:00.000Z"
    assert rows[1]["entry_id"] is None
    assert {"time", "text", "status", "entry_id", "score"} <= set(rows[0])
    assert all(r["user"] != "1" and r["user"] != "2" for r in rows)


def test_list_csv_shape(db: str, capsys: Capture) -> None:
    code, out, _ = run(capsys, "list", "--csv", "--db", str(db))
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert code == EXIT_OK
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 18
    by_qid = {r[1]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_qid["q15"]["text"] == NASTY  # quotes, commas and markup survive
    assert by_qid["q06"]["suggestions"] == "ikut-kampanye medsos-like"
    assert by_qid["q01"]["entry_id"] == "ikut-kampanye" and by_qid["q03"]["entry_id"] == ""
    assert by_qid["q01"]["time"] == "2026-11-01T08:00:00.000Z"
    assert all(re.fullmatch("[0-9a-f]{16}", r[3]) for r in rows[1:])  # pseudonymous keys
    assert out.endswith("\r\n")


def test_list_relative_since(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "recent.sqlite3"
    now = datetime.now(UTC)

    async def fill() -> None:
        async with await open_storage(db) as storage:
            await storage.insert_records(
                [
                    QueryRecord(
                        qid=f"r{days}",
                        time=now - timedelta(days=days, minutes=1),
                        chat_type="private",
                        user_key="k",
                        text=f"{days} hari lalu",
                        status="no_match",
                    )
                    for days in (0, 6, 8, 29, 31)
                ]
            )

    asyncio.run(fill())
    for since, expected in (
        ("7d", ["r6", "r0"]),
        ("30d", ["r29", "r8", "r6", "r0"]),
        ("2h", ["r0"]),
    ):
        code, out, _ = run(capsys, "list", "--json", "--since", since, "--db", str(db))
        assert code == EXIT_OK
        assert [json.loads(line)["qid"] for line in out.splitlines()] == expected
    # unanswered looks at the last 30 days by default
    code, out, _ = run(capsys, "unanswered", "--json", "--db", str(db))
    assert code == EXIT_OK and json.loads(out)["total"] == 4


# --------------------------------------------------------------------------- unanswered


def test_unanswered_text(db: str, capsys: Capture) -> None:
    code, out, _ = run(capsys, "unanswered", "--since", "2026-11-01", "--db", str(db))
    assert code == EXIT_OK
    assert "12 questions, 4 clusters" in out
    assert "Without a meaningful word: 1 questions." in out
    blocks = out.split("\n\n")[1:]
    assert (
        blocks[0]
        .splitlines()[0]
        .startswith(
            "[1] 5 questions (no_match 5, ambiguous 0)  first 2026-11-01T23:59:59.999Z  "
            "last 2026-11-06T07:00:00.000Z"
        )
    )
    assert "    - gaji pns brp\n    - Gaji PNS berapa ya\n    - gaji pns berapa?" in blocks[0]
    assert "nearest entry: ikut-kampanye (score" in blocks[2]
    assert "nearest entry: none" in blocks[1]
    assert "    out of scope: gaji-tunjangan\n" in blocks[0]
    assert "out of scope" not in blocks[2]


def test_unanswered_json(db: str, capsys: Capture) -> None:
    code, out, _ = run(
        capsys, "unanswered", "--json", "--since", "2026-11-01", "--limit", "3", "--db", str(db)
    )
    data = json.loads(out)
    assert code == EXIT_OK
    assert (data["total"], data["clusters_found"], data["clustered"]) == (12, 4, 11)
    assert data["without_meaningful_words"] == 1
    assert [c["size"] for c in data["clusters"]] == [5, 3, 2]
    first = data["clusters"][0]
    assert set(first) == {
        "size",
        "no_match",
        "ambiguous",
        "first",
        "last",
        "examples",
        "tokens",
        "nearest",
        "score",
        "offtopic",
    }
    assert first["examples"] == ["gaji pns brp", "Gaji PNS berapa ya", "gaji pns berapa?"]
    assert data["clusters"][2]["nearest"] == "ikut-kampanye"
    period = json.loads(
        run(capsys, "unanswered", "--json", "--since", "2026-11-06", "--db", str(db))[1]
    )
    assert period["total"] == 2 and [c["size"] for c in period["clusters"]] == [1, 1]
    capped = json.loads(
        run(capsys, "unanswered", "--json", "--since", "2026-11-01", "--max-texts", "2",
            "--db", str(db))[1]
    )  # fmt: skip
    assert capped["not_clustered_rare_texts"] == 8 and capped["distinct_texts"] == 2


# --------------------------------------------------------------------------- suggest


def _knowledge_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(KB_REVIEW.rglob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_suggest_yaml(db: str, capsys: Capture, tmp_path: Path) -> None:
    before = _knowledge_digest()
    args = ["suggest", "--since", "2026-11-01", "--min-score", "0.3", "--db", str(db)]
    code, out, _ = run(capsys, *args)
    assert code == EXIT_OK
    docs = list(yaml.safe_load_all(out))
    assert len(docs) == 4
    gaji, formasi, online, nasty = docs
    # a cluster an out-of-scope topic declines: phrasings for that topic, not a new entry
    assert gaji == ["gaji pns brp", "Gaji PNS berapa ya", "gaji pns berapa?"]
    assert "Declined on purpose: out-of-scope topic gaji-tunjangan" in out
    # clusters far from every entry and topic: a skeleton with the id and the phrasings
    assert formasi[0]["id"] == "formasi-cpns-kapan-buka"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", formasi[0]["id"])
    # "tunjangan": the salary topic declines it too; its text quoted safely, read back exactly
    assert nasty == [NASTY]
    # close to an entry: new phrasings for it
    assert online == ["ikut kampanye online boleh gak"]
    assert "Close to entry ikut-kampanye" in out
    assert "# verdict: TODO one of dilarang | boleh | bersyarat | info" in out
    assert "# legal_basis:" in out and "# answer: >-" in out
    # a strict threshold turns the phrasings into a skeleton
    code, strict, _ = run(capsys, *args[:-4], "--min-score", "1", "--db", str(db))
    assert list(yaml.safe_load_all(strict))[2][0]["id"] == "ikut-kampanye-online-bolehkah"
    # --out writes the same text to a file; knowledge/ is never touched
    target = tmp_path / "saran.yaml"
    code, said, _ = run(capsys, *args, "--out", str(target))
    assert code == EXIT_OK and "wrote 4 suggestion(s)" in said
    assert target.read_text(encoding="utf-8") == out
    assert _knowledge_digest() == before


def test_suggest_quotes_every_odd_character() -> None:
    from bot.review.suggest import yaml_quote

    for text in [
        "a: b #c",
        'he said "x" \\ y',
        "tab\there\nnew",
        "\u2028\x85\x00",
        "👍 'ok'",
        "- [x]",
    ]:
        assert yaml.safe_load(f"v: {yaml_quote(text)}") == {"v": text}


# --------------------------------------------------------------------------- stats


def test_stats_json(db: str, capsys: Capture) -> None:
    code, out, _ = run(capsys, "stats", "--json", "--until", "2026-11-06", "--db", str(db))
    data = json.loads(out)
    assert code == EXIT_OK
    assert data["total"] == 17 and data["users"] == 7
    assert data["by_status"] == {"answered": 5, "ambiguous": 2, "no_match": 10}
    assert data["answer_rate"] == round(5 / 17, 4)
    assert [(d["day"], d["total"], d["answered"]) for d in data["days"]] == [
        ("2026-11-01", 3, 2),
        ("2026-11-02", 3, 1),
        ("2026-11-03", 4, 1),
        ("2026-11-04", 0, 0),
        ("2026-11-05", 5, 1),
        ("2026-11-06", 2, 0),
    ]
    assert data["days"][3]["answer_rate"] is None
    assert data["top_entries"] == [
        {"entry_id": "ikut-kampanye", "answered": 3},
        {"entry_id": "hak-pilih", "answered": 1},
        {"entry_id": "medsos-like", "answered": 1},
    ]
    assert data["feedback"] == [
        {"entry_id": "hak-pilih", "up": 1, "down": 0},
        {"entry_id": "ikut-kampanye", "up": 1, "down": 2},
        {"entry_id": "medsos-like", "up": 0, "down": 1},
        {"entry_id": None, "up": 1, "down": 0},
    ]
    assert [m["entry_id"] for m in data["most_down"]] == ["ikut-kampanye", "medsos-like"]
    assert data["hours_utc"][8] == 3 and sum(data["hours_utc"]) == 17
    assert data["since"] is None and data["until"] == "2026-11-07T00:00:00.000Z"


def test_stats_table(db: str, capsys: Capture) -> None:
    code, out, _ = run(
        capsys, "stats", "--since", "2026-11-03", "--until", "2026-11-05", "--db", str(db)
    )
    assert code == EXIT_OK
    assert "Questions: 9   users (pseudonymous keys): 6   answered: 22.2%" in out
    assert re.search(r"2026-11-04\s+0\s+0\s+0\s+0\s+-", out)
    assert re.search(r"2026-11-05\s+5\s+1\s+1\s+3\s+20\.0%", out)
    assert re.search(r"hak-pilih\s+1\n", out)
    assert re.search(r"ikut-kampanye\s+1\s+0\s+100\.0%", out)  # most thumbs down
    assert "Busiest hours (UTC; WIB = UTC+7):" in out


# --------------------------------------------------------------------------- report


def test_report_file(db: str, capsys: Capture, tmp_path: Path) -> None:
    target = tmp_path / "laporan.html"
    code, out, _ = run(
        capsys, "report", "--out", str(target), "--until", "2026-11-06", "--db", str(db)
    )
    page = target.read_text(encoding="utf-8")
    assert code == EXIT_OK and f"wrote {target}" in out
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    # self-contained: nothing to fetch
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import"):
        assert forbidden not in page.lower()
    assert html_escaped(NASTY) in page and NASTY not in page
    assert page.count("<svg") >= 5
    assert "1 Nov 2026 – 6 Nov 2026" in page
    for text in ("Laporan pertanyaan Netral", "ikut-kampanye", "Ikut kampanye", "gaji pns brp"):
        assert text in page
    assert not list(tmp_path.glob(".laporan.html.*"))  # no temporary file left behind


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_report_into_missing_folder(db: str, capsys: Capture, tmp_path: Path) -> None:
    code, _, err = run(capsys, "report", "--out", str(tmp_path / "no" / "r.html"), "--db", str(db))
    assert code == EXIT_INVALID and "cannot write" in err


# --------------------------------------------------------------------------- purge


def test_purge(log_target: str | Path, capsys: Capture) -> None:
    db = make_log(log_target)
    code, out, _ = run(capsys, "purge", "--older-than", "2026-11-03", "--db", str(db))
    assert code == EXIT_OK
    assert out == (
        "deleted 6 question(s), 6 event(s) and 0 processed update(s) older than "
        "2026-11-03T00:00:00.000Z\n"
    )
    remaining = [r[0] for r in ROWS[6:]]
    code, out, _ = run(capsys, "list", "--json", "--db", str(db))
    assert [json.loads(line)["qid"] for line in out.splitlines()] == remaining
    code, out, _ = run(capsys, "purge", "--older-than", "0d", "--vacuum", "--db", str(db))
    assert code == EXIT_OK
    assert out.startswith("deleted 11 question(s), 3 event(s)")
    assert "VACUUM: " in out and "MiB -> " in out
    code, out, _ = run(capsys, "purge", "--older-than", "180d", "--db", str(db))
    assert out.startswith("deleted 0 question(s), 0 event(s)")


# --------------------------------------------------------------------------- bad input

COMMANDS: list[list[str]] = [
    ["list"],
    ["unanswered"],
    ["suggest"],
    ["stats"],
    ["report", "--out", "r.html"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("flag", ["--since", "--until"])
def test_malformed_period(db: str, capsys: Capture, command: list[str], flag: str) -> None:
    code, out, err = run(capsys, *command, flag, "yesterday", "--db", str(db))
    assert code == EXIT_USAGE and out == ""
    assert err.count("\n") == 1
    assert f"netral logs {command[0]}: {flag}: cannot read 'yesterday'" in err


@pytest.mark.parametrize("command", [*COMMANDS, ["purge", "--older-than", "180d"]], ids=str)
def test_missing_database(tmp_path: Path, capsys: Capture, command: list[str]) -> None:
    missing = tmp_path / "nope" / "netral.sqlite3"
    code, out, err = run(capsys, *command, "--db", str(missing))
    assert code == EXIT_INVALID and out == ""
    assert err == f"netral logs {command[0]}: database not found: {missing}\n"
    assert not missing.exists() and not missing.parent.exists()


def test_missing_database_from_environment(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRAL_DB", str(tmp_path / "env.sqlite3"))
    code, _, err = run(capsys, "stats")
    assert code == EXIT_INVALID and "env.sqlite3" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--status", "unanswered"], "unknown --status 'unanswered'; expected one of"),
        (["list", "--status", "ANSWERED"], "unknown --status"),
        (["list", "--limit", "-1"], "--limit must be 0 or more"),
        (["list", "--since", "2026-11-05", "--until", "2026-11-01"], "must be before"),
        (["unanswered", "--limit", "-3"], "--limit must be 0 or more"),
        (["report", "--out", "r.html", "--max-texts", "-1"], "--max-texts must be 0 or more"),
        (["suggest", "--min-score", "2"], "--min-score must be between 0 and 1"),
        (["stats", "--since", "2026-02-30"], "--since: '2026-02-30' is not a valid date"),
        (["purge", "--older-than", "half a year"], "--older-than: cannot read"),
        (["purge", "--older-than", "99999999d"], "--older-than: cannot read"),
    ],
)
def test_bad_arguments(db: str, capsys: Capture, args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args, "--db", str(db))
    assert code == EXIT_USAGE and out == ""
    assert message in err and err.count("\n") == 1


def test_bad_status_beats_missing_database(tmp_path: Path, capsys: Capture) -> None:
    code, _, err = run(capsys, "list", "--status", "x", "--db", str(tmp_path / "none"))
    assert code == EXIT_USAGE and "unknown --status" in err


@pytest.mark.parametrize("command", [["unanswered"], ["suggest"], ["report", "--out", "r.html"]])
def test_unusable_knowledge_base(
    db: str, capsys: Capture, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "no-knowledge"
    code = main(["--knowledge", str(missing), "logs", *command, "--db", str(db)])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID and "folder not found" in err
