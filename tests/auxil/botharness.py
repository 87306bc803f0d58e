"""Runs the real bot (``build_application`` + ``serve``) against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.engine import Engine
from bot.querylog import LogWriter, Storage, open_storage
from bot.settings import Settings
from bot.tg.app import Timeouts, build_application, serve
from bot.tg.context import NetralApp
from bot.tg.delivery import RetryingRateLimiter
from tests.auxil.fakebotapi import FakeBotAPI

ADMIN_ID = 4242
FAST = Timeouts(connect=2.0, read=2.0, write=2.0, pool=2.0)


@dataclass
class RunningBot:
    """A bot serving in the background, its fake server and its database."""

    api: FakeBotAPI
    app: NetralApp
    storage: Storage
    writer: LogWriter
    settings: Settings
    task: asyncio.Task[None]
    stop_event: asyncio.Event
    extra: dict[str, Any] = field(default_factory=dict)

    async def stop(self) -> None:
        """Graceful stop, as on SIGTERM."""
        self.stop_event.set()
        await asyncio.wait_for(self.task, 30)

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m.get("text", "") for m in self.api.sent_messages(chat_id)]


def make_settings(api: FakeBotAPI, db: str | Path, knowledge: Path, **overrides: Any) -> Settings:
    """Settings for a test bot; ``db`` is a SQLite path or a PostgreSQL URL."""
    values: dict[str, Any] = {
        "token": api.token,
        "api_base_url": api.base_url,
        "db_path": db if isinstance(db, Path) else Path("unused.sqlite3"),
        "db_url": db if isinstance(db, str) else None,
        "admin_ids": frozenset({ADMIN_ID}),
        "knowledge_dir": knowledge,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotAPI,
    engine: Engine,
    db: str | Path,
    knowledge: Path,
    *,
    deadline: float = 20.0,
    overall_rate: float = 1000,
    **overrides: Any,
) -> AsyncIterator[RunningBot]:
    """Start the bot against ``api``; stop it gracefully on exit."""
    settings = make_settings(api, db, knowledge, **overrides)
    storage = await open_storage(db)
    writer = LogWriter(storage, interval=0.05)
    limiter = RetryingRateLimiter(
        deadline=deadline, first_backoff=0.05, max_backoff=0.5, overall_max_rate=overall_rate
    )
    app = build_application(settings, engine, storage, writer, timeouts=FAST, rate_limiter=limiter)
    stop_event = asyncio.Event()
    task = asyncio.create_task(
        serve(app, stop_signals=False, stop_event=stop_event, poll_timeout=1)
    )
    bot = RunningBot(api, app, storage, writer, settings, task, stop_event)
    try:
        yield bot
    finally:
        if not task.done():
            await bot.stop()
        await storage.close()
