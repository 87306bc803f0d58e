"""DurablePoller as a unit, over a real SQLite inbox and a scripted getUpdates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from bot.querylog import Storage, open_storage
from bot.tg.context import BotServices
from bot.tg.polling import DurablePoller
from tests.auxil.updates import message_json, message_update


class ScriptedBot:
    """getUpdates answers from a script; every call is recorded."""

    def __init__(self, *batches: list[Update]) -> None:
        self.batches = list(batches)
        self.calls: list[dict[str, Any]] = []

    async def get_updates(self, **kwargs: Any) -> list[Update]:
        self.calls.append(kwargs)
        return self.batches.pop(0) if self.batches else []


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    async with await open_storage(tmp_path / "inbox.sqlite3") as opened:
        yield opened


def _poller(storage: Storage, bot: ScriptedBot) -> tuple[DurablePoller, BotServices]:
    services = BotServices()
    services.storage = storage
    app = SimpleNamespace(bot=bot, update_queue=asyncio.Queue())
    return DurablePoller(app, services), services  # type: ignore[arg-type]


async def test_recover_requeues_pending_and_gives_up_the_hopeless(storage: Storage) -> None:
    ok = json.dumps(message_json(11, "pns ikut kampanye"))
    await storage.save_updates([(10, ok.replace("11", "10")), (11, ok), (12, "{not json")])
    for _ in range(3):
        await storage.begin_attempt(10, "")  # failed three times in an earlier run
    await storage.begin_attempt(11, ok)  # one attempt made before the crash
    poller, services = _poller(storage, ScriptedBot())
    offset = await poller.recover()
    assert offset == 13  # resume after the newest update ever stored
    queued = poller.app.update_queue
    assert queued.qsize() == 1 and queued.get_nowait().update_id == 11
    assert services.journal.attempts == {11: 1}  # the retry budget carries over
    assert await storage.pending_updates() == [(11, ok, 1)]


async def test_a_batch_is_journaled_before_its_offset_is_confirmed(storage: Storage) -> None:
    batch = [message_update(20, "satu"), message_update(21, "dua")]
    poller, _ = _poller(storage, ScriptedBot(batch))
    updates, offset = await poller._fetch(None)
    assert [u.update_id for u in updates] == [20, 21]
    assert offset == 22  # the next getUpdates confirms 20 and 21 ...
    pending = await storage.pending_updates()
    assert [uid for uid, _, _ in pending] == [20, 21]  # ... which are on disk already


async def test_run_hands_updates_over_and_stops(storage: Storage) -> None:
    bot = ScriptedBot([message_update(30, "tiga")])
    poller, _ = _poller(storage, bot)
    task = asyncio.create_task(poller.run())
    update = await asyncio.wait_for(poller.app.update_queue.get(), 5)
    assert update.update_id == 30
    poller.stop()
    await asyncio.wait_for(task, 5)
    assert bot.calls[0]["offset"] is None and bot.calls[1]["offset"] == 31
