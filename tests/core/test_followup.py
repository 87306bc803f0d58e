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
        # an acknowledgement before the opener
        ("oke, terus klo saya udah ganti fotonya, masih bisa dilaporin?", "elliptical"),
        ("oh gitu, kalau cuma di grup alumni?", "elliptical"),
        # a status named in passing does not make a few words a new question
        ("yg ngajak itu kepala dinas langsung, gimana?", "short"),
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


@pytest.mark.parametrize(
    ("message", "returns", "rest"),
    [
        (
            "balik ke yg tadi, hadirnya aja itu sanksinya apa?",
            True,
            "hadirnya aja itu sanksinya apa?",
        ),
        (
            "ok, balik lagi soal timses tadi, kalau cuma bantu?",
            True,
            "ok, timses tadi, kalau cuma bantu?",
        ),
        ("kembali ke pertanyaan awal, boleh gak?", True, "boleh gak?"),
        ("back to the first one: what about stickers?", True, ": what about stickers?"),
        ("kalau dipecat, iuran taspen balik gak?", False, "kalau dipecat, iuran taspen balik gak?"),
    ],
)
def test_a_return_to_the_earlier_subject(message: str, returns: bool, rest: str) -> None:
    assert FollowUpReader.returns(message) is returns
    assert FollowUpReader.without_pointer(message) == rest


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("langsung dipecat?", True),
        ("masuk hukuman berat gak?", True),
        ("camatnya bisa dicopot?", True),  # removal from office is a punishment
        ("masih bisa dilaporin?", False),  # being reported is not
        ("bakal ditindak gak?", False),
        ("lapor ke mana?", False),
    ],
)
def test_a_punishment_is_named(reader: FollowUpReader, message: str, named: bool) -> None:
    assert reader.punishment(message) is named
