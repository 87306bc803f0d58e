"""The knowledge base stays legally right for every asker (issue 9, legal-review.md).

Content checks over the real knowledge base: provenance on every entry, PPPK covered wherever
a PNS-only rule is cited, no repealed rule or body presented as current, the conditional
answers stating their conditions, and status-specific questions getting their status's note.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.engine import Engine
from bot.core.models import KnowledgeBase
from bot.core.render import render_entry, status_label
from bot.knowledge import require_knowledge
from bot.tg import texts
from tests.conftest import KNOWLEDGE

REVIEW_SET = Path(__file__).resolve().parents[1] / "data" / "legal_review.yaml"
_KB = require_knowledge(KNOWLEDGE)
ENTRY_IDS = [e.id for e in _KB.entries]
REVIEW_CASES: list[dict[str, Any]] = yaml.safe_load(REVIEW_SET.read_text(encoding="utf-8"))
# Entries that rest on PP 94/2021, the PNS discipline rule (not counting 'boleh' answers)
PP94_IDS = [
    e.id
    for e in _KB.entries
    if e.verdict != "boleh"
    and any(
        "PP 94/2021" in t
        for t in (e.answer, e.sanction or "", *(b.regulation for b in e.legal_basis))
    )
]
STATUS_IDS = [e.id for e in _KB.entries if e.by_status]


def test_the_selections_are_not_empty() -> None:
    assert len(PP94_IDS) >= 15 and len(STATUS_IDS) >= len(PP94_IDS)


def _texts(kb: KnowledgeBase, entry_id: str) -> list[str]:
    """Every piece of user-facing legal text of an entry."""
    e = kb.get(entry_id)
    assert e is not None
    out = [e.answer, e.sanction or "", e.verdict_note or ""]
    out += [f"{b.citation()} {b.quote or ''}" for b in e.legal_basis]
    out += [f"{n.note} {n.sanction or ''}" for _, n in e.by_status]
    out += [s.label() for s in e.sources]
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;!?])\s+", text) if s]


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_every_entry_has_sources_and_review_date(kb: KnowledgeBase, entry_id: str) -> None:
    entry = kb.get(entry_id)
    assert entry is not None
    assert entry.sources, "every entry lists what it rests on"
    assert entry.reviewed is not None


@pytest.mark.parametrize("entry_id", PP94_IDS)
def test_pns_only_rules_also_cover_pppk(kb: KnowledgeBase, entry_id: str) -> None:
    """An entry citing PP 94/2021 (PNS discipline) says what applies to a PPPK."""
    entry = kb.get(entry_id)
    assert entry is not None
    note = entry.for_status("pppk")
    pppk_text = f"{note.note} {note.sanction or ''}" if note else ""
    assert "PP 49/2018" in pppk_text or "PP 49/2018" in entry.answer


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_no_repealed_rule_or_body_as_current(kb: KnowledgeBase, entry_id: str) -> None:
    for text in _texts(kb, entry_id):
        for sentence in _sentences(text):
            if re.search(r"UU 5/2014|PP 53/2010", sentence):
                assert "dicabut" in sentence, sentence
            assert not re.search(r"(lapor\w*|adu\w*)\s+(ke|kepada)\s+KASN", sentence, re.I)
            assert not re.search(
                r"KASN\s+(meng|ber|menang|menjatuh|merekomen|adalah|yang\s+mengawasi)", sentence
            ), sentence
            assert "UU 10/2016 tentang Pemilihan Gubernur" not in sentence, "cite UU Pilkada"


def test_about_text_is_current() -> None:
    assert "UU 10/2016 tentang Pilkada" not in texts.ABOUT_HTML
    assert "PP 49/2018" in texts.ABOUT_HTML
    assert "dialihkan" in texts.ABOUT_HTML


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_heaviest_sanction_gives_the_uu_20_2023_reading(kb: KnowledgeBase, entry_id: str) -> None:
    """'Dismissal with honour' (PP 94/2021 Pasal 8) never stands without UU 20/2023 Pasal 52(4)."""
    entry = kb.get(entry_id)
    assert entry is not None
    for text in (entry.answer, entry.sanction or ""):
        if re.search(r"pemberhentian dengan hormat|dengan hormat tidak atas permintaan", text):
            assert "tidak dengan hormat" in text and "Pasal 52" in text


def test_spouse_answer_states_the_cltn_condition(kb: KnowledgeBase) -> None:
    entry = kb.get("pasangan-calon")
    assert entry is not None
    assert entry.verdict == "bersyarat"
    assert entry.verdict_note is not None and "CLTN" in entry.verdict_note
    first = _sentences(entry.answer)[0]
    assert "CLTN" in first or "cuti di luar tanggungan negara" in first
    assert "PPPK" in entry.answer
    for status in ("pppk", "cpns"):
        note = entry.for_status(status)
        assert note is not None and note.verdict == "dilarang", status


def test_party_approach_is_conditional_on_cltn(kb: KnowledgeBase) -> None:
    entry = kb.get("mendekati-partai")
    assert entry is not None
    assert entry.verdict == "bersyarat"
    assert "CLTN" in _sentences(entry.answer)[0]
    assert "3842/B-AU.02.01/SD/K/2024" in entry.answer
    assert "kemungkinan" not in (entry.sanction or "")
    note = entry.for_status("pppk")
    assert note is not None and note.verdict == "dilarang"


def test_candidacy_routes(kb: KnowledgeBase) -> None:
    entry = kb.get("mencalonkan-diri")
    assert entry is not None
    first = _sentences(entry.answer)[0]
    assert "mengundurkan diri" not in first and "mundur" not in first
    # village head: permission and temporary release, not resignation
    assert "kepala desa" in entry.answer
    assert "izin tertulis PPK" in entry.answer or "izin tertulis dari PPK" in entry.answer
    assert "tanpa kehilangan status PNS" in entry.answer
    assert "Permendagri 112/2014 Pasal 47" in entry.answer
    # pilkada: CLTN while approaching, resignation once set; legislative: at registration
    assert "CLTN" in entry.answer and "PKPU 8/2024" in entry.answer
    assert "PP 32/2018" in entry.answer


def test_transfer_rule_is_about_officials_and_acting_heads(kb: KnowledgeBase) -> None:
    entry = kb.get("mutasi-menjelang-pilkada")
    assert entry is not None
    assert entry.verdict == "bersyarat"
    assert "penjabat" in entry.answer and "Mendagri" in entry.answer
    assert "1575/SJ" in entry.answer and "pelaksana" in entry.answer


def test_campaign_team_crime_is_split_by_election(kb: KnowledgeBase) -> None:
    entry = kb.get("tim-kampanye")
    assert entry is not None and entry.sanction is not None
    sentence = next(s for s in _sentences(entry.sanction) if "Pasal 494" in s)
    assert sentence.startswith("Pemilu")
    assert "Pilkada" in entry.sanction and "Pasal 189" in entry.sanction


def test_photo_with_a_set_candidate_is_serious_by_itself(kb: KnowledgeBase) -> None:
    entry = kb.get("medsos-foto-calon")
    assert entry is not None and entry.sanction is not None
    assert entry.sanction.startswith("Mengunggah foto bersama calon")
    assert "selebihnya sanksi moral" not in entry.sanction


@pytest.mark.parametrize(
    "question",
    [
        "saya pppk, suami saya caleg, boleh saya dampingi?",
        "mendampingi istri daftar ke kpu, saya pppk",
        "sy p3k, istri nyalon dprd, boleh ikut nganter daftar ke kpu?",
        "saya pppk paruh waktu, suami maju pilkada, boleh hadir kampanyenya?",
    ],
)
def test_pppk_spouse_is_never_told_boleh(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.result.entry is not None and answer.result.entry.id == "pasangan-calon"
    assert answer.status == "pppk"
    head, first, *_ = answer.reply.text.split("\n\n")
    assert head.startswith("⛔ DILARANG bagi PPPK")
    assert first.startswith("Untuk PPPK:") and "CLTN" in first
    assert "BOLEH" not in head


@pytest.mark.parametrize(
    "question",
    [
        "sanksi p3k yang melanggar netralitas",
        "pppk tidak netral bisa diputus kontraknya?",
        "pppk ketahuan ikut kampanye sanksinya apa",
        "saya guru p3k, kalau like postingan capres kena sanksi apa?",
    ],
)
def test_pppk_asking_about_sanctions_sees_pp_49_2018(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.status == "pppk" and answer.result.entry is not None
    paragraphs = answer.reply.text.split("\n\n")
    assert paragraphs[1].startswith("Untuk PPPK:")
    assert "PP 49/2018" in paragraphs[1]
    assert "perjanjian kerja" in answer.reply.text


@pytest.mark.parametrize("entry_id", STATUS_IDS)
def test_each_status_note_comes_first_for_its_status(engine: Engine, entry_id: str) -> None:
    entry = engine.kb.get(entry_id)
    assert entry is not None
    for status, note in entry.by_status:
        card = render_entry(entry, engine.kb, status=status).text.split("\n\n")
        assert card[1] == f"Untuk {status_label(status)}: {note.note}"
        if note.sanction:
            assert f"Sanksi bagi {status_label(status)}: {note.sanction}" in card


@pytest.mark.parametrize(
    "case", REVIEW_CASES, ids=[f"{i}-{c['q'][:40]}" for i, c in enumerate(REVIEW_CASES)]
)
def test_review_questions_find_their_entry_and_status(engine: Engine, case: dict[str, Any]) -> None:
    answer = engine.ask(case["q"])
    assert answer.status == case["status"]
    if case["expect"] is None:
        assert answer.result.entry is None and answer.result.status == "no_match"
    else:
        assert answer.result.status == "answered"
        assert answer.result.entry is not None and answer.result.entry.id == case["expect"]


def test_referrals_point_to_the_right_office(kb: KnowledgeBase) -> None:
    referral = {t.id: t.referral for t in kb.offtopics}
    assert (
        "perselisihan hasil pemilu ditangani Mahkamah Konstitusi" in referral["hasil-dan-sengketa"]
    )
    assert "Bawaslu" in referral["petugas-pemilu-umum"]
    assert "pilkades" in referral["jadwal-tahapan-pemilu"]
    assert "KPK" in referral["disiplin-lain"] and "UPG" in referral["disiplin-lain"]
    assert "BP Tapera" in referral["pensiun-kesejahteraan"]
    assert "BUMN" in referral["warga-bukan-asn"]
