"""Follow-ups through the real python-telegram-bot stack and the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.querylog import open_storage
from tests.auxil.botharness import running_bot
from tests.auxil.fakebotapi import FakeBotAPI
from tests.conftest import KNOWLEDGE

USER = 1001
OTHER = 1002
GROUP = -100200300


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "netral.sqlite3"


async def test_private_followups_in_context(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("boleh gak pns like postingan caleg di ig?", user_id=USER)
        (first,) = await fake_api.wait_for_messages(1, chat_id=USER)
        fake_api.add_message("hukumannya apa?", user_id=USER)
        _, second = await fake_api.wait_for_messages(2, chat_id=USER)
        fake_api.add_message("makasih min", user_id=USER)
        fake_api.add_message("aturannya di mana?", user_id=USER)
        *_, thanks, fourth = await fake_api.wait_for_messages(4, chat_id=USER)
    title = engine.kb.get("medsos-like-share-komentar").title  # type: ignore[union-attr]
    assert title in first["text"] and title in second["text"] and title in fourth["text"]
    assert second["text"].split("\n\n")[1].startswith("Sanksi:")
    assert fourth["text"].split("\n\n")[1].startswith("Dasar hukum:")
    assert "Sama-sama" in thanks["text"]
    async with await open_storage(db) as storage:
        rows = [r async for r in storage.iter_queries()]
    # every question is logged with the entry it got; small talk is not a question
    assert [(r.text, r.entry_id) for r in rows] == [
        ("boleh gak pns like postingan caleg di ig?", "medsos-like-share-komentar"),
        ("hukumannya apa?", "medsos-like-share-komentar"),
        ("aturannya di mana?", "medsos-like-share-komentar"),
    ]


async def test_group_members_have_their_own_context(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    def ask(text: str, user: int) -> None:
        fake_api.add_message(
            f"@netral_test_bot {text}", chat_id=GROUP, chat_type="supergroup", user_id=user
        )

    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        ask("pns boleh ikut kampanye?", USER)
        await fake_api.wait_for_messages(1, chat_id=GROUP)
        ask("boleh pose dua jari pas foto sama caleg?", OTHER)
        await fake_api.wait_for_messages(2, chat_id=GROUP)
        ask("sanksinya apa?", USER)
        await fake_api.wait_for_messages(3, chat_id=GROUP)
        ask("sanksinya apa?", OTHER)
        msgs = await fake_api.wait_for_messages(4, chat_id=GROUP)
    campaign = engine.kb.get("ikut-kampanye").title  # type: ignore[union-attr]
    gesture = engine.kb.get("gestur-simbol-jari").title  # type: ignore[union-attr]
    assert campaign in msgs[2]["text"] and gesture in msgs[3]["text"]


async def test_followup_after_restart_is_read_alone(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("pns boleh ikut kampanye?", user_id=USER)
        await fake_api.wait_for_messages(1, chat_id=USER)
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("hukumannya apa?", user_id=USER)
        _, reply = await fake_api.wait_for_messages(2, chat_id=USER)
    campaign = engine.kb.get("ikut-kampanye").title  # type: ignore[union-attr]
    assert reply["text"] and campaign not in reply["text"].split("\n", 1)[0]
