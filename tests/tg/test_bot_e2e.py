"""End to end: the real python-telegram-bot stack against the fake Bot API on 127.0.0.1.

Each test starts the bot with ``build_application`` + ``serve`` (long polling through the
durable poller), injects updates into the fake server and reads what the bot sent.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.engine import Answer, Engine
from bot.core.matcher import DEFAULT_WEIGHTS
from bot.core.models import KnowledgeBase
from bot.querylog import QueryRow, Storage, open_storage
from bot.review.period import Period
from bot.review.stats import compute_stats
from bot.tg import keyboards, texts
from tests.auxil.botharness import ADMIN_ID, running_bot
from tests.auxil.fakebotapi import FakeBotAPI
from tests.conftest import KNOWLEDGE

USER = 1001
GROUP = -100200300


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "netral.sqlite3"


def buttons(message: dict[str, object]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def logged(db: Path) -> list[QueryRow]:
    async with await open_storage(db) as storage:
        return [r async for r in storage.iter_queries()]


async def test_start_and_question(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("/start", user_id=USER)
        fake_api.add_message("boleh gak sih pns like postingan capres di ig", user_id=USER)
        start, answer = await fake_api.wait_for_messages(2, chat_id=USER)
        assert "Netral" in start["text"] and "bukan keputusan hukum" in start["text"]
        assert len(buttons(start)) == 3
        assert answer["text"].startswith("⛔ DILARANG")
        assert "Dasar hukum" in answer["text"]
        labels = [b["text"] for b in buttons(answer)]
        assert "👍 Membantu" in labels and "👎 Kurang tepat" in labels
        commands = await fake_api.wait_for_call("setMyCommands")
        assert {c["command"] for c in commands.params["commands"]} >= {"start", "topik", "help"}
    rows = await logged(db)
    assert [(r.status, r.entry_id) for r in rows] == [("answered", "medsos-like-share-komentar")]
    assert rows[0].user_key and str(USER) not in rows[0].user_key
    assert rows[0].chat_type == "private" and rows[0].elapsed_ms > 0


async def test_deep_link_opens_entry(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("/start gestur-simbol-jari", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert msg["text"].startswith("⛔ DILARANG")
        assert engine.kb.get("gestur-simbol-jari").title in msg["text"]  # type: ignore[union-attr]


async def test_help_about_topics_navigation(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("/help", user_id=USER)
        fake_api.add_message("/tentang", user_id=USER)
        fake_api.add_message("/topik", user_id=USER)
        help_msg, about, topics = await fake_api.wait_for_messages(3, chat_id=USER)
        assert "/tanya" in help_msg["text"] and "@netral_test_bot" in help_msg["text"]
        assert "PP 94/2021" in about["text"] and "BKN" in about["text"]
        assert "ditinjau: 6 Desember 2026" in about["text"]  # the knowledge base's review date
        category_buttons = buttons(topics)
        assert len(category_buttons) == len(engine.kb.categories)
        # Open the first category: the same message is edited into its entry list.
        fake_api.add_callback_query(
            category_buttons[0]["callback_data"], user_id=USER, message_id=topics["message_id"]
        )
        await fake_api.wait_for_call("editMessageText")
        edited = fake_api.message(USER, topics["message_id"])
        assert edited is not None
        entry_buttons = buttons(edited)
        assert entry_buttons[-1]["text"] == "⬅️ Kembali"
        # Open an entry from the list: its card arrives as a new message.
        fake_api.add_callback_query(
            entry_buttons[0]["callback_data"], user_id=USER, message_id=topics["message_id"]
        )
        card = (await fake_api.wait_for_messages(4, chat_id=USER))[-1]
        first_entry = engine.kb.get(engine.kb.categories[0].entry_ids[0])
        assert first_entry is not None and first_entry.title in card["text"]
        # Back to the categories.
        fake_api.add_callback_query("t", user_id=USER, message_id=topics["message_id"])
        await fake_api.wait_for(
            lambda: len(fake_api.calls_to("editMessageText", include_faulted=False)) >= 2
        )
        # Every button press was answered.
        await fake_api.wait_for(lambda: len(fake_api.calls_to("answerCallbackQuery")) == 3)


async def test_sources_button_sends_the_sources(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("saya pppk, suami saya caleg, boleh saya dampingi?", user_id=USER)
        (card,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert card["text"].startswith("⛔ DILARANG bagi PPPK")
        assert "ditinjau 6 Desember 2026" in card["text"]
        sources = next(b for b in buttons(card) if b["text"] == "📚 Sumber")
        fake_api.add_callback_query(sources["callback_data"], user_id=USER)
        reply = (await fake_api.wait_for_messages(2, chat_id=USER))[-1]
        assert reply["text"].startswith("📚 Sumber — ASN yang suami/istrinya calon")
        assert "BKN Kantor Regional VI Medan" in reply["text"]


async def test_ambiguous_then_pick_suggestion(
    fake_api: FakeBotAPI, kb: KnowledgeBase, db: Path
) -> None:
    # Nothing is confident enough to answer alone: every match becomes "Maksud Anda".
    unsure = Engine(kb, weights=replace(DEFAULT_WEIGHTS, answer_score=2.0))
    async with running_bot(fake_api, unsure, db, KNOWLEDGE):
        fake_api.add_message("asn pasang twibbon calon", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert msg["text"].startswith("Maksud Anda:")
        choices = buttons(msg)
        assert 1 <= len(choices) <= 3
        assert all(len(b["callback_data"].encode()) <= 64 for b in choices)
        fake_api.add_callback_query(choices[0]["callback_data"], user_id=USER)
        card = (await fake_api.wait_for_messages(2, chat_id=USER))[-1]
        picked = keyboards.parse(choices[0]["callback_data"])
        assert picked is not None
        entry = kb.get(picked.target)
        assert entry is not None and entry.title in card["text"]
        # Feedback on that card.
        up = next(b for b in buttons(card) if b["text"].startswith("👍"))
        fake_api.add_callback_query(up["callback_data"], user_id=USER)
        call = await fake_api.wait_for_call(
            "answerCallbackQuery", lambda c: c.params.get("text") == texts.FEEDBACK_THANKS
        )
        assert call.ok
        await asyncio.sleep(0.2)
    rows = await logged(db)
    assert rows[0].status == "ambiguous" and len(rows[0].suggestions) >= 1
    async with await open_storage(db) as storage:
        stats = await compute_stats(storage, Period(), now=rows[0].time)
    assert stats.feedback_up == 1


async def test_no_match_is_polite_and_logged(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("resep rendang padang yang enak", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert msg["text"].startswith("Maaf")
        assert "Contoh pertanyaan" in msg["text"] and "dicatat" in msg["text"]
    (row,) = await logged(db)
    assert row.status == "no_match" and row.entry_id is None


async def test_thanks_get_a_kind_reply_and_are_not_logged(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("makasih banyak min 🙏", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert msg["text"].startswith("Sama-sama")
        fake_api.add_message("resep rendang padang yang enak", user_id=USER)
        await fake_api.wait_for_messages(2, chat_id=USER)
    (row,) = await logged(db)  # only the real question
    assert row.text == "resep rendang padang yang enak"


async def test_non_text_and_captions(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("", sticker=True, user_id=USER)
        fake_api.add_message("", voice=True, user_id=USER)
        fake_api.add_message("", location=True, user_id=USER)
        fake_api.add_message("", photo=True, user_id=USER)
        fake_api.add_message(
            "", photo=True, caption="bolehkah asn pasang baliho caleg?", user_id=USER
        )
        msgs = await fake_api.wait_for_messages(5, chat_id=USER)
        assert [m["text"] for m in msgs[:4]] == [texts.NON_TEXT] * 4
        assert msgs[4]["text"].startswith("⛔ DILARANG")
    rows = await logged(db)
    assert [r.entry_id for r in rows] == ["alat-peraga-kampanye"]


async def test_edited_messages_are_ignored(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("asn ikut kampanye boleh?", user_id=USER, edited=True)
        fake_api.add_message("/help", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert "/tanya" in msg["text"]  # the edit got no reply; the next message did
        await asyncio.sleep(0.2)
        assert len(fake_api.sent_messages(USER)) == 1


async def test_long_message_and_long_reply(
    fake_api: FakeBotAPI, kb: KnowledgeBase, tmp_path: Path, db: Path
) -> None:
    # A knowledge base whose entry answer is longer than one Telegram message.
    folder = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE, folder)
    entry = kb.get("ikut-kampanye")
    assert entry is not None
    long_kb = KnowledgeBase(
        tuple(
            replace(e, answer=(e.answer + "\n\n") * 12) if e.id == entry.id else e
            for e in kb.entries
        ),
        kb.categories,
        kb.lexicon,
    )
    long_engine = Engine(long_kb)
    question = "bolehkah asn ikut kampanye? " + "mohon ya " * 4000  # ~36,000 chars
    async with running_bot(fake_api, long_engine, db, folder):
        fake_api.add_message(question[:4096], user_id=USER)
        await fake_api.wait_for(lambda: len(fake_api.sent_messages(USER)) >= 2)
        await asyncio.sleep(0.3)
        msgs = fake_api.sent_messages(USER)
        assert all(len(m["text"]) <= 4096 for m in msgs)
        assert msgs[0]["text"].startswith("⛔ DILARANG")
        assert not buttons(msgs[0]) and buttons(msgs[-1])  # buttons on the last part only
        assert not [c for c in fake_api.calls if c.status == 400]
    (row,) = await logged(db)
    assert row.entry_id == "ikut-kampanye" and len(row.text) <= 2000


async def test_html_in_question_is_escaped(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    nasty = "<script>alert(1)</script> & <b>gaji</b> <a href='x'>pns</a> &amp;"
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message(nasty, user_id=USER)
        await fake_api.wait_for_messages(1, chat_id=USER)
        fake_api.add_message("/unanswered", user_id=ADMIN_ID)
        (listing,) = await fake_api.wait_for_messages(1, chat_id=ADMIN_ID)
        assert "<script>alert(1)</script>" in listing["text"]  # shown as text, not markup
        assert not [c for c in fake_api.calls if c.status == 400]


async def test_group_rules(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message(
            "pns boleh ikut kampanye gak ya", chat_id=GROUP, chat_type="supergroup", user_id=USER
        )  # chatter: silence
        fake_api.add_message(
            "", sticker=True, chat_id=GROUP, chat_type="supergroup", user_id=USER
        )  # sticker in a group: silence
        fake_api.add_message(
            "@netral_test_bot pns boleh ikut kampanye?",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=USER,
        )
        first = (await fake_api.wait_for_messages(1, chat_id=GROUP))[0]
        assert first["text"].startswith("⛔ DILARANG")
        assert first.get("reply_to_message") is not None  # quotes the asker in groups
        fake_api.add_message(
            "kalau like postingan capres?",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=USER,
            reply_to_bot=True,
        )
        fake_api.add_message(
            "/tanya bolehkah pns jadi anggota partai",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=USER,
        )
        fake_api.add_message(
            "/tanya@netral_test_bot", chat_id=GROUP, chat_type="supergroup", user_id=USER
        )
        fake_api.add_message(
            "/start@netral_test_bot", chat_id=GROUP, chat_type="group", user_id=USER
        )
        msgs = await fake_api.wait_for_messages(5, chat_id=GROUP)
        assert msgs[1]["text"].startswith("⛔ DILARANG")
        assert msgs[2]["text"].startswith("⛔ DILARANG")
        assert "Silakan tulis pertanyaannya" in msgs[3]["text"]
        assert "Netral" in msgs[4]["text"]
        await asyncio.sleep(0.3)
        assert len(fake_api.sent_messages(GROUP)) == 5
    rows = await logged(db)
    assert [r.entry_id for r in rows] == [
        "ikut-kampanye",
        "medsos-like-share-komentar",
        "anggota-partai",
    ]
    assert {r.chat_type for r in rows} == {"supergroup"}
    assert all("chatter" not in r.text for r in rows)


async def test_inline_query(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        # One after the other: two queries in flight may be answered in either order.
        fake_api.add_inline_query("twibbon", user_id=USER)
        await fake_api.wait_for(lambda: fake_api.calls_to("answerInlineQuery"))
        fake_api.add_inline_query("", user_id=USER + 1)
        calls = await fake_api.wait_for(
            lambda: (c := fake_api.calls_to("answerInlineQuery")) and len(c) == 2 and c
        )
        for call in calls:
            results = call.params["results"]
            assert 1 <= len(results) <= 10
            assert all(r["input_message_content"]["message_text"] for r in results)
        assert (
            calls[0].params["results"][0]["title"]
            == engine.kb.get(  # type: ignore[union-attr]
                "foto-profil-twibbon"
            ).title
        )
        assert all(c.ok for c in calls)


async def test_reload(fake_api: FakeBotAPI, kb: KnowledgeBase, tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE, folder)
    async with running_bot(fake_api, Engine(kb), db, folder) as bot:
        fake_api.add_message("/reload", user_id=USER)
        (refused,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert refused["text"] == texts.ADMIN_ONLY
        # A broken file: the old knowledge base stays, the admin gets the errors.
        target = folder / "kampanye.yaml"
        target.write_text("category: kampanye\nentries: [oops\n", encoding="utf-8")
        fake_api.add_message("/reload", user_id=ADMIN_ID)
        (failed,) = await fake_api.wait_for_messages(1, chat_id=ADMIN_ID)
        assert "TIDAK dimuat ulang" in failed["text"] and "kampanye.yaml" in failed["text"]
        fake_api.add_message("asn ikut kampanye boleh?", user_id=USER)
        answer = (await fake_api.wait_for_messages(2, chat_id=USER))[-1]
        assert answer["text"].startswith("⛔ DILARANG")
        old_engine = bot.app.bot_data.engine
        # Fixed again: reloaded and swapped in.
        shutil.copy(KNOWLEDGE / "kampanye.yaml", target)
        fake_api.add_message("/reload", user_id=ADMIN_ID)
        ok = (await fake_api.wait_for_messages(2, chat_id=ADMIN_ID))[-1]
        assert ok["text"].startswith("✅") and f"{len(kb.entries)} entri" in ok["text"]
        assert bot.app.bot_data.engine is not old_engine


async def test_flood_control(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE, flood_per_minute=3):
        for _ in range(6):
            fake_api.add_message("asn ikut kampanye boleh?", user_id=USER)
        fake_api.add_message("asn ikut kampanye boleh?", user_id=USER + 1)
        await fake_api.wait_for_messages(4, chat_id=USER)
        await fake_api.wait_for_messages(1, chat_id=USER + 1)
        await asyncio.sleep(0.3)
        msgs = fake_api.sent_messages(USER)
        assert len(msgs) == 4  # three answers, then one "tunggu sebentar", then silence
        assert "tunggu sebentar" in msgs[3]["text"].lower()


@pytest.mark.parametrize(
    ("fault", "exactly_once"),
    [
        (lambda api: api.fail_next("sendMessage", status=429, retry_after=0.2, times=2), True),
        (lambda api: api.fail_next("sendMessage", status=500, times=2), True),
        (lambda api: api.fail_next("sendMessage", status=502, times=1), True),
        (lambda api: api.reset_next("sendMessage", times=2), True),
        # A time-out after Telegram accepted the message: the retry may duplicate it.
        (lambda api: api.delay_next("sendMessage", 3.0, times=1), False),
    ],
    ids=["429", "500", "502", "reset", "timeout"],
)
async def test_delivery_recovers(
    fake_api: FakeBotAPI, engine: Engine, db: Path, fault: object, exactly_once: bool
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fault(fake_api)  # type: ignore[operator]
        for i in range(3):
            fake_api.add_message("asn ikut kampanye boleh?", user_id=USER + i)
        for i in range(3):
            await fake_api.wait_for_messages(1, chat_id=USER + i, timeout=20)
        await asyncio.sleep(0.5)
        counts = [len(fake_api.sent_messages(USER + i)) for i in range(3)]
        if exactly_once:
            assert counts == [1, 1, 1]
        else:
            assert all(1 <= n <= 2 for n in counts)
        assert any(c.faulted for c in fake_api.calls_to("sendMessage"))
    assert len(await logged(db)) == 3


async def test_burst_from_many_users(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    questions = [
        "asn ikut kampanye boleh?",
        "like postingan capres",
        "resep rendang",
        "sanksi asn tidak netral",
        "pasang twibbon paslon",
    ]
    users = 100
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        for n in range(300):
            fake_api.add_message(questions[n % len(questions)], user_id=10_000 + n % users)
        await fake_api.wait_for(lambda: len(fake_api.sent_messages()) >= 300, timeout=60)
        await asyncio.sleep(0.3)
        assert len(fake_api.sent_messages()) == 300
    rows = await logged(db)
    assert len(rows) == 300
    assert len({r.user_key for r in rows}) == users


async def test_order_kept_within_a_chat(fake_api: FakeBotAPI, engine: Engine, db: Path) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.fail_next("sendMessage", status=500, times=1)  # slow down the first reply
        for q in ["/help", "/tentang", "asn ikut kampanye boleh?", "resep rendang"]:
            fake_api.add_message(q, user_id=USER)
        msgs = await fake_api.wait_for_messages(4, chat_id=USER)
        assert "/tanya" in msgs[0]["text"]
        assert "Tentang Netral" in msgs[1]["text"]
        assert msgs[2]["text"].startswith("⛔ DILARANG")
        assert msgs[3]["text"].startswith("Maaf")


class _Exploding(Engine):
    """An engine whose handler crashes on one question."""

    def ask(self, question: str) -> Answer:
        if "meledak" in question:
            raise RuntimeError("simulated bug")
        return super().ask(question)


async def test_poison_update_is_given_up(fake_api: FakeBotAPI, kb: KnowledgeBase, db: Path) -> None:
    async with running_bot(fake_api, _Exploding(kb), db, KNOWLEDGE):
        bad = fake_api.add_message("pertanyaan meledak", user_id=USER)
        fake_api.add_message("asn ikut kampanye boleh?", user_id=USER + 1)
        await fake_api.wait_for_messages(1, chat_id=USER + 1)
        (sorry,) = await fake_api.wait_for_messages(1, chat_id=USER, timeout=15)
        assert sorry["text"] == texts.ERROR_REPLY  # once, on the last attempt

        async def state() -> str | None:
            async with await open_storage(db) as storage:
                return await _update_state(storage, bad)

        for _ in range(50):
            if await state() == "failed":
                break
            await asyncio.sleep(0.1)
        assert await state() == "failed"
        assert len(fake_api.sent_messages(USER)) == 1


async def _update_state(storage: Storage, update_id: int) -> str | None:
    pending = {u for u, _, _ in await storage.pending_updates()}
    if update_id in pending:
        return "pending"
    db = storage._db
    async with db.execute("SELECT state FROM updates WHERE update_id = ?", (update_id,)) as cur:
        row = await cur.fetchone()
    return None if row is None else str(row[0])


async def test_log_failure_never_stops_answers(
    fake_api: FakeBotAPI, engine: Engine, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:

        async def disk_full(records: object) -> None:
            import sqlite3

            raise sqlite3.OperationalError("database or disk is full")

        async def outcome_disk_full(*args: object, **kwargs: object) -> None:
            await disk_full(args)

        monkeypatch.setattr(bot.storage, "insert_records", disk_full)
        monkeypatch.setattr(bot.storage, "finish_update", outcome_disk_full)
        fake_api.add_message("asn ikut kampanye boleh?", user_id=USER)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=USER)
        assert msg["text"].startswith("⛔ DILARANG")
        monkeypatch.undo()
    assert len(await logged(db)) == 1  # written once the disk recovered (at shutdown)
