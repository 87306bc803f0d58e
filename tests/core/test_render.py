"""Reply rendering: verdict line, escaping, buttons, splitting."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest

from bot.core.engine import Engine
from bot.core.matcher import Candidate, MatchResult
from bot.core.models import KnowledgeBase, StatusNote
from bot.core.render import (
    TELEGRAM_LIMIT,
    Button,
    first_sentence,
    format_date,
    render_ambiguous,
    render_entry,
    render_no_match,
    render_sources,
    split_message,
    verdict_label,
)


@pytest.mark.parametrize(
    ("verdict", "label"),
    [
        ("dilarang", "⛔ DILARANG"),
        ("boleh", "✅ BOLEH"),
        ("bersyarat", "⚠️ BERSYARAT"),
        ("info", "ℹ️ INFO"),
    ],
)
def test_verdict_label(verdict: str, label: str) -> None:
    assert verdict_label(verdict) == label


def test_entry_card_has_all_parts(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("ikut-kampanye")
    assert entry is not None
    reply = render_entry(entry, small_kb)
    assert reply.text.startswith("⛔ DILARANG — Ikut kampanye\n\nTidak boleh.")
    assert "Dasar hukum:\n• PP 94/2021 tentang Disiplin PNS, Pasal 5 huruf n" in reply.text
    assert "Sanksi: Hukuman disiplin sedang." in reply.text
    kinds = [b.kind for b in reply.flat_buttons()]
    assert kinds == ["related", "sources", "feedback_up", "feedback_down"]
    assert reply.flat_buttons()[0].entry_id == "medsos-like"


class _TagChecker(HTMLParser):
    ALLOWED = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag


def test_yaml_text_is_escaped_in_html(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("medsos-like")
    assert entry is not None
    reply = render_entry(entry, small_kb)
    # Title "<postingan>", answer with "&", quote with '"' all come from YAML.
    assert "&lt;postingan&gt;" in reply.html
    assert "Menyukai &amp; membagikan" in reply.html
    assert "<postingan>" not in reply.html
    checker = _TagChecker()
    checker.feed(reply.html)
    assert checker.stack == []
    # The plain text keeps the characters as they are.
    assert "<postingan>" in reply.text


def test_no_match_reply_is_polite_and_promises_nothing() -> None:
    # Core does not log, so it never says "dicatat": the Telegram side adds that line.
    reply = render_no_match()
    assert reply.text.startswith("Maaf")
    assert "Contoh pertanyaan" in reply.text
    assert "dicatat" not in reply.text and "dicatat" not in reply.html


def test_with_note_adds_a_paragraph_in_both_renderings() -> None:
    reply = render_no_match().with_note("Dicatat <admin> & tim.")
    assert reply.text.endswith("\n\nDicatat <admin> & tim.")
    assert reply.html.endswith("\n\nDicatat &lt;admin&gt; &amp; tim.")
    assert reply.buttons == render_no_match().buttons


def test_ambiguous_reply_lists_suggestions(small_kb: KnowledgeBase) -> None:
    entries = [small_kb.get("ikut-kampanye"), small_kb.get("medsos-like")]
    candidates = tuple(
        Candidate(e, 0.5, 0.5, 0.5, 0.5, e.canonical_question) for e in entries if e is not None
    )
    reply = render_ambiguous(MatchResult("ambiguous", "asn boleh", ("asn",), candidates))
    assert reply.text == (
        "Maksud Anda:\n1. Apakah ASN boleh ikut kampanye?\n"
        "2. Apakah ASN boleh like postingan calon di media sosial?"
    )
    assert [(b.kind, b.entry_id) for b in reply.flat_buttons()] == [
        ("suggestion", "ikut-kampanye"),
        ("suggestion", "medsos-like"),
    ]
    assert reply.html.startswith("<b>Maksud Anda:</b>")


def test_split_short_text_untouched() -> None:
    assert split_message("halo") == ["halo"]


def test_split_at_paragraphs() -> None:
    paragraphs = [("kata " * 300).strip() for _ in range(5)]  # ~1,500 characters each
    text = "\n\n".join(paragraphs)
    chunks = split_message(text)
    assert all(len(c) <= TELEGRAM_LIMIT for c in chunks)
    assert "\n\n".join(chunks) == text
    assert len(chunks) == 3


def test_split_long_paragraph_by_words() -> None:
    text = " ".join(f"kata{i}" for i in range(3000))
    chunks = split_message(text, limit=1000)
    assert all(len(c) <= 1000 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_split_single_huge_word() -> None:
    chunks = split_message("x" * 9000, limit=4096)
    assert [len(c) for c in chunks] == [4096, 4096, 808]


def test_split_keeps_every_character() -> None:
    text = "a\nb " * 3000
    chunks = split_message(text, limit=500)
    assert all(len(c) <= 500 for c in chunks)
    assert re.sub(r"\s", "", "".join(chunks)) == re.sub(r"\s", "", text)


def test_bounded_question_never_cuts_a_word() -> None:
    from bot.core.engine import bounded

    assert bounded("abc def", limit=5) == "abc"
    assert bounded("abc def", limit=4) == "abc"
    assert bounded("abc", limit=5) == "abc"
    assert bounded("x" * 10, limit=4) == "xxxx"  # one huge word: cut anyway


def test_offtopic_reply_names_the_topic_and_where_to_ask(small_engine: Engine) -> None:
    answer = small_engine.ask("berapa gaji pns golongan 3b")
    assert answer.result.status == "no_match"
    text, html_text = answer.reply.text, answer.reply.html
    assert text.startswith(
        "Maaf, pertanyaan Anda tampaknya tentang Gaji & tunjangan <ASN>, di luar"
    )
    assert "bagian kepegawaian atau keuangan" in text and "Contoh pertanyaan" in text
    assert "Gaji &amp; tunjangan &lt;ASN&gt;" in html_text and "<ASN>" not in html_text


# -- status notes, sources and review date (issue 9) -----------------------------------


def test_card_without_status_lists_each_status_in_one_line(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("ikut-kampanye")
    assert entry is not None
    parts = render_entry(entry, small_kb).text.split("\n\n")
    assert parts[1] == "Tidak boleh. ASN dilarang ikut kampanye."
    # only the note's first sentence, under the general answer
    assert parts[2] == "Menurut status penanya:\n• PPPK: Larangan yang sama berlaku bagi PPPK."
    assert parts[-1] == "🗓️ Isi hukum terakhir ditinjau 6 Desember 2026."


def test_card_with_status_puts_its_note_and_sanction_first(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("ikut-kampanye")
    assert entry is not None
    parts = render_entry(entry, small_kb, status="pppk").text.split("\n\n")
    assert parts[0] == "⛔ DILARANG — Ikut kampanye"
    assert parts[1] == (
        "Untuk PPPK: Larangan yang sama berlaku bagi PPPK. Hukumannya mengikuti PP 49/2018."
    )
    assert parts[2] == "Aturan umum: Tidak boleh. ASN dilarang ikut kampanye."
    assert "Sanksi bagi PPPK: Pemutusan hubungan perjanjian kerja bila berat." in parts
    assert "Sanksi (aturan umum): Hukuman disiplin sedang." in parts
    assert "Menurut status penanya:" not in "\n".join(parts)


def test_a_status_without_a_note_gets_the_general_card(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("ikut-kampanye")
    assert entry is not None
    assert render_entry(entry, small_kb, status="cpns") == render_entry(entry, small_kb)


@pytest.mark.parametrize(
    ("status", "head"),
    [
        (None, "⚠️ BERSYARAT (hanya bagi PNS yang sedang CLTN) — Ikut kampanye"),
        ("pns", "⚠️ BERSYARAT (hanya bagi PNS yang sedang CLTN) — Ikut kampanye"),
        ("pppk", "⛔ DILARANG bagi PPPK — Ikut kampanye"),
    ],
)
def test_verdict_line_carries_the_condition_or_the_status_verdict(
    small_kb: KnowledgeBase, status: str | None, head: str
) -> None:
    entry = small_kb.get("ikut-kampanye")
    assert entry is not None
    notes = (
        ("pns", StatusNote("PNS hanya dengan CLTN.")),
        ("pppk", StatusNote("PPPK tidak berhak CLTN.", verdict="dilarang")),
    )
    conditional = replace(
        entry, verdict="bersyarat", verdict_note="hanya bagi PNS yang sedang CLTN", by_status=notes
    )
    reply = render_entry(conditional, small_kb, status=status)
    assert reply.text.split("\n\n")[0] == head
    assert reply.html.startswith(f"<b>{head}</b>")


def test_sources_button_and_reply(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("medsos-like")
    assert entry is not None
    buttons = render_entry(entry, small_kb).flat_buttons()
    assert [b for b in buttons if b.kind == "sources"] == [
        Button("sources", "📚 Sumber", "medsos-like")
    ]
    reply = render_sources(entry)
    assert reply.text == (
        "📚 Sumber — Like dan share <postingan>\n"
        "• Netralitas <ASN> & media sosial (Contoh): https://example.org/netral?a=1&b=2\n"
        "\n🗓️ Isi hukum terakhir ditinjau 1 Desember 2026."
    )
    # page titles and addresses are escaped; the link is a Telegram-safe <a href>
    assert (
        '<a href="https://example.org/netral?a=1&amp;b=2">Netralitas &lt;ASN&gt; &amp; media '
        "sosial (Contoh)</a>" in reply.html
    )
    checker = _TagChecker()
    checker.feed(reply.html)
    assert checker.stack == []


def test_entry_without_sources_has_no_sources_button(small_kb: KnowledgeBase) -> None:
    entry = small_kb.get("hak-pilih")
    assert entry is not None
    assert all(b.kind != "sources" for b in render_entry(entry, small_kb).flat_buttons())


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Satu kalimat saja.", "Satu kalimat saja."),
        ("Boleh. Tetapi ada syarat.", "Boleh."),
        ("Diatur PP 11/2017 jo. PP 17/2020. Lainnya.", "Diatur PP 11/2017 jo. PP 17/2020."),
        ("Pasal 52 ayat (3) dan (4). Berlaku bagi PPPK.", "Pasal 52 ayat (3) dan (4)."),
        (
            "Lihat pasal 5. huruf n tetap satu kalimat.",
            "Lihat pasal 5. huruf n tetap satu kalimat.",
        ),
    ],
)
def test_first_sentence(text: str, first: str) -> None:
    assert first_sentence(text) == first


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2026, 12, 6), "6 Desember 2026"), (date(2025, 1, 31), "31 Januari 2025")],
)
def test_format_date(day: date, text: str) -> None:
    assert format_date(day) == text


def test_engine_detects_the_status_unless_given(small_engine: Engine) -> None:
    detected = small_engine.ask("saya pppk, boleh datang ke kampanye?")
    assert detected.status == "pppk"
    assert detected.reply.text.split("\n\n")[1].startswith("Untuk PPPK:")
    given = small_engine.ask("boleh datang ke kampanye?", status="pppk")
    assert given.status == "pppk" and given.reply.text == detected.reply.text
    plain = small_engine.ask("boleh datang ke kampanye?")
    assert plain.status is None and "Menurut status penanya:" in plain.reply.text
