"""Reply rendering: verdict line, escaping, buttons, splitting."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.core.engine import Engine
from bot.core.matcher import Candidate, MatchResult
from bot.core.models import KnowledgeBase
from bot.core.render import (
    TELEGRAM_LIMIT,
    render_ambiguous,
    render_entry,
    render_no_match,
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
    assert kinds == ["related", "feedback_up", "feedback_down"]
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


def test_no_match_reply_is_polite_and_noted() -> None:
    reply = render_no_match()
    assert reply.text.startswith("Maaf")
    assert "Contoh pertanyaan" in reply.text
    assert "dicatat" in reply.text
    assert "dicatat" not in render_no_match(noted=False).text


def test_ambiguous_reply_lists_suggestions(small_kb: KnowledgeBase) -> None:
    entries = [small_kb.get("ikut-kampanye"), small_kb.get("medsos-like")]
    candidates = tuple(
        Candidate(e, 0.5, 0.5, 0.5, 0.5, e.canonical_question) for e in entries if e is not None
    )
    reply = render_ambiguous(MatchResult("ambiguous", "asn boleh", ("asn",), candidates))
    assert reply.text == (
        "Maksud Anda:\n1. Apakah ASN boleh ikut kampanye?\n"
        "2. Apakah ASN boleh like postingan calon di media sosial?\n\n"
        "Bukan yang Anda maksud? Lihat semua topik: /topik"
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


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        ("abc def", 5, "def"),  # one sentence: its end (the question) is kept
        ("abc def", 4, "def"),
        ("abc", 5, "abc"),
        ("x" * 10, 4, "xxxx"),  # one huge word: cut anyway
        # the first sentence and the last ones that fit; the middle of the story goes
        ("Saya guru. Cerita panjang sekali. Boleh gak?", 25, "Saya guru. Boleh gak?"),
        ("Saya guru. Cerita. Boleh gak?", 100, "Saya guru. Cerita. Boleh gak?"),
    ],
)
def test_bounded_question_never_cuts_a_word(text: str, limit: int, kept: str) -> None:
    from bot.core.engine import bounded

    assert bounded(text, limit=limit) == kept


def test_bounded_keeps_the_question_at_the_end_of_an_essay() -> None:
    from bot.core.engine import MAX_QUESTION_CHARS, bounded

    story = "Assalamualaikum pak, izin bertanya. " + "Kemarin ada acara di kampung. " * 100
    text = bounded(story + "Apakah PNS boleh ikut kampanye caleg?")
    assert len(text) <= MAX_QUESTION_CHARS
    assert text.startswith("Assalamualaikum pak, izin bertanya.")
    assert text.endswith("Apakah PNS boleh ikut kampanye caleg?")


def test_offtopic_reply_names_the_topic_and_where_to_ask(small_engine: Engine) -> None:
    answer = small_engine.ask("berapa gaji pns golongan 3b")
    assert answer.result.status == "no_match"
    text, html_text = answer.reply.text, answer.reply.html
    assert text.startswith(
        "Maaf, pertanyaan Anda tampaknya tentang Gaji & tunjangan <ASN>, di luar"
    )
    assert "bagian kepegawaian atau keuangan" in text and "Contoh pertanyaan" in text
    assert "Gaji &amp; tunjangan &lt;ASN&gt;" in html_text and "<ASN>" not in html_text
