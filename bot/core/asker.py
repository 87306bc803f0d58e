"""Who is asking: the asker's employment status named in a question, if any.

``detect_status("saya pppk, suami saya caleg, boleh saya dampingi?")`` is ``"pppk"``. The
result is one of ``models.STATUSES`` or None; the answer card then puts that status's note
first. Only clear mentions count:

- ``ppk`` alone is never PPPK: it is also the Panitia Pemilihan Kecamatan and the Pejabat
  Pembina Kepegawaian;
- "asn" and "guru" say nothing about the status (an ASN is a PNS or a PPPK);
- "pejabat" words (camat, lurah, kepala dinas, ...) count only when they name the asker or
  open the question ("camat boleh hadir ...?"), not when they name someone else in it
  ("diajak kabid ke deklarasi").

When the question names the asker in the first person ("saya pppk", "sy ini cpns",
"sebagai kepala sekolah"), that mention wins over any other.
"""

from __future__ import annotations

import re
from typing import Final

# Status -> pattern of its words, matched on the lower-cased question.
_EMPLOYMENT: Final = (
    (
        "pppk",
        r"p{3,4}k(?:[\s-]*(?:pw|paruh\s*waktu|penuh\s*waktu))?|p\s?3\s?k|p3k\w*"
        r"|pegawai\s+pemerintah\s+dengan\s+perjanjian\s+kerja|perjanjian\s+kerja",
    ),
    ("cpns", r"c\s?pns|cpns\w*|calon\s+(?:pns|pegawai\s+negeri(?:\s+sipil)?)"),
    ("pns", r"pns|pegawai\s+negeri(?:\s+sipil)?"),
    (
        "honorer",
        r"hono?rer|hononer|honer|non[\s-]?asn|tenaga\s+(?:honorer|kontrak|harian\s+lepas)|thl|ptt|tkk"
        r"|outsourc\w*",
    ),
)
_PEJABAT: Final = (
    r"camat|sekcam|lurah|kepala\s+(?:desa|kelurahan|dinas|badan|sekolah|puskesmas|bagian"
    r"|bidang|seksi|kantor|uptd?|ruangan|rsud)|kades|kadis|kaban|kepsek|kapus|sekda"
    r"|sekdes|kabag|kabid|kasubb?ag|kasubbid|pejabat(?:\s+eselon)?|eselon\s*\w+"
    r"|direktur\s+rsud|(?:pj\s+|wakil\s+)?(?:bupati|wali\s*kota|gubernur)|wabup|wawali|wagub"
    r"|penjabat|plt\s+\w+"
)
_PATTERNS: Final = tuple(
    (s, re.compile(rf"\b(?:{p})\b")) for s, p in (*_EMPLOYMENT, ("pejabat", _PEJABAT))
)
# The asker naming themself: "saya pppk", "sy guru p3k", "sebagai camat".
_FIRST_PERSON: Final = re.compile(
    r"\b(?:(?:saya|sy|aku|aq|ak|gue|gw|gua|ane|kami|sya"
    # regional first persons: Javanese, Sundanese, Banjar, Minang, eastern Malay
    r"|kulo|kula|abdi|aing|ulun|awak|ambo|denai|beta|sa|inyong|nyong)"
    r"(?:\s+(?:ini|itu|adalah|seorang|sbg|sebagai|jadi|jd|masih|msh|cuma|cuman|hanya|hny|baru"
    r"|sudah|sdh|udah|udh|status(?:nya)?|kerja|bekerja|guru|bidan|perawat|dokter|staf|staff"
    r"|pegawai|tenaga|kan|kn|tu|nih|sih|yg|yang))*"
    r"|sebagai|sbg|status\s+(?:saya|sy|aku))[\s,:.-]+$"
)
# ... unless the word before is a relative or colleague: "suami saya pns" is not the asker.
_RELATIVE: Final = re.compile(
    r"\b(?:suami|istri|bini|anak|adik|adek|kakak|kaka|teman|temen|tmn|bapak|ayah|ibu|ortu"
    r"|mertua|atasan|bos|rekan|keluarga|keponakan|ponakan|sepupu|pacar|tetangga)"
    r"\s*(?:saya|sy|aku|gue|gw|ku)?[\s,:.-]+$"
)
# Words that may open a question before its subject: "kalau camat ...", "apakah pns ...".
_OPENERS: Final = re.compile(
    r"^(?:(?:kalau|kalo|klo|kl|apakah|apa|apkah|bolehkah|bolehkh|bila|jika|gimana|bagaimana"
    r"|misal|misalnya|kak|min|admin|pak|bu|halo|mau|tanya|nanya|izin|ijin|seorang|para|untuk"
    r"|utk|buat|bagi)\W*\s*)*$"
)


def detect_status(text: str) -> str | None:
    """The asker's status named in ``text`` (a key of ``models.STATUSES``), or None."""
    lowered = " ".join(text.lower().split())
    mentions: list[tuple[int, str]] = []
    for status, pattern in _PATTERNS:
        for m in pattern.finditer(lowered):
            mentions.append((m.start(), status))
    if not mentions:
        return None
    mentions.sort()
    first_person = [
        s
        for pos, s in mentions
        if _FIRST_PERSON.search(lowered[:pos]) and not _RELATIVE.search(lowered[:pos])
    ]
    if first_person:
        return first_person[0]
    for pos, status in mentions:
        if status != "pejabat":
            return status
        if _OPENERS.match(lowered[:pos]):
            return status
    return None
