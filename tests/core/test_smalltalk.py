"""Greetings, thanks and "ok": recognised only when the whole message is small talk."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.models import Lexicon
from bot.core.normalize import Normalizer
from bot.core.render import SMALLTALK_REPLIES
from bot.core.smalltalk import SmallTalk

LEXICON = Lexicon(
    stopwords=frozenset({"ya", "min", "kak"}),
    smalltalk={
        "salam": frozenset({"halo", "selamat pagi", "pagi"}),
        "terima_kasih": frozenset({"makasih", "terima kasih"}),
        "oke": frozenset({"ok", "siap"}),
        "pengisi": frozenset({"banyak", "infonya"}),
    },
)


@pytest.fixture(scope="module")
def smalltalk() -> SmallTalk:
    return SmallTalk(LEXICON, Normalizer(LEXICON, stemmer=lambda w: w))


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("halo", "salam"),
        ("Halo min!!", "salam"),
        ("selamat pagi kak", "salam"),
        ("makasih banyak ya infonya 🙏", "terima_kasih"),
        ("TERIMA KASIH", "terima_kasih"),
        ("ok siap", "oke"),
        ("ok makasih", "terima_kasih"),  # thanks is stronger than ok
        ("halo, siap", "oke"),  # ok is stronger than a greeting
        ("halo min, pns boleh kampanye?", None),  # a question with a greeting in front
        ("makasih, tapi kalau like postingan?", None),
        ("banyak infonya", None),  # filler alone is not small talk
        ("", None),
        ("🙏", None),
        ("ya", None),  # only stop words
    ],
)
def test_kind(smalltalk: SmallTalk, message: str, kind: str | None) -> None:
    assert smalltalk.kind(message) == kind


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("makasih banyak ya infonya 🙏", "terima_kasih"),
        ("Assalamualaikum wr wb", "salam"),
        ("siap ndan", "oke"),
        ("oh gitu, paham min", "oke"),
        # sent to the wrong chat: not a question, and not the winning-team group entry
        ("maaf salah grup", "oke"),
        ("mohon maaf salah kirim pak", "oke"),
        ("sorry salah group 🙏", "oke"),
    ],
)
def test_engine_answers_small_talk_kindly(engine: Engine, message: str, kind: str) -> None:
    answer = engine.ask(message)
    assert answer.smalltalk == kind
    assert answer.result.status == "no_match" and answer.result.candidates == ()
    assert answer.reply.text.startswith(SMALLTALK_REPLIES[kind])
    assert "Maaf" not in answer.reply.text


def test_greeting_reply_shows_examples(engine: Engine) -> None:
    reply = engine.ask("halo min").reply
    assert "Contoh pertanyaan" in reply.text and "<b>Contoh pertanyaan:</b>" in reply.html


def test_question_after_greeting_is_matched(engine: Engine) -> None:
    answer = engine.ask("halo min, pns boleh ikut kampanye?")
    assert answer.smalltalk is None
    assert answer.result.entry is not None and answer.result.entry.id == "ikut-kampanye"
