"""Regressions of the security review, engine and knowledge side (F6, F12, F17, F20),
through the CLI where a user or admin would meet them."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.cli import EXIT_INVALID, EXIT_OK, main
from bot.core import normalize
from bot.core.engine import Engine
from bot.core.evaluate import evaluate
from bot.core.matcher import Candidate, MatchResult
from bot.core.models import KnowledgeBase
from bot.core.safety import PERMISSIVE, SafetyNet, is_permissive_first
from bot.knowledge.evalset import load_cases
from bot.knowledge.lint import NEAR_DUPLICATE, near_duplicate_pairs
from tests.auxil.modelseed import seed_models
from tests.conftest import KNOWLEDGE, ROOT

COMPOUND = ROOT / "tests" / "data" / "forbidden-compound.yaml"
Capture = pytest.CaptureFixture[str]


def ask_all(capsys: Capture, monkeypatch: pytest.MonkeyPatch, questions: list[str]) -> list[dict]:  # type: ignore[type-arg]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    code = main(["--knowledge", str(KNOWLEDGE), "ask", "--json", "-"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    return [json.loads(line) for line in out.splitlines()]


# --------------------------------------------------------------------------- F6


def test_f6_compound_questions_never_open_with_a_permissive_verdict(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    cases = load_cases(COMPOUND)
    assert len(cases) == 60 and all(c.forbid_permissive for c in cases)
    replies = ask_all(capsys, monkeypatch, [c.question for c in cases])
    for case, reply in zip(cases, replies, strict=True):
        first = reply["id"] or (reply["suggestions"][0]["id"] if reply["suggestions"] else None)
        entry = kb.get(first) if first else None
        assert entry is None or entry.verdict not in PERMISSIVE, (case.question, reply)
        assert not reply["answer"].startswith(("✅", "⚠️")), case.question
        if entry is not None:
            assert entry.verdict == "dilarang"


@pytest.mark.parametrize(
    ("question", "first"),
    [
        (
            "apakah asn boleh menggunakan hak pilih sambil membagikan uang ke tetangga?",
            {"politik-uang", "ajakan-dan-pemberian-barang"},
        ),
        ("apakah asn boleh menggunakan hak pilih sambil kampanye?", {"ikut-kampanye"}),
        ("boleh pns nyoblos di tps sambil kampanye?", {"ikut-kampanye"}),
        # a party witness is campaign-team work (tim-kampanye's keyword "saksi partai")
        ("boleh asn jadi pengawas tps dan jadi saksi partai?", {"tim-kampanye", "anggota-partai"}),
        ("pns boleh jadi pengawas tps dari partai?", {"anggota-partai"}),
        # acts that `larangan` in sinonim.yaml names for its entries
        (
            "suami caleg, sy pns udah cltn. boleh ikut kampanye dia dan minta guru2 di sekolah"
            " sy buat milih dia?",
            {"mobilisasi-asn"},
        ),
        (
            "boleh kan asn pakai hak pilih, terus posting sudah coblos nomor 3 di ig?",
            {"medsos-like-share-komentar"},
        ),
    ],
)
def test_f6_review_examples_offer_the_prohibition_first(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch, question: str, first: set[str]
) -> None:
    (reply,) = ask_all(capsys, monkeypatch, [question])
    if reply["status"] == "answered":  # the forbidden entry itself answers: fine
        assert reply["id"] in first and reply["verdict"] == "dilarang"
        return
    assert reply["status"] == "ambiguous"
    ids = [s["id"] for s in reply["suggestions"]]
    assert ids[0] in first
    assert reply["answer"].startswith("Maksud Anda")


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("boleh pns nyoblos?", "hak-pilih"),
        ("asn boleh jadi kpps?", "penyelenggara-pemilu"),
        ("pns mau nyaleg harus mundur kapan?", "mencalonkan-diri"),
    ],
)
def test_f6_plain_permissive_questions_stay_answered(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch, question: str, entry_id: str
) -> None:
    (reply,) = ask_all(capsys, monkeypatch, [question])
    assert (reply["status"], reply["id"]) == ("answered", entry_id)


def test_f6_cues_come_from_the_knowledge_base(kb: KnowledgeBase, engine: Engine) -> None:
    question = "apakah asn boleh menggunakan hak pilih sambil pakai kaos?"
    raw = engine.matcher.match(question)
    assert is_permissive_first(raw)  # what the matcher alone would answer
    assert not is_permissive_first(SafetyNet(kb, engine.matcher.token_sequence).apply(raw))
    # Without the keywords of the dilarang entry ("kaos", ...), the act is no longer known.
    entries = tuple(
        replace(e, keywords=()) if e.id == "atribut-partai-calon" else e for e in kb.entries
    )
    blind = SafetyNet(replace(kb, entries=entries), engine.matcher.token_sequence)
    assert is_permissive_first(blind.apply(raw))


def test_f6_eval_reports_the_count(capsys: Capture, engine: Engine) -> None:
    code = main(["--knowledge", str(KNOWLEDGE), "eval", str(COMPOUND)])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "forbidden acts answered boleh/bersyarat first: 0 of 60" in out
    # The counter counts: the matcher without the safety layer fails many of them.
    report = evaluate(load_cases(COMPOUND), engine.matcher.match, lambda q: [])
    assert report.permissive_forbidden >= 10
    assert any("forbidden acts" in line for line in report.summary_lines())
    plain = evaluate(
        load_cases(ROOT / "tests" / "data" / "questions.yaml"), engine.matcher.match, lambda q: []
    )
    assert not any("forbidden acts" in line for line in plain.summary_lines())


@pytest.mark.parametrize(
    ("larangan", "message"),
    [
        ("larangan:\n  hak-pilih: [nyoblos]\n", "larangan: 'hak-pilih' is not a dilarang entry"),
        ("larangan:\n  entri-palsu: [uang]\n", "larangan: 'entri-palsu' is not a dilarang entry"),
        ("larangan:\n  ikut-kampanye: []\n", "larangan 'ikut-kampanye' needs a list of words"),
        ("larangan: [kampanye]\n", "'larangan' must map an entry id to a list of words"),
    ],
)
def test_f6_larangan_is_validated(
    capsys: Capture, tmp_path: Path, larangan: str, message: str
) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE, folder)
    lexicon = folder / "sinonim.yaml"
    text = lexicon.read_text(encoding="utf-8")
    text = text[: text.index("\nlarangan:")] + "\n" + larangan
    lexicon.write_text(text, encoding="utf-8")
    code = main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID
    assert message in out + err


# --------------------------------------------------------------------------- F17


def test_f17_zero_width_characters_do_not_split_words(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    noisy, clean = ask_all(
        capsys,
        monkeypatch,
        [
            "bo\u200bleh p\u200cns ik\u200dut kam\u2060panye?\u00ad\u202e",
            "boleh pns ikut kampanye?",
        ],
    )
    assert noisy["status"] == "answered" and noisy["id"] == clean["id"] == "ikut-kampanye"
    assert normalize.basic_clean("bo\u200bleh p\u200cns\ufeff") == "boleh pns"


# --------------------------------------------------------------------------- F12


def test_f12_question_words_are_not_saved(tmp_path: Path) -> None:
    seed_models(tmp_path, KNOWLEDGE, ROOT)  # the stems are under test, not the models
    env = {**os.environ, "NETRAL_CACHE_DIR": str(tmp_path)}
    question = "Saya Bernadetta Kusumaningtyas dari Kecamatan Sukamenanggung, boleh ikut kampanye?"
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", question],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    (saved,) = tmp_path.glob("stems-sastrawi-*.json")
    content = saved.read_text(encoding="utf-8").lower()
    for name in ("bernadetta", "kusumaningtyas", "sukamenanggung"):
        assert name not in content
    assert "berpihak" in json.loads(content)  # knowledge-base words are


def test_f12_question_stems_are_bounded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize, "QUESTION_STEMS_MAX", 50)
    kept = dict(normalize.stem_cache())
    rng = random.Random(7)
    for _ in range(20):
        words = [
            "meng" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) + "kan"
            for _ in range(10)
        ]
        engine.ask(" ".join(words))
    assert len(normalize.question_stem_cache()) <= 50
    assert normalize.stem_cache() == kept


# --------------------------------------------------------------------------- F20


def test_f20_near_duplicates_match_the_pairwise_search() -> None:
    # Words as in real phrasings: distinct spellings, a few very common ones. (Candidates
    # share a word among the rarer half of their words: keys that are alike letter by
    # letter but share no word, like "kata23 kata31" and "kata34 kata3", are not sought.)
    rng = random.Random(3)
    vocabulary = [
        "".join(rng.choice("abdeghijklmnoprstuwy") for _ in range(rng.randint(3, 9)))
        for _ in range(80)
    ] + ["asn", "boleh", "calon", "kampanye"]
    keys = []
    for _ in range(300):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(2, 7))]
        keys.append(" ".join(words))
        if rng.random() < 0.3:  # a near copy: one letter more or one common word more
            twin = list(words)
            twin[rng.randrange(len(twin))] += "x"
            keys.append(" ".join(twin) if rng.random() < 0.5 else " ".join([*words, "asn"]))
    brute = [
        (i, j)
        for i in range(len(keys))
        for j in range(i + 1, len(keys))
        if fuzz.token_sort_ratio(keys[i], keys[j]) >= NEAR_DUPLICATE
    ]
    assert brute and near_duplicate_pairs(keys) == brute


def test_f20_near_duplicates_are_not_quadratic() -> None:
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(3000)] + ["asn", "boleh", "pns", "calon"]
    keys = [
        " ".join(["asn", "boleh", *(rng.choice(vocabulary) for _ in range(5))])
        for _ in range(20_000)
    ]
    started = time.perf_counter()
    near_duplicate_pairs(keys)  # pairwise: 2·10⁸ comparisons, minutes
    assert time.perf_counter() - started < 10


def test_f20_oversized_knowledge_file_is_refused(capsys: Capture, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE, folder)
    (folder / "besar.yaml").write_text("# " + "x" * (6 * 2**20) + "\n", encoding="utf-8")
    started = time.perf_counter()
    code = main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID and "file too large" in out + err
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        # "alun-alun", "camat", "pernikahan" help find a dilarang entry but are no act:
        # a permissive answer that merely names them keeps its answer
        ("pns boleh jadi kpps di tps dekat alun-alun?", "penyelenggara-pemilu"),
        ("camat boleh jadi anggota pps?", "penyelenggara-pemilu"),
    ],
)
def test_f6_places_and_people_are_no_forbidden_acts(
    engine: Engine, question: str, entry_id: str
) -> None:
    result = engine.ask(question).result
    assert result.status == "answered" and result.candidates[0].entry.id == entry_id


def test_f6_not_acts_come_from_the_lexicon(engine: Engine) -> None:
    keywords = {cue.keyword for cue in engine.safety.cues}
    assert not keywords & {"camat", "alun-alun", "pernikahan", "kepala sekolah"}
    assert {"bawahan", "orasi", "salam dua jari"} <= keywords  # acts stay acts


def _acts(engine: Engine, question: str, top: str) -> set[str]:
    """The safety net's cues in ``question`` when ``top`` would answer it."""
    entry = engine.kb.get(top)
    assert entry is not None
    result = MatchResult(
        "answered",
        question,
        engine.matcher.tokens(question),
        (Candidate(entry, 0.5, 0.0, 0.0, 0.0, entry.canonical_question),),
    )
    return {cue.keyword for cue in engine.safety.forbidden_acts(result)}


@pytest.mark.parametrize(
    ("question", "act"),
    [
        ("pns aktif di partai boleh ikut penjaringan calon bupati?", "aktif di partai"),
        ("boleh nyoblos terus posting sudah coblos nomor 2?", "posting coblos"),
        ("jadi kpps boleh, kalau sekalian mengarahkan bawahan memilih calon?",
         "mengarahkan bawahan memilih"),
    ],
)  # fmt: skip
def test_f6_a_cue_of_several_words_is_an_act_when_they_stand_together(
    engine: Engine, question: str, act: str
) -> None:
    assert act in _acts(engine, question, "penyelenggara-pemilu")


@pytest.mark.parametrize(
    ("question", "top", "not_act"),
    [
        # the words of "aktif di partai" in two different places
        ("ikut penjaringan di partai buat pilkada, pns masih aktif. boleh?", "mendekati-partai",
         "aktif di partai"),
        ("boleh pns diskusi santai soal pilihan politik di rumah sama istri sendiri?",
         "hak-pilih", "dari rumah ke rumah"),
        # normalising left one plain word ("calon") of a longer keyword: no act
        ("pns boleh jadi panwascam? kan bukan mendukung calon", "penyelenggara-pemilu",
         "calon perseorangan"),
    ],
)  # fmt: skip
def test_f6_scattered_or_lost_words_are_no_act(
    engine: Engine, question: str, top: str, not_act: str
) -> None:
    assert not_act not in _acts(engine, question, top)
