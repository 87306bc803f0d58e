"""detect_status: the asker's status named in a question, and what must not count as one."""

from __future__ import annotations

import pytest

from bot.core.asker import detect_status
from bot.core.models import STATUSES


@pytest.mark.parametrize(
    ("question", "status"),
    [
        # PPPK, with its spellings and kinds
        ("saya pppk, suami saya caleg, boleh saya dampingi?", "pppk"),
        ("mendampingi istri daftar ke kpu, saya pppk", "pppk"),
        ("guru p3k jd tim sukses cabup, aman ga", "pppk"),
        ("sy P3K paruh waktu boleh like postingan capres?", "pppk"),
        ("pppk paruh waktu wajib netral juga?", "pppk"),
        ("saya ppppk boleh ikut kampanye?", "pppk"),
        ("saya p 3 k, boleh pasang twibbon?", "pppk"),
        ("pegawai pemerintah dengan perjanjian kerja boleh kampanye?", "pppk"),
        # regional first persons name the asker as "saya" does
        ("kalau ulun pppk?", "pppk"),
        ("awak pppk, buliah ikuik kampanye?", "pppk"),
        ("sa ini kepala sekolah, sama juga ka?", "pejabat"),
        ("beta pung suami caleg, beta pns", "pns"),
        ("kulo pns, angsal melu kampanye?", "pns"),
        # CPNS before PNS: "cpns" contains "pns"
        ("sy cpns blm latsar, wajib netral?", "cpns"),
        ("saya c pns, boleh jadi timses?", "cpns"),
        ("calon pns boleh ikut kampanye?", "cpns"),
        # PNS
        ("pns boleh like postingan calon?", "pns"),
        ("bidan pns mau ikut pilkades", "pns"),
        ("pegawai negeri sipil boleh jadi relawan?", "pns"),
        ("sekretariat ppk boleh diisi pns?", "pns"),  # ppk is not pppk
        ("pns maju jadi calon bupati", "pns"),  # a candidate's title is not the asker's
        # honorer and other non-ASN staff, with typos
        ("saya honorer boleh ikut kampanye?", "honorer"),
        ("saya hononer di sekolah, boleh pasang baliho?", "honorer"),
        ("aku cuma non-asn, wajib netral?", "honorer"),
        ("saya tenaga kontrak di dinas, boleh jadi timses?", "honorer"),
        ("sy thl di kecamatan, boleh kampanye?", "honorer"),
        # officials: as the asker or as the opening subject
        ("saya kepala sekolah, boleh foto dengan calon?", "pejabat"),
        ("camat boleh hadir di acara calon?", "pejabat"),
        ("kalau lurah ikut kampanye gimana?", "pejabat"),
        ("sy kades, boleh dukung paslon?", "pejabat"),
        ("kadis boleh bikin program bareng calon?", "pejabat"),
        ("saya kepala puskesmas diundang jalan sehat caleg", "pejabat"),
        ("sebagai sekda, saya boleh hadir deklarasi?", "pejabat"),
        ("bupati boleh mutasi kepala sekolah menjelang pilkada?", "pejabat"),
        # the asker named in the first person wins over anyone else in the question
        ("suami saya pns, saya pppk, boleh ikut kampanye suami?", "pppk"),
        ("istri saya caleg, saya pns boleh dampingi?", "pns"),
        ("atasan saya camat, saya pppk, disuruh datang ke acara calon", "pppk"),
        # someone else's status, when the asker names none: the question is about them
        ("suami saya pns, boleh dia ikut kampanye?", "pns"),
    ],
)
def test_detects_the_asker(question: str, status: str) -> None:
    assert status in STATUSES
    assert detect_status(question) == status


@pytest.mark.parametrize(
    "question",
    [
        # PPK is also the Panitia Pemilihan Kecamatan and the Pejabat Pembina Kepegawaian
        "asn boleh jadi anggota ppk pemilu?",
        "ppk instansi yang menjatuhkan hukuman?",
        # no status at all
        "asn boleh ikut kampanye?",
        "guru boleh pasang stiker calon di motor?",
        "netralitas asn artinya apa",
        "honor pengawas tps berapa",
        "kasi tau dong aturan netralitas",
        # an official who is not the asker nor the subject
        "diajak kabid ke deklarasi cawalkot, salah ga?",
        "foto sama bupati petahana boleh?",
    ],
)
def test_no_false_status(question: str) -> None:
    assert detect_status(question) is None


def test_empty_and_blank() -> None:
    assert detect_status("") is None
    assert detect_status("   ") is None
