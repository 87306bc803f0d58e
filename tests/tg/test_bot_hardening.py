"""Regressions of the security review (F1–F21, Telegram side): each test replays a
finding's payload through python-telegram-bot's real HTTP stack and the fake Bot API."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.engine import Answer, Engine
from bot.querylog import LogWriter, QueryRow, open_storage
from bot.review.period import Period
from bot.review.stats import compute_stats
from bot.tg import texts
from bot.tg.app import build_application, serve
from tests.auxil.botharness import ADMIN_ID, FAST, make_settings, running_bot
from tests.auxil.fakebotapi import FakeBotAPI
from tests.conftest import KNOWLEDGE
from tests.tg.test_bot_webhook import free_port, message_update

USER = 3101
GROUP = -100777


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "netral.sqlite3"


async def logged(db: Path) -> list[QueryRow]:
    async with await open_storage(db) as storage:
        return [r async for r in storage.iter_queries()]


def inbox(db: Path) -> dict[int, tuple[str, str]]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT update_id, state, payload FROM updates").fetchall()
    return {int(u): (str(s), str(p)) for u, s, p in rows}


def raw_message(chat: dict[str, Any], sender: dict[str, Any], text: str, **extra: Any) -> Any:
    return {
        "message": {
            "message_id": extra.pop("message_id", 9001),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
            **extra,
        }
    }


def person(user_id: int, name: str = "Sari") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name}


def private(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Sari"}


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


# --------------------------------------------------------------------------- F1, F3


async def test_f1_unparseable_update_is_skipped_not_fatal(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        # "from" without first_name / is_bot: python-telegram-bot cannot parse it.
        bad = fake_api.add_update(raw_message(private(USER), {"id": USER}, "boleh pns kampanye?"))
        fake_api.add_message("apa sanksi asn tidak netral", user_id=3201)
        (reply,) = await fake_api.wait_for_messages(1, chat_id=3201, timeout=15)
        assert reply["text"]
        assert not bot.task.done()  # still polling
        assert (fake_api.confirmed_offset or 0) > bad  # confirmed: never fetched again
    assert inbox(db)[bad] == ("failed", "")
    assert [r.text for r in await logged(db)] == ["apa sanksi asn tidak netral"]


async def test_f1_restart_after_unparseable_update(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    fake_api.add_update(raw_message(private(USER), {"id": USER}, "boleh pns kampanye?"))
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        await fake_api.wait_for(lambda: not fake_api.pending_updates, timeout=15)
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        fake_api.add_message("boleh pns ikut kampanye?", user_id=3202)
        await fake_api.wait_for_messages(1, chat_id=3202, timeout=15)
        assert not bot.task.done()


async def test_f3_429_on_get_updates_is_waited_out(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        await fake_api.wait_for_call("getUpdates")
        fake_api.fail_next("getUpdates", status=429, retry_after=1)
        fake_api.add_message("boleh pns ikut kampanye?", user_id=USER)
        (reply,) = await fake_api.wait_for_messages(1, chat_id=USER, timeout=15)
        assert reply["text"].startswith("⛔ DILARANG")
        assert any(c.faulted for c in fake_api.calls_to("getUpdates"))
        assert not bot.task.done()


async def test_f1_fatal_error_is_the_one_reported(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    # serve() stops the application in a finally: the original error comes out, not
    # "This Application is still running".
    fake_api.fail_next("getUpdates", status=401, description="Unauthorized", times=5)
    from telegram.error import InvalidToken

    with pytest.raises(InvalidToken):
        async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
            await asyncio.wait_for(asyncio.shield(bot.task), 15)


# --------------------------------------------------------------------------- F2, F4


async def _start_webhook(
    fake_api: FakeBotAPI, engine: Engine, db: Path, secret: str | None
) -> tuple[asyncio.Task[None], asyncio.Event, int, Any]:
    storage = await open_storage(db)
    writer = LogWriter(storage, interval=0.05)
    app = build_application(
        make_settings(fake_api, db, KNOWLEDGE), engine, storage, writer, timeouts=FAST
    )
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(
            app,
            webhook_url="https://netral.example.org:8443/telegram",
            port=port,  # listen: the default, 127.0.0.1
            secret_token=secret,
            stop_signals=False,
            stop_event=stop,
        )
    )
    await fake_api.wait_for(lambda: fake_api.webhook, timeout=15)
    return task, stop, port, storage


async def _post(port: int, body: Any, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as http:
        for _ in range(50):
            try:
                async with http.post(
                    f"http://127.0.0.1:{port}/telegram", data=json.dumps(body), headers=headers
                ) as resp:
                    return resp.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("webhook never listened")


async def test_f2_webhook_without_secret_generates_one(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    task, stop, port, storage = await _start_webhook(fake_api, engine, db, None)
    try:
        assert fake_api.webhook is not None
        secret = fake_api.webhook["secret_token"]
        assert isinstance(secret, str) and len(secret) >= 32
        forged = message_update(990000001, "/stats", ADMIN_ID)
        forged["message"]["chat"] = private(3601)  # type: ignore[index]
        forged["message"]["entities"] = [  # type: ignore[index]
            {"type": "bot_command", "offset": 0, "length": 6}
        ]
        assert await _post(port, forged, None) == 403
        assert await _post(port, forged, "tebakan") == 403
        await asyncio.sleep(0.3)
        assert not fake_api.sent_messages()
        assert await _post(port, message_update(8, "pns ikut kampanye boleh?", 5002), secret) == 200
        (reply,) = await fake_api.wait_for_messages(1, chat_id=5002)
        assert reply["text"].startswith("⛔ DILARANG")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await storage.close()


def test_f2_cli_listens_on_loopback_by_default() -> None:
    import argparse

    from bot.cli.run import add_commands

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    assert parser.parse_args(["run", "--webhook", "https://x.example/t"]).listen == "127.0.0.1"


async def test_f4_webhook_journals_before_200_and_recovers(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    # A pending update left by a crashed run, and one so old that it is given up.
    async with await open_storage(db) as storage:
        await storage.save_updates(
            [(700, json.dumps(message_update(700, "boleh pns ikut kampanye?", 5101)))]
        )
        await storage.save_updates(
            [(699, json.dumps(message_update(699, "lama sekali", 5100)))],
            now=datetime.now(UTC) - timedelta(days=3),
        )
    fake_api.delay_next("sendMessage", 1.0, times=5)
    task, stop, port, storage = await _start_webhook(fake_api, engine, db, "Sekret_123")
    try:
        await fake_api.wait_for_messages(1, chat_id=5101, timeout=20)  # recovered
        assert inbox(db)[699] == ("failed", "")
        assert (
            await _post(port, message_update(701, "asn like postingan capres", 5102), "Sekret_123")
            == 200
        )
        # Acknowledged means journaled (the reply is still being sent).
        assert 701 in inbox(db)
        # Unparseable: journaled failed, acknowledged so that Telegram does not resend it.
        bad = raw_message(private(5103), {"id": 5103}, "boleh?")
        assert await _post(port, {"update_id": 702, **bad}, "Sekret_123") == 200
        assert inbox(db)[702] == ("failed", "")
        # Delivered again: ignored.
        assert (
            await _post(port, message_update(701, "asn like postingan capres", 5102), "Sekret_123")
            == 200
        )
        await fake_api.wait_for_messages(1, chat_id=5102, timeout=20)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await storage.close()
    assert len(fake_api.sent_messages(5102)) == 1
    assert not fake_api.sent_messages(5100)
    assert {u: s for u, (s, _) in inbox(db).items()} == {
        699: "failed",
        700: "done",
        701: "done",
        702: "failed",
    }
    assert all(p == "" for _, p in inbox(db).values())


# --------------------------------------------------------------------------- F5, F9, F18


async def test_f5_lone_surrogate_question_does_not_block_the_log(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_update(raw_message(private(3501), person(3501), "boleh pns kampanye \ud800 ?"))
        fake_api.add_message("apa sanksi asn tidak netral", user_id=3502)
        fake_api.add_message("boleh pns like postingan capres", user_id=3503)
        for user in (3501, 3502, 3503):
            await fake_api.wait_for_messages(1, chat_id=user, timeout=15)
        fake_api.add_message("/stats", user_id=ADMIN_ID)
        (stats,) = await fake_api.wait_for_messages(1, chat_id=ADMIN_ID)
        assert "3" in stats["text"]
    rows = await logged(db)
    assert sorted(r.text for r in rows) == [
        "apa sanksi asn tidak netral",
        "boleh pns kampanye ? ?",
        "boleh pns like postingan capres",
    ]


async def test_f9_done_update_always_has_its_log_row(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    # Checked while the bot runs (as a kill -9 would find it): every update marked done
    # already has its question in the log.
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        ids = [
            fake_api.add_message(f"boleh pns ikut kampanye {n}?", user_id=8000 + n)
            for n in range(40)
        ]
        for _ in range(100):
            states = inbox(db)
            done = [u for u in ids if states.get(u, ("", ""))[0] == "done"]
            texts_logged = {r.text for r in await logged(db)}
            assert len(texts_logged) >= len(done)
            if len(done) == len(ids):
                break
            await asyncio.sleep(0.05)
        assert len(done) == len(ids)


async def test_f18_reply_to_a_deleted_question_is_sent_and_logged(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    group = {"id": GROUP, "type": "supergroup", "title": "Grup"}
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        # The question's message_id does not exist (deleted before the reply).
        fake_api.add_update(
            raw_message(
                group,
                person(3801),
                "/tanya boleh pns ikut kampanye?",
                message_id=424242,
                entities=[{"type": "bot_command", "offset": 0, "length": 6}],
            )
        )
        # Entity offsets that split the 🙏 surrogate pair (a forged update).
        fake_api.add_update(
            raw_message(
                group,
                person(3802),
                "🙏@netral_test_bot boleh pns like postingan capres?",
                message_id=424243,
                entities=[{"type": "mention", "offset": 1, "length": 17}],
            )
        )
        msgs = await fake_api.wait_for_messages(2, chat_id=GROUP, timeout=15)
        assert all(m["text"].startswith("⛔ DILARANG") for m in msgs)
    rows = await logged(db)
    assert sorted(r.entry_id or "" for r in rows) == ["ikut-kampanye", "medsos-like-share-komentar"]
    assert all("@netral_test_bot" not in r.text for r in rows)


async def test_f18_question_whose_reply_fails_is_logged(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.fail_next("sendMessage", status=400, description="Bad Request: nope", times=10)
        fake_api.add_message("boleh pns ikut kampanye?", user_id=3803)
        await fake_api.wait_for(
            lambda: (box := inbox(db)) and box[max(box)][0] == "failed", timeout=15
        )
    (row,) = await logged(db)
    assert row.entry_id == "ikut-kampanye"


# --------------------------------------------------------------------------- F7, F8


async def test_f7_votes_are_checked_and_counted_once(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        bot.app.bot_data.flood.limit = 1000
        fake_api.add_message("boleh pns ikut kampanye?", user_id=3701)
        (card,) = await fake_api.wait_for_messages(1, chat_id=3701)
        down = next(b for b in buttons(card) if b["text"].startswith("👎"))["callback_data"]
        qid = down.split(":")[3]
        other_qid = "qidorangLain"
        presses = [down] * 50 + [
            "f:d:<b>x</b>&amp;:" + qid,
            "f:u:\x1b[31mRED\x1b[0m:" + qid,
            "f:d:entri-palsu:" + qid,
            "f:d:ikut-kampanye:" + other_qid,
            "e:sanksi-disiplin:" + other_qid + ":s",
        ]
        for data in presses:
            fake_api.add_callback_query(data, user_id=3701, message_id=card["message_id"])
        await fake_api.wait_for(
            lambda: len(fake_api.calls_to("answerCallbackQuery")) >= len(presses), timeout=20
        )
        await asyncio.sleep(0.3)
        # A second user's vote on the same question counts once too.
        fake_api.add_callback_query(down, user_id=3702, message_id=card["message_id"])
        await fake_api.wait_for(
            lambda: len(fake_api.calls_to("answerCallbackQuery")) > len(presses), timeout=10
        )
        await asyncio.sleep(0.3)
    async with await open_storage(db) as storage:
        stats = await compute_stats(storage, Period(), now=datetime.now(UTC))
        feedback = await storage.feedback_by_entry()
        async with storage._reader.execute("SELECT qid, entry_id, kind FROM events") as cur:
            events = await cur.fetchall()
    assert stats.feedback_down == 2 and stats.feedback_up == 0
    assert feedback == [("ikut-kampanye", 0, 2)]
    # The forged suggestion pick shows the entry but is not tied to the other qid.
    assert all(q in (qid, None) for q, _, _ in events)


async def test_f8_every_update_kind_is_rate_limited(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        bot.app.bot_data.flood.limit = 5
        for _ in range(12):
            fake_api.add_message("", sticker=True, user_id=7801)
            fake_api.add_message("/topik", user_id=7801)
            fake_api.add_message("/stats", user_id=7801)
            fake_api.add_message("/start ikut-kampanye", user_id=7801)
        await fake_api.wait_for_messages(6, chat_id=7801, timeout=15)
        await asyncio.sleep(1.0)
        msgs = fake_api.sent_messages(7801)
        assert len(msgs) == 6  # five replies and one "tunggu sebentar"
        assert "tunggu sebentar" in msgs[-1]["text"].lower()


async def test_f8_button_presses_in_a_group_do_not_flood_it(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        bot.app.bot_data.flood.limit = 5
        fake_api.add_message(
            "/tanya boleh pns ikut kampanye?", chat_id=GROUP, chat_type="supergroup", user_id=3901
        )
        (card,) = await fake_api.wait_for_messages(1, chat_id=GROUP)
        related = next(b for b in buttons(card) if b["callback_data"].startswith("e:"))
        for _ in range(40):
            fake_api.add_callback_query(
                related["callback_data"],
                user_id=3902,
                chat_id=GROUP,
                chat_type="supergroup",
                message_id=card["message_id"],
            )
        fake_api.add_message(
            "/tanya apa sanksi asn yang tidak netral?",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=3903,
        )
        await fake_api.wait_for(
            lambda: len(fake_api.calls_to("answerCallbackQuery")) >= 40, timeout=20
        )
        msgs = await fake_api.wait_for_messages(3, chat_id=GROUP, timeout=15)
        await asyncio.sleep(0.3)
        # The 40 identical presses show the related card once; the toast is not a message.
        assert len(fake_api.sent_messages(GROUP)) == 3
        assert "sanksi" in msgs[-1]["text"].lower() or "Sanksi" in msgs[-1]["text"]


async def test_f8_callbacks_over_the_limit_get_a_toast(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE) as bot:
        bot.app.bot_data.flood.limit = 3
        fake_api.add_message("/topik", user_id=7802)
        (topics,) = await fake_api.wait_for_messages(1, chat_id=7802)
        categories = [b["callback_data"] for b in buttons(topics)]
        presses = ([*categories, "t"] * 2)[:6]
        assert len(set(presses)) == 6  # different presses, none a repeat
        for data in presses:
            fake_api.add_callback_query(data, user_id=7802, message_id=topics["message_id"])
        await fake_api.wait_for(
            lambda: len(fake_api.calls_to("answerCallbackQuery")) >= 6, timeout=15
        )
        toasts = [
            c
            for c in fake_api.calls_to("answerCallbackQuery")
            if "tunggu" in str(c.params.get("text", ""))
        ]
        assert len(toasts) == 4  # 1 command + 2 presses allowed, the other 4 refused
        assert all(any(f"{n} detik" in str(c.params["text"]) for n in (59, 60)) for c in toasts)
        assert len(fake_api.sent_messages(7802)) == 1


# --------------------------------------------------------------------------- F11, F14, F21


class _ThreadSpy(Engine):
    def __init__(self, engine: Engine) -> None:
        self.__dict__.update(engine.__dict__)
        self.threads: list[str] = []

    def ask(self, question: str, status: str | None = None) -> Answer:
        self.threads.append(threading.current_thread().name)
        return super().ask(question, status)


async def test_f11_matching_runs_off_the_event_loop(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    spy = _ThreadSpy(engine)
    async with running_bot(fake_api, spy, db, KNOWLEDGE):
        fake_api.add_message("boleh pns ikut kampanye?", user_id=USER)
        await fake_api.wait_for_messages(1, chat_id=USER)
    assert spy.threads and threading.main_thread().name not in spy.threads


async def test_f11_report_for_year_one_is_clamped(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message("boleh pns ikut kampanye?", user_id=USER)
        await fake_api.wait_for_messages(1, chat_id=USER)
        started = time.monotonic()
        fake_api.add_message("/laporan 0001-01-01", user_id=ADMIN_ID)
        call = await fake_api.wait_for_call("sendDocument", timeout=20)
        assert time.monotonic() - started < 5
    (document,) = call.files.values()
    assert document.size < 500_000


async def test_f14_mention_after_dotted_capital_i(
    fake_api: FakeBotAPI, engine: Engine, db: Path
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message(
            "İİİİİİ @netral_test_bot tidak boleh pns ikut kampanye?",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=USER,
        )
        await fake_api.wait_for_messages(1, chat_id=GROUP)
    (row,) = await logged(db)
    assert "tidak boleh pns ikut kampanye?" in row.text
    assert "@netral" not in row.text


@pytest.mark.parametrize("command", ["/unanswered", "/stats", "/laporan", "/reload"])
async def test_f21_admin_commands_only_in_private(
    fake_api: FakeBotAPI, engine: Engine, db: Path, command: str
) -> None:
    async with running_bot(fake_api, engine, db, KNOWLEDGE):
        fake_api.add_message(command, chat_id=GROUP, chat_type="supergroup", user_id=ADMIN_ID)
        (msg,) = await fake_api.wait_for_messages(1, chat_id=GROUP)
        await asyncio.sleep(0.2)
        assert msg["text"] == texts.ADMIN_PRIVATE_ONLY
        assert not fake_api.calls_to("sendDocument")
