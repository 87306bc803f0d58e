"""Telling follow-ups ("kalau pppk?", "hukumannya?") from questions that stand alone."""

from __future__ import annotations

import pytest

from bot.core.asker import detect_status
from bot.core.engine import Engine
from bot.core.followup import FollowUpReader


@pytest.fixture(scope="module")
def reader(engine: Engine) -> FollowUpReader:
    return FollowUpReader(engine.matcher.normalizer, detect_status)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # the sanction of what was just answered
        ("hukumannya apa?", "sanction"),
        ("sanksinya berat gak?", "sanction"),
        ("kalau ketahuan, bisa dipecat?", "sanction"),
        ("hukumnya apa min", "sanction"),
        ("terus dendanya berapa?", "sanction"),
        ("apa konsekuensinya?", "sanction"),
        ("what is the punishment?", "sanction"),
        # being reported or removed is what it costs; asking how to report is not
        ("masih bisa dilaporin?", "sanction"),
        ("kalau terbukti, bisa dicopot?", "sanction"),
        ("bakal ditindak gak?", "sanction"),
        # its legal basis
        ("aturannya di mana?", "legal"),
        ("dasar hukumnya apa min", "legal"),
        ("pasal berapa ya?", "legal"),
        ("itu di uu nomor berapa?", "legal"),
        ("sumbernya dari mana kak", "legal"),
        # the asker's status only
        ("kalau saya pppk?", "status"),
        ("kalo cpns gimana?", "status"),
        ("p3k juga?", "status"),
        ("foto bareng juga?", "elliptical"),
        ("saya honorer loh", "status"),
        ("kalau sebagai camat?", "status"),
        # continuations
        ("kalau lewat story IG?", "elliptical"),
        ("terus kalau sudah terlanjur?", "elliptical"),
        ("gimana kalau cuma di grup keluarga?", "elliptical"),
        ("nek neng fb?", "elliptical"),
        ("upami di tiktok?", "elliptical"),
        ("what if it's only on whatsapp?", "elliptical"),
        ("di hari libur?", "short"),
        ("resep rendang", "short"),
        ("kalau pasang stiker caleg di mobil pribadi?", "elliptical"),
    ],
)
def test_followups(reader: FollowUpReader, message: str, kind: str) -> None:
    assert reader.kind(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "boleh gak sih pns like postingan capres di ig",
        "apakah asn boleh menjadi anggota partai politik?",
        "saya guru pns, kemarin diajak kepala sekolah ikut rapat tim sukses salah satu caleg. "
        "apa saya boleh ikut?",
        "sanksi bagi asn yang ikut kampanye pilkada apa saja ya menurut aturan yang berlaku",
        "lapor asn yang pasang baliho caleg ke mana ya",
        "",
        "   ",
    ],
)
def test_standalone_questions(reader: FollowUpReader, message: str) -> None:
    assert reader.kind(message) is None
