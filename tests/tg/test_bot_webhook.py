"""`netral run --webhook`: updates arrive over HTTP from Telegram instead of long polling."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp

from bot.core.engine import Engine
from bot.querylog import LogWriter, open_storage
from bot.tg.app import build_application, serve
from tests.auxil.botharness import FAST, make_settings
from tests.auxil.fakebotapi import FakeBotAPI
from tests.conftest import KNOWLEDGE

SECRET = "rahasia-webhook-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message_update(update_id: int, text: str, user_id: int) -> dict[str, object]:
    user = {"id": user_id, "is_bot": False, "first_name": "Sari"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Sari"},
            "from": user,
            "text": text,
        },
    }


async def test_webhook_answers_and_checks_the_secret(
    fake_api: FakeBotAPI, engine: Engine, tmp_path: Path
) -> None:
    db = tmp_path / "netral.sqlite3"
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
            listen="127.0.0.1",
            port=port,
            secret_token=SECRET,
            stop_signals=False,
            stop_event=stop,
        )
    )
    try:
        await fake_api.wait_for(lambda: fake_api.webhook, timeout=15)
        assert fake_api.webhook is not None and fake_api.webhook["secret_token"] == SECRET
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the webhook server may take a moment to listen
                try:
                    async with http.post(url, data=b"{}") as resp:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            # Without the secret token Telegram's requests are refused.
            async with http.post(url, json=message_update(7, "halo", 5001)) as resp:
                assert resp.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            body = json.dumps(message_update(8, "pns ikut kampanye boleh?", 5002))
            async with http.post(
                url, data=body, headers={**headers, "Content-Type": "application/json"}
            ) as resp:
                assert resp.status == 200
        (reply,) = await fake_api.wait_for_messages(1, chat_id=5002)
        assert reply["text"].startswith("⛔ DILARANG")
        assert not fake_api.sent_messages(5001)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    rows = [r async for r in storage.iter_queries()]
    await storage.close()
    assert [r.entry_id for r in rows] == ["ikut-kampanye"]
