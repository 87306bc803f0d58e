"""The command line: JSON contract, exit codes, console, eval and validate."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from bot.cli.engine import run_console
from bot.core.engine import Engine
from tests.auxil.modelseed import models_folder
from tests.conftest import KNOWLEDGE, ROOT, SMALL_KB

KB = ["--knowledge", str(SMALL_KB)]
JSON_KEYS = {"status", "id", "score", "verdict", "answer", "followup", "suggestions"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*KB, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_answered(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "boleh gak sih pns ikut kampanye?")
    assert code == EXIT_OK
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["status"] == "answered"
    assert data["id"] == "ikut-kampanye"
    assert data["verdict"] == "dilarang"
    assert isinstance(data["score"], float) and 0 < data["score"] <= 1
    assert data["answer"].startswith("⛔ DILARANG — Ikut kampanye")
    assert "<b>" not in data["answer"]  # no markup
    assert data["suggestions"] == []


def test_ask_json_no_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "resep nasi goreng")
    data = json.loads(out)
    assert code == EXIT_OK
    assert data["status"] == "no_match"
    assert data["id"] is None and data["verdict"] is None
    assert data["answer"].startswith("Maaf")
    assert data["suggestions"] == []


def test_ask_plain_reply(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "like status capres di ig")
    assert code == EXIT_OK
    assert out.startswith("⛔ DILARANG")
    assert "Dasar hukum:" in out


def test_ask_empty_question_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", "   ")
    assert code == EXIT_USAGE and "empty" in err


def test_ask_stdin_one_json_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("ikut kampanye\n\nhalo\nlike postingan calon\n"))
    code, out, _ = run(capsys, "ask", "--json", "-")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == EXIT_OK
    assert [x["status"] for x in lines] == ["answered", "no_match", "answered"]
    assert all(set(x) == JSON_KEYS for x in lines)


def test_ask_conversation_reads_followups_in_context(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = (
        "boleh gak pns like postingan caleg di ig?\nhukumannya apa?\nkalau saya pppk?\n"
        "\nhukumannya apa?\n"  # a new conversation: nothing to refer to
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(turns))
    monkeypatch.setenv("NETRAL_CACHE_DIR", str(models_folder(KNOWLEDGE, ROOT)))
    code = main(["--knowledge", str(KNOWLEDGE), "ask", "--json", "--conversation", "-"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == EXIT_OK
    assert [(x["id"], x["followup"]) for x in lines[:3]] == [
        ("medsos-like-share-komentar", None),
        ("medsos-like-share-komentar", "sanction"),
        ("medsos-like-share-komentar", "status"),
    ]
    assert lines[3]["followup"] is None and lines[3]["id"] != "medsos-like-share-komentar"
    assert all(set(x) == JSON_KEYS for x in lines)


def test_ask_conversation_needs_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", "--conversation", "hukumannya?")
    assert code == EXIT_USAGE and "stdin" in err


def test_eval_conversations_scores_followups(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    convs = tmp_path / "conversations.yaml"
    convs.write_text(
        "- turns:\n"
        "    - {q: 'asn boleh ikut kampanye?', expect: ikut-kampanye}\n"
        "    - {q: 'hukumannya apa?', expect: ikut-kampanye}\n"
        "- turns:\n"
        "    - {q: 'asn boleh ikut kampanye?', expect: ikut-kampanye}\n"
        "    - {q: 'makasih min', expect: null}\n",
        encoding="utf-8",
    )
    code = main(["--knowledge", str(KNOWLEDGE), "eval", str(convs)])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "2 conversations" in out
    assert "questions: 2 (1 in scope, 1 out of scope)" in out
    assert "top-1 accuracy: 100.0% (1/1)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- turns: [{q: 'only one', expect: null}]\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == EXIT_INVALID and "2 or more" in err


def test_broken_knowledge_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(SMALL_KB, broken)
    (broken / "kampanye.yaml").write_text("category: [oops\n", encoding="utf-8")
    code = main(["--knowledge", str(broken), "ask", "kampanye"])
    _, err = capsys.readouterr()
    assert code == EXIT_INVALID
    assert "YAML syntax error" in err and "kampanye.yaml:" in err


def test_validate_ok_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(SMALL_KB))
    assert code == EXIT_OK
    assert "3 entries, 21 phrasings, 2 categories, 2 out-of-scope topics" in out
    # validate trains the learned ranker (or finds it in the cache): 3 entries + 2 topics
    assert "learned ranker: 5 classes" in out


def test_validate_errors_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(SMALL_KB, broken)
    f = broken / "media-sosial.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace("verdict: boleh", "verdict: mungkin"),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "validate", str(broken))
    assert code == EXIT_INVALID
    assert "media-sosial.yaml:" in err and "[hak-pilih]" in err and "1 error(s)" in err


def test_eval_prints_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {q: 'pns ikut kampanye', expect: ikut-kampanye}\n"
        "- {q: 'like postingan paslon', expect: [medsos-like, ikut-kampanye]}\n"
        "- {q: 'asn boleh nyoblos?', expect: ikut-kampanye}\n"
        "- {q: 'resep rendang', expect: null}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "eval", str(cases), "--verbose")
    assert code == EXIT_OK
    assert "questions: 4 (3 in scope, 1 out of scope)" in out
    assert "top-1 accuracy: 66.7% (2/3)" in out
    assert "right answer or right suggestion: " in out and "dead ends" in out
    assert "out-of-scope rejected: 100.0% (1/1" in out
    assert "wrong " in out and "'asn boleh nyoblos?'" in out  # the failure is listed


def test_eval_bad_file_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {q: 1}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == EXIT_INVALID and "needs 'q'" in err
    code, _, err = run(capsys, "eval", str(tmp_path / "missing.yaml"))
    assert code == EXIT_INVALID and "cannot read" in err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == EXIT_USAGE


def test_console_session(small_engine: Engine) -> None:
    stdin = io.StringIO("boleh gak pns ikut kampanye\n1\n9\nhalo\nkeluar\nnot read\n")
    out = io.StringIO()
    assert run_console(small_engine, stdin, out) == EXIT_OK
    text = out.getvalue()
    assert "⛔ DILARANG — Ikut kampanye" in text
    assert "[1] ➡️ Like dan share <postingan>" in text
    assert "⛔ DILARANG — Like dan share <postingan>" in text  # picked with "1"
    assert "Pilih nomor 1 sampai" in text  # "9" is out of range
    assert "Maaf" in text  # "halo"
    assert text.rstrip().endswith("Sampai jumpa.")
    assert "not read" not in text


def test_console_remembers_the_conversation(engine: Engine) -> None:
    stdin = io.StringIO("boleh gak pns ikut kampanye\nsanksinya apa?\nkeluar\n")
    out = io.StringIO()
    assert run_console(engine, stdin, out) == EXIT_OK
    replies = out.getvalue().split("⛔ DILARANG — Ikut kampanye")
    assert len(replies) == 3  # the follow-up got the same entry
    assert replies[2].lstrip().startswith("Sanksi:")  # its sanction first


def test_console_sources_button(small_engine: Engine) -> None:
    out = io.StringIO()
    run_console(small_engine, io.StringIO("boleh gak pns ikut kampanye\n2\nkeluar\n"), out)
    text = out.getvalue()
    assert "[2] 📚 Sumber" in text
    assert "📚 Sumber — Ikut kampanye\n• PP 94/2021 tentang Disiplin PNS" in text


def test_console_ends_on_eof(small_engine: Engine) -> None:
    out = io.StringIO()
    assert run_console(small_engine, io.StringIO(""), out) == EXIT_OK


def test_module_entry_point_reads_stdin_in_one_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *KB, "ask", "--json", "-"],
        input="pns ikut kampanye\nresep rendang\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    statuses = [json.loads(x)["status"] for x in proc.stdout.splitlines()]
    assert statuses == ["answered", "no_match"]


def test_chat_logs_questions_to_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.querylog import open_storage

    db = tmp_path / "data" / "log.sqlite3"
    monkeypatch.setenv("NETRAL_DB", str(db))
    monkeypatch.setattr(sys, "stdin", io.StringIO("pns ikut kampanye\nresep rendang\nkeluar\n"))
    assert main([*KB, "chat"]) == EXIT_OK
    capsys.readouterr()

    async def rows() -> list[tuple[str, str, str]]:
        async with await open_storage(db) as storage:
            return [(r.chat_type, r.status, r.text) async for r in storage.iter_queries()]

    assert asyncio.run(rows()) == [
        ("console", "answered", "pns ikut kampanye"),
        ("console", "no_match", "resep rendang"),
    ]


def test_chat_without_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.sqlite3"
    monkeypatch.setenv("NETRAL_DB", str(db))
    monkeypatch.setattr(sys, "stdin", io.StringIO("pns ikut kampanye\n"))
    assert main([*KB, "chat", "--no-log"]) == EXIT_OK
    assert not db.exists()


def test_chat_survives_an_unwritable_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("NETRAL_DB", str(blocker / "sub" / "log.sqlite3"))  # parent is a file
    monkeypatch.setattr(sys, "stdin", io.StringIO("pns ikut kampanye\n"))
    assert main([*KB, "chat"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "DILARANG" in out and "log pertanyaan tidak dapat dibuka" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "x"],
        ["eval", "f.yaml"],
        ["chat", "--no-log"],
        ["validate"],
        ["run"],
        ["logs", "list"],
        ["logs", "stats", "--json"],
        ["logs", "purge", "--older-than", "180d"],
    ],
)
def test_a_bad_variable_is_one_line_and_exit_2_for_every_command(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NETRAL_ADMIN_IDS", "abc")
    assert main(argv) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "netral: NETRAL_ADMIN_IDS: 'abc' is not a numeric Telegram user id\n"


def test_logs_help_defaults_are_the_librarys() -> None:
    from bot.cli import logs
    from bot.review.clusters import DEFAULT_MAX_TEXTS
    from bot.review.html_report import REPORT_MAX_TEXTS, TOP_CLUSTERS
    from bot.review.period import PERIOD_HELP

    assert (logs.PERIOD_HELP, logs.DEFAULT_MAX_TEXTS) == (PERIOD_HELP, DEFAULT_MAX_TEXTS)
    assert (logs.TOP_CLUSTERS, logs.REPORT_MAX_TEXTS) == (TOP_CLUSTERS, REPORT_MAX_TEXTS)


def test_engine_commands_skip_the_bot_modules() -> None:
    code = (
        "import sys; from bot.cli import main; "
        "main(['ask', '--json', 'pns ikut kampanye']); "
        "heavy = ('telegram', 'aiosqlite', 'bot.tg', 'bot.review', 'bot.querylog.sqlite'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "NETRAL_CACHE_DIR": str(models_folder(KNOWLEDGE, ROOT))}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_ask_promises_no_logging(capsys: pytest.CaptureFixture[str]) -> None:
    # `netral ask` writes nothing to the query log, so its no-match reply must not say
    # "sudah dicatat" (the bot adds that line itself when it logs; see test_bot_e2e).
    code, out, _ = run(capsys, "ask", "resep nasi goreng")
    assert code == EXIT_OK
    assert "Contoh pertanyaan" in out and "dicatat" not in out
