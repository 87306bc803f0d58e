"""`netral run` as a real process against the fake Bot API: crash safety and shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.querylog import open_storage
from tests.auxil.fakebotapi import FakeBotAPI
from tests.auxil.modelseed import models_folder
from tests.conftest import KNOWLEDGE, ROOT

USERS = 150


def bot_env(api: FakeBotAPI, db: Path, level: str = "INFO") -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "NETRAL_DB": str(db),
        "NETRAL_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "NETRAL_LOG_LEVEL": level,
        # the real knowledge base's models, trained once for the whole test session
        "NETRAL_CACHE_DIR": str(models_folder(KNOWLEDGE, ROOT)),
    }


async def spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot run` with this environment, output captured."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def start_bot(api: FakeBotAPI, db: Path) -> asyncio.subprocess.Process:
    return await spawn(bot_env(api, db))


def answered_chats(api: FakeBotAPI) -> set[int]:
    return {m["chat"]["id"] for m in api.sent_messages()}


async def test_no_question_lost_after_kill_9(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    db = tmp_path / "netral.sqlite3"
    for n in range(USERS):
        fake_api.add_message(f"asn ikut kampanye boleh? ({n})", user_id=50_000 + n)
    fake_api.delay_next("sendMessage", 0.3, times=40)  # slow replies: kill mid-burst
    proc = await start_bot(fake_api, db)
    # Wait until the bot has fetched (and so confirmed part of) the burst, then kill it.
    await fake_api.wait_for(lambda: len(fake_api.sent_messages()) >= 5, timeout=60)
    proc.kill()
    await proc.wait()
    before = answered_chats(fake_api)
    assert len(before) < USERS, "the burst finished before the kill: nothing was tested"
    assert fake_api.confirmed_offset is not None  # some updates were confirmed to Telegram
    proc = await start_bot(fake_api, db)
    try:
        await fake_api.wait_for(lambda: len(answered_chats(fake_api)) >= USERS, timeout=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    assert answered_chats(fake_api) == {50_000 + n for n in range(USERS)}
    async with await open_storage(db) as storage:
        assert await storage.pending_updates() == []
        logged = {r.text async for r in storage.iter_queries()}
    assert len(logged) == USERS  # every question logged (duplicates of a reply are allowed)


async def test_sigterm_finishes_in_flight_and_exits_0(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    db = tmp_path / "netral.sqlite3"
    proc = await start_bot(fake_api, db)
    await fake_api.wait_for(lambda: fake_api.calls_to("getUpdates"), timeout=30)
    for n in range(30):
        fake_api.add_message(f"like postingan capres ({n})", user_id=60_000 + n)
    fake_api.delay_next("sendMessage", 0.2, times=30)
    await fake_api.wait_for(lambda: len(fake_api.sent_messages()) >= 1, timeout=30)
    proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(proc.wait(), 60)
    assert proc.stderr is not None
    stderr = (await proc.stderr.read()).decode()
    assert code == 0, stderr
    assert fake_api.token not in stderr  # the token never reaches a log line
    # Everything fetched before the signal was answered and logged before exit.
    async with await open_storage(db) as storage:
        pending = await storage.pending_updates()
        rows = [r async for r in storage.iter_queries()]
    assert pending == []
    assert len(rows) == len(answered_chats(fake_api))


async def test_run_without_token_points_to_chat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = await spawn(env)
    _, err = await proc.communicate()
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "netral chat" in lines[0]


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_token_never_logged(
    fake_api: FakeBotAPI, tmp_path: Path, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRAL_LOG_LEVEL", level)
    proc = await spawn(bot_env(fake_api, tmp_path / "netral.sqlite3", level))
    fake_api.add_message("asn ikut kampanye boleh?", user_id=777)
    fake_api.fail_next("sendMessage", status=500)
    await fake_api.wait_for(lambda: fake_api.sent_messages(777), timeout=30)
    proc.send_signal(signal.SIGTERM)
    out, err = await proc.communicate()
    text = (out + err).decode()
    assert proc.returncode == 0, text
    assert "getUpdates" in text or level == "INFO"
    secret = fake_api.token.split(":", 1)[1]
    assert secret not in text
