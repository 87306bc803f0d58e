"""Which messages are meant for the bot, and the question left once the mention is cut."""

from __future__ import annotations

from typing import Any

import pytest

from bot.tg.handlers.questions import addressed_text
from tests.auxil.updates import BOT_ID, BOT_USERNAME, mention, message_update


def _ask(text: str | None, **options: Any) -> str | None:
    message = message_update(1, text, **options).effective_message
    assert message is not None
    return addressed_text(message, BOT_USERNAME, BOT_ID)


GROUP = {"chat_id": -100, "chat_type": "supergroup"}


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        # Private chat: every text, as it is.
        ("boleh pns like postingan capres?", {}, "boleh pns like postingan capres?"),
        ("  @NetralBot halo ", {}, "  @NetralBot halo "),
        # Group chatter is not addressed to the bot.
        ("pns ikut kampanye?", GROUP, None),
        # A mention (any case) addresses it; the mention is cut out.
        (
            "@NetralBot bolehkah pns ikut kampanye?",
            {**GROUP, "entities": mention("@NetralBot bolehkah pns ikut kampanye?")},
            "bolehkah pns ikut kampanye?",
        ),
        (
            "tanya @netralbot: cuti kampanye?",
            {**GROUP, "entities": mention("tanya @netralbot: cuti kampanye?", "netralbot")},
            "tanya : cuti kampanye?",
        ),
        # Another bot whose name starts like ours is not a mention of ours.
        (
            "@NetralBot2 halo",
            {**GROUP, "entities": mention("@NetralBot2 halo", "NetralBot2")},
            None,
        ),
        # A reply to one of the bot's messages addresses it, without a mention.
        ("kalau pppk?", {**GROUP, "reply_to_bot": True}, "kalau pppk?"),
        # A photo caption with a mention counts like a text.
        (
            "@NetralBot ini boleh?",
            {**GROUP, "caption": True, "entities": mention("@NetralBot ini boleh?")},
            "ini boleh?",
        ),
        # A forged entity pointing past the text is no mention, whatever the text says.
        (
            "@NetralBot pns boleh?",
            {**GROUP, "entities": [{"type": "mention", "offset": 40, "length": 11}]},
            None,
        ),
        # No text at all (a sticker).
        (None, {}, None),
    ],
)
def test_addressed_text(text: str | None, options: dict[str, Any], expected: str | None) -> None:
    assert _ask(text, **options) == expected
