"""Real messages: long stories, bad input, no dead ends, and the ranking API for follow-ups.

Questions here were written for this file (none is a phrasing of the knowledge base or an
item of an evaluation set).
"""

from __future__ import annotations

import pytest

from bot.core.engine import MAX_QUESTION_CHARS, Engine
from bot.core.render import AMBIGUOUS_MORE, AMBIGUOUS_TEXT

NARRATIVE = (
    "Kantor kami ada di ujung kabupaten dan jalannya rusak sejak musim hujan tahun lalu. "
    "Setiap pagi saya berangkat jam enam supaya tidak terlambat apel. "
)


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        # the question comes after a long story: past 500 characters from the start
        (
            "Selamat siang pak. "
            + NARRATIVE * 6
            + "Kemarin kepala bidang membagikan kaos bergambar calon bupati ke semua staf. "
            "Bolehkah PNS memakai kaos calon itu?",
            "atribut-partai-calon",
        ),
        (
            "Izin bertanya. "
            + NARRATIVE * 8
            + "Teman mengajak saya gabung grup WhatsApp relawan pemenangan caleg. "
            "Saya PPPK, boleh tidak masuk grup itu?",
            "medsos-grup-pemenangan",
        ),
    ],
)
def test_the_question_at_the_end_of_a_long_story_is_read(
    engine: Engine, message: str, entry_id: str
) -> None:
    assert len(message) > MAX_QUESTION_CHARS
    result = engine.ask(message).result
    assert entry_id in [c.entry.id for c in result.candidates], (result.status, result.tokens)


@pytest.mark.parametrize(
    "message",
    [
        "a" * 50_000,
        ("kampanye " * 6000)[:50_000],
        "Saya PNS. " * 5000,
        "😀🙏🔥" * 3000,
        "🙏",
        "?!?!.,;:" * 100,
        "...",
        "\u200b\u200b",
        "\n\n\n",
        "kulo badhe tanglet, menawi nderek kampanye angsal mboten?",
        "abdi hoyong naros, kenging teu ngiring kampanye?",
        "1234567890 " * 500,
        "<b>pns</b> & kampanye",
    ],
    ids=[
        "50k-letters",
        "50k-words",
        "50k-sentences",
        "emoji-9k",
        "one-emoji",
        "punctuation",
        "dots",
        "zero-width",
        "newlines",
        "javanese",
        "sundanese",
        "digits",
        "html",
    ],
)
def test_bad_input_gets_a_sensible_reply(engine: Engine, message: str) -> None:
    answer = engine.ask(message)
    assert answer.result.status in ("answered", "ambiguous", "no_match")
    assert answer.reply.text.strip()
    assert len(answer.result.query) <= MAX_QUESTION_CHARS
    if answer.result.status == "ambiguous":
        assert 1 <= len(answer.result.candidates) <= 3


def test_a_vague_message_is_no_dead_end(engine: Engine) -> None:
    """ "pns dan calon" alone: suggestions, or (where the decision finds it unlikely that
    the right entry is among any three: on the tuning sets, the short messages of known
    words that it declines are all out of scope) what the bot answers, with examples."""
    answer = engine.ask("pns dan calon")
    if answer.result.status == "ambiguous":
        assert answer.reply.text.startswith(AMBIGUOUS_TEXT)
    else:
        assert "Contoh pertanyaan:" in answer.reply.text


@pytest.mark.parametrize("message", ["🙏🙏🙏", "?????", "...", "resep rendang padang"])
def test_no_signal_gets_the_plain_reply(engine: Engine, message: str) -> None:
    answer = engine.ask(message)
    assert answer.result.status == "no_match"
    assert AMBIGUOUS_TEXT not in answer.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "asn bantu calon",
        "asn bantu2 caleg",
    ],
)
def test_an_unsure_match_offers_suggestions_not_a_dead_end(engine: Engine, message: str) -> None:
    answer = engine.ask(message)
    assert answer.result.status == "ambiguous", answer.result.tokens
    assert 1 <= len(answer.result.candidates) <= 3
    assert answer.reply.text.startswith(AMBIGUOUS_TEXT)
    assert AMBIGUOUS_MORE in answer.reply.text
    assert [b.kind for b in answer.reply.flat_buttons()] == ["suggestion"] * len(
        answer.result.candidates
    )


def test_a_declining_topic_gets_the_plain_reply(engine: Engine) -> None:
    answer = engine.ask("kapan gaji ke-13 pns cair tahun ini")
    assert answer.result.status == "no_match"
    assert answer.result.offtopic is not None


def test_score_text_and_score_of_agree_with_match(engine: Engine) -> None:
    matcher = engine.matcher
    question = "sy pns, boleh gak pasang twibbon capres di foto profil wa?"
    tokens, ranked = matcher.score_text(question)
    assert tokens == matcher.tokens(question)
    assert ranked[0].entry.id == "foto-profil-twibbon"
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert matcher.score_of("foto-profil-twibbon", question) == ranked[0].score
    assert matcher.score_of("no-such-entry", question) == 0.0
    result = matcher.match(question)
    assert result.candidates[0].score == pytest.approx(ranked[0].score)


def test_candidates_carry_the_learned_signal(engine: Engine) -> None:
    ranked = engine.matcher.rank(engine.matcher.tokens("asn ganti foto profil pakai twibbon"))
    assert ranked[0].entry.id == "foto-profil-twibbon"
    assert 0.0 < ranked[0].learned <= 1.0


@pytest.mark.parametrize(
    ("query", "first"),
    [("twibbon", "foto-profil-twibbon"), ("baliho caleg", "alat-peraga-kampanye")],
)
def test_inline_search_finds_by_keyword(engine: Engine, query: str, first: str) -> None:
    found = engine.matcher.search(query)
    assert found and found[0].entry.id == first
    assert all(c.cover > 0 for c in found)  # every result shares a word with the query


def test_inline_search_without_a_known_word_finds_nothing(engine: Engine) -> None:
    assert engine.matcher.search("zzqx wkwk") == []
