"""The validator: every kind of error on a broken copy of the fixture knowledge base."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from tests.conftest import SMALL_KB


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A fresh, writable copy of the small fixture knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(SMALL_KB, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lexicon_plus(kb_dir: Path, extra: str) -> None:
    """The copy's sinonim.yaml: the fixture's own, with ``extra`` (YAML) after it."""
    original = (SMALL_KB / "sinonim.yaml").read_text(encoding="utf-8")
    (kb_dir / "sinonim.yaml").write_text(original + extra, encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_valid_fixture_loads(kb_dir: Path) -> None:
    result = load_knowledge(kb_dir)
    assert result.errors == []
    assert result.kb is not None
    assert [e.id for e in result.kb.entries] == ["ikut-kampanye", "medsos-like", "hak-pilih"]
    assert [c.id for c in result.kb.categories] == ["kampanye", "media-sosial"]
    assert result.kb.categories[1].entry_ids == ("medsos-like", "hak-pilih")
    assert result.kb.categories[1].title == "Media sosial"


def only_error(kb_dir: Path) -> str:
    result = load_knowledge(kb_dir)
    assert result.kb is None
    assert len(result.errors) >= 1
    return str(result.errors[0])


def test_yaml_syntax_error_reports_line(kb_dir: Path) -> None:
    f = kb_dir / "kampanye.yaml"
    edit(f, "    verdict: dilarang", "    verdict: [dilarang")
    result = load_knowledge(kb_dir)
    assert result.kb is None
    (err,) = result.errors
    assert err.file.endswith("kampanye.yaml")
    assert err.line is not None and err.line >= line_of(f, "verdict: [dilarang")
    assert "YAML syntax error" in err.message


def test_unknown_field(kb_dir: Path) -> None:
    f = kb_dir / "kampanye.yaml"
    edit(f, "    title: Ikut kampanye", "    title: Ikut kampanye\n    vedict: boleh")
    msg = only_error(kb_dir)
    assert "unknown field 'vedict'" in msg and "[ikut-kampanye]" in msg


def test_missing_field(kb_dir: Path) -> None:
    edit(kb_dir / "kampanye.yaml", "    answer: Tidak boleh. ASN dilarang ikut kampanye.\n", "")
    msg = only_error(kb_dir)
    assert "missing field 'answer'" in msg and "[ikut-kampanye]" in msg


def test_wrong_type(kb_dir: Path) -> None:
    edit(kb_dir / "kampanye.yaml", "    keywords: [kampanye, rapat umum]", "    keywords: kampanye")
    assert "'keywords' must be a list" in only_error(kb_dir)


def test_unknown_verdict(kb_dir: Path) -> None:
    edit(kb_dir / "kampanye.yaml", "    verdict: dilarang", "    verdict: terlarang")
    assert "'verdict' must be one of" in only_error(kb_dir)


def test_duplicate_id(kb_dir: Path) -> None:
    edit(kb_dir / "media-sosial.yaml", "  - id: hak-pilih", "  - id: ikut-kampanye")
    result = load_knowledge(kb_dir)
    assert any("duplicate id" in str(e) for e in result.errors)


def test_related_must_exist(kb_dir: Path) -> None:
    f = kb_dir / "kampanye.yaml"
    edit(f, "    related: [medsos-like]", "    related: [medsos-like, tidak-ada]")
    result = load_knowledge(kb_dir)
    (err,) = result.errors
    assert "related id 'tidak-ada' does not exist" in err.message
    assert err.line == line_of(f, "related:")
    assert err.entry_id == "ikut-kampanye"


def test_each_mistake_once_where_it_is(kb_dir: Path) -> None:
    # A misspelt verdict drops the entry, but its own wrong related id is still reported,
    # and the entry linking to it (medsos-like -> ikut-kampanye) gets no cascade error.
    f = kb_dir / "kampanye.yaml"
    edit(f, "    verdict: dilarang", "    verdict: dilarng")
    edit(f, "    related: [medsos-like]", "    related: [medsos-like, tidak-ada]")
    result = load_knowledge(kb_dir)
    assert [(Path(e.file).name, e.line, e.entry_id, e.message) for e in result.errors] == [
        (
            "kampanye.yaml",
            line_of(f, "verdict:"),
            "ikut-kampanye",
            "'verdict' must be one of dilarang, boleh, bersyarat, info",
        ),
        (
            "kampanye.yaml",
            line_of(f, "related:"),
            "ikut-kampanye",
            "related id 'tidak-ada' does not exist",
        ),
    ]


def test_empty_answer(kb_dir: Path) -> None:
    edit(
        kb_dir / "kampanye.yaml",
        "    answer: Tidak boleh. ASN dilarang ikut kampanye.",
        "    answer: '  '",
    )
    assert "'answer' must be a non-empty string" in only_error(kb_dir)


def test_dilarang_needs_legal_basis(kb_dir: Path) -> None:
    f = kb_dir / "kampanye.yaml"
    edit(
        f,
        "    legal_basis:\n      - regulation: PP 94/2021 tentang Disiplin PNS\n"
        "        article: Pasal 5 huruf n\n",
        "",
    )
    assert "needs a legal_basis" in only_error(kb_dir)


def test_boleh_needs_no_legal_basis(kb_dir: Path) -> None:
    result = load_knowledge(kb_dir)
    assert result.kb is not None
    entry = result.kb.get("hak-pilih")
    assert entry is not None and entry.legal_basis == ()


def test_too_few_phrasings(kb_dir: Path) -> None:
    edit(kb_dir / "media-sosial.yaml", "      - asn punya hak suara\n", "")
    assert "only 6 phrasings; at least 7" in only_error(kb_dir)


def test_same_phrasing_under_two_entries(kb_dir: Path) -> None:
    # Differs in case, punctuation and a synonym: the same after normalisation.
    edit(
        kb_dir / "media-sosial.yaml",
        "      - asn punya hak suara",
        "      - PNS datang ke KAMPANYE, boleh?",
    )
    msg = only_error(kb_dir)
    assert "is the same as 'pns datang ke kampanye boleh' of 'ikut-kampanye'" in msg


def test_near_duplicate_is_a_warning(kb_dir: Path) -> None:
    edit(
        kb_dir / "media-sosial.yaml",
        "      - asn punya hak suara",
        "      - asn menghadiri kampanye saat cutti",
    )
    result = load_knowledge(kb_dir)
    assert result.kb is not None  # still usable
    assert any("nearly the same" in str(w) for w in result.warnings)


def test_category_mismatch(kb_dir: Path) -> None:
    edit(
        kb_dir / "kampanye.yaml",
        "    title: Ikut kampanye",
        "    title: Ikut kampanye\n    category: lain",
    )
    assert "differs from the file's 'kampanye'" in only_error(kb_dir)


def test_bad_lexicon(kb_dir: Path) -> None:
    edit(kb_dir / "sinonim.yaml", "  instagram: [ig]", "  instagram: ig")
    assert "synonym 'instagram' needs a list" in only_error(kb_dir)


def test_unknown_smalltalk_kind(kb_dir: Path) -> None:
    lexicon_plus(kb_dir, "sapaan:\n  pamit: [dadah]\n")
    assert "unknown 'sapaan' kind 'pamit'" in only_error(kb_dir)


def test_missing_folder(tmp_path: Path) -> None:
    result = load_knowledge(tmp_path / "nope")
    assert result.kb is None and "folder not found" in str(result.errors[0])


def test_every_error_is_reported_at_once(kb_dir: Path) -> None:
    edit(kb_dir / "kampanye.yaml", "    verdict: dilarang", "    verdict: terlarang")
    edit(kb_dir / "media-sosial.yaml", "  - id: hak-pilih", "  - id: Hak Pilih")
    result = load_knowledge(kb_dir)
    messages = " ".join(str(e) for e in result.errors)
    assert "'verdict' must be one of" in messages and "lower-case slug" in messages


def test_offtopic_topics_load(kb_dir: Path) -> None:
    result = load_knowledge(kb_dir)
    assert result.kb is not None
    assert [t.id for t in result.kb.offtopics] == ["gaji-tunjangan", "cuti"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - id: cuti\n", "  - id: ikut-kampanye\n", "duplicate id (an entry or topic has it)"),
        ("  - id: cuti\n", "  - id: gaji-tunjangan\n", "duplicate id (an entry or topic has it)"),
        (
            "    referral: Silakan tanyakan ke bagian kepegawaian instansi",
            "    referal: x",
            "unknown field 'referal' in the topic",
        ),
        (
            "      - cuti tahunan berapa hari",
            "      - Apakah ASN boleh ikut kampanye?",
            "is the same as 'Apakah ASN boleh ikut kampanye?' of 'ikut-kampanye'",
        ),
        ("topics:", "topik:", "expected a mapping with one key, 'topics'"),
        ("    unless: [kampanye, berkampanye]", "    unless: kampanye", "'unless' must be a list"),
        (
            "    unless: [kampanye, berkampanye]",
            "    subjects: mahasiswa",
            "'subjects' must be a list of words or phrases",
        ),
        (
            "    questions:\n      - cuti tahunan berapa hari\n      - syarat cuti melahirkan\n"
            "      - cara mengajukan cuti besar\n",
            "",
            "a topic needs 'questions' or 'subjects'",
        ),
    ],
    ids=[
        "id-of-entry",
        "id-twice",
        "unknown-field",
        "phrasing-of-entry",
        "shape",
        "unless",
        "subjects",
        "nothing-to-match",
    ],
)
def test_offtopic_file_errors(kb_dir: Path, old: str, new: str, message: str) -> None:
    path = kb_dir / "luar-cakupan.yaml"
    edit(path, old, new)
    error = only_error(kb_dir)
    assert "luar-cakupan.yaml" in error and message in error


# -- provenance and status fields (issue 9) --------------------------------------------


def test_status_fields_load(kb_dir: Path) -> None:
    result = load_knowledge(kb_dir, today=date(2026, 12, 7))
    assert result.kb is not None and result.problems == ()
    entry = result.kb.get("ikut-kampanye")
    assert entry is not None
    note = entry.for_status("pppk")
    assert note is not None and note.verdict is None
    assert note.sanction == "Pemutusan hubungan perjanjian kerja bila berat."
    assert entry.for_status("cpns") is None and entry.for_status(None) is None
    assert entry.sources[0].regulation == "PP 94/2021 tentang Disiplin PNS"
    assert entry.reviewed == date(2026, 12, 6)
    page = result.kb.get("medsos-like")
    assert page is not None and page.sources[0].url == "https://example.org/netral?a=1&b=2"
    assert result.kb.reviewed == date(2026, 12, 1)  # the oldest review date


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # sources: required for dilarang/bersyarat, and well formed
        (
            "    sources:\n      - regulation: PP 94/2021 tentang Disiplin PNS\n",
            "",
            "needs sources",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - PP 94/2021\n    reviewed",
            "each sources item must be a mapping",
        ),
        (
            "    sources:\n      - regulation: PP 94/2021 tentang Disiplin PNS\n",
            "    sources: []\n",
            "'sources' must be a non-empty list",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - publisher: BKN\n    reviewed",
            "either 'regulation' or 'title'",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - regulation: PP 94/2021\n        title: x\n    reviewed",
            "either 'regulation' or 'title'",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - regulation: PP 94/2021\n        url: https://bkn.go.id\n    reviewed",
            "takes no publisher or url",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - title: FAQ\n        url: bkn.go.id/faq\n    reviewed",
            "is not an http(s) URL",
        ),
        (
            "      - regulation: PP 94/2021 tentang Disiplin PNS\n    reviewed",
            "      - title: FAQ\n        link: https://bkn.go.id\n    reviewed",
            "unknown field 'link' in sources",
        ),
        # by_status: known statuses, a note, valid verdicts
        ("      pppk:\n", "      p3k:\n", "unknown status 'p3k'"),
        (
            "        note: Larangan yang sama berlaku bagi PPPK."
            " Hukumannya mengikuti PP 49/2018.\n",
            "",
            "missing field 'note' in by_status 'pppk'",
        ),
        (
            "      pppk:\n",
            "      pppk:\n        verdict: terlarang\n",
            "by_status 'pppk': 'verdict' must be one of",
        ),
        (
            "      pppk:\n",
            "      pppk:\n        hukuman: berat\n",
            "unknown field 'hukuman' in by_status 'pppk'",
        ),
        (
            "    by_status:\n      pppk:\n        note: Larangan yang sama berlaku bagi PPPK."
            " Hukumannya mengikuti PP 49/2018.\n"
            "        sanction: Pemutusan hubungan perjanjian kerja bila berat.\n",
            "    by_status: [pppk]\n",
            "'by_status' must map a status to its note",
        ),
        # verdict_note and reviewed
        (
            "    verdict: dilarang\n",
            "    verdict: dilarang\n    verdict_note: ''\n",
            "'verdict_note' must be a non-empty string",
        ),
        (
            "    verdict: dilarang\n",
            "    verdict: dilarang\n    verdict_note: " + "x" * 81 + "\n",
            "'verdict_note' is longer than 80",
        ),
        ("    reviewed: 2026-12-06\n", "    reviewed: kemarin\n", "'reviewed' must be a date"),
        ("    reviewed: 2026-12-06\n", "    reviewed: 2026-13-01\n", "'reviewed' must be a date"),
        ("    reviewed: 2026-12-06\n", "    reviewed: 2030-01-01\n", "is in the future"),
    ],
)
def test_status_and_source_errors(kb_dir: Path, old: str, new: str, message: str) -> None:
    f = kb_dir / "kampanye.yaml"
    edit(f, old, new)
    result = load_knowledge(kb_dir, today=date(2026, 12, 7))
    assert result.kb is None
    (err,) = result.errors  # reported once, at the field's line
    assert message in err.message, err
    assert err.entry_id == "ikut-kampanye" and err.file.endswith("kampanye.yaml")
    if message == "needs sources":  # the field is missing: the entry's line
        assert err.line == line_of(f, "  - id: ikut-kampanye")
    else:
        assert err.line == line_of(f, f"    {_field_of(message)}:")


def _field_of(message: str) -> str:
    """The entry field an error message of the table above is about."""
    for words, field in (
        (("status",), "by_status"),
        (("source", "regulation", "url", "http"), "sources"),
        (("verdict_note",), "verdict_note"),
        (("reviewed", "future"), "reviewed"),
    ):
        if any(w in message for w in words):
            return field
    raise AssertionError(message)


def test_old_or_missing_review_date_is_a_warning(kb_dir: Path) -> None:
    result = load_knowledge(kb_dir, today=date(2028, 1, 1))
    assert result.kb is not None  # still usable
    old = [w for w in result.warnings if "last reviewed" in w.message]
    assert {w.entry_id for w in old} == {"ikut-kampanye", "medsos-like", "hak-pilih"}
    edit(kb_dir / "media-sosial.yaml", "    reviewed: 2026-12-01\n", "")
    result = load_knowledge(kb_dir, today=date(2026, 12, 7))
    (warning,) = result.warnings
    assert warning.entry_id == "medsos-like" and "no 'reviewed' date" in warning.message


def test_a_dropped_entry_is_no_missing_related_id(kb_dir: Path) -> None:
    """An entry rejected for its own error is reported once, not again by every reference."""
    edit(kb_dir / "media-sosial.yaml", "    reviewed: 2026-12-01\n", "    reviewed: nanti\n")
    result = load_knowledge(kb_dir, today=date(2026, 12, 7))
    (err,) = result.errors
    assert err.entry_id == "medsos-like" and "'reviewed' must be a date" in err.message


def test_a_place_that_is_also_a_synonym_is_an_error(kb_dir: Path) -> None:
    lexicon_plus(kb_dir, "\ntempat: [lamongan, pns]\n")
    assert "tempat: 'pns' is also a synonym" in only_error(kb_dir)


def test_places_load_as_one_spaced_phrases(kb_dir: Path) -> None:
    lexicon_plus(kb_dir, "\ntempat: [Lamongan, ' kutai   kartanegara ']\n")
    result = load_knowledge(kb_dir)
    assert result.kb is not None
    assert result.kb.lexicon.places == frozenset({"lamongan", "kutai kartanegara"})


def test_not_acts_load_and_must_be_a_list_of_words(kb_dir: Path) -> None:
    lexicon_plus(kb_dir, "\nbukan_perbuatan: [Camat, alun-alun]\n")
    result = load_knowledge(kb_dir)
    assert result.kb is not None
    assert result.kb.lexicon.not_acts == frozenset({"camat", "alun-alun"})
    lexicon_plus(kb_dir, "\nbukan_perbuatan: {camat: 1}\n")
    assert "'bukan_perbuatan' must be a list of words" in only_error(kb_dir)
