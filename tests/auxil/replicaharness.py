"""Several ``netral run --webhook`` processes behind a load balancer, fed like Telegram.

* :class:`LoadBalancer`: round robin over the replicas' ports; a refused connection (a
  replica that is down) moves on to the next replica; any other failure answers 502, as
  nginx does, and the sender delivers the update again.
* :class:`WebhookDelivery`: what Telegram does with a webhook: it takes the updates queued
  in the fake Bot API, POSTs each to the registered webhook (here: the balancer) with the
  registered secret token, up to ``connections`` at a time, and delivers an update again
  after any answer but 200 (or a timeout), until it is accepted.
* :func:`start_replica`: one real ``python -m bot run --webhook`` process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.auxil.fakebotapi import FakeBotAPI
from tests.auxil.modelseed import models_folder
from tests.conftest import KNOWLEDGE, ROOT

PUBLIC_URL = "https://netral.example.org/telegram"
SECRET = "rahasia-replika-42"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoadBalancer:
    """A round-robin HTTP balancer on 127.0.0.1 for /telegram and /healthz."""

    def __init__(self, ports: list[int], *, timeout: float = 10.0) -> None:
        self.ports = ports
        self.timeout = timeout
        self.next = 0
        self.refused = 0  # connections refused by a replica (moved on to the next)
        self.failed = 0  # forwarded requests that broke (answered 502)
        self.forwarded: Counter[int] = Counter()  # by replica port
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=200, force_close=True),
        )
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        for _ in range(len(self.ports)):
            port = self.ports[self.next % len(self.ports)]
            self.next += 1
            url = f"http://127.0.0.1:{port}{request.path_qs}"
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=headers
                ) as resp:
                    payload = await resp.read()
                    self.forwarded[port] += 1
                    return web.Response(status=resp.status, body=payload)
            except aiohttp.ClientConnectorError:
                self.refused += 1  # nothing listens there: try the next replica
                continue
            except (aiohttp.ClientError, TimeoutError):
                self.failed += 1
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=502, text="no replica")


@dataclass
class WebhookDelivery:
    """Telegram's side of a webhook, over the fake Bot API's queued updates."""

    api: FakeBotAPI
    target: str  # where the registered webhook URL is reached (the balancer's /telegram)
    connections: int = 40  # Telegram's default max_connections
    timeout: float = 10.0
    retry_delay: float = 0.2
    accepted: set[int] = field(default_factory=set)
    attempts: Counter[int] = field(default_factory=Counter)
    first_sent: dict[int, float] = field(default_factory=dict)  # monotonic, 1st attempt
    _queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _feeder: asyncio.Task[None] | None = None

    @property
    def redelivered(self) -> int:
        return sum(n - 1 for n in self.attempts.values() if n > 1)

    def start(self) -> None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._session = session
        self._feeder = asyncio.create_task(self._feed())
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.connections)]

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._feeder] if self._feeder else [])]:
            task.cancel()
        for task in [*self._tasks, *([self._feeder] if self._feeder else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._session.close()

    async def _feed(self) -> None:
        """Move updates from the fake API's queue to ours once a webhook is registered
        (the fake API's own queue is what getUpdates would have served)."""
        while True:
            if self.api.webhook is not None:
                pending = self.api._pending  # the fake's update queue, taken as Telegram does
                while pending:
                    await self._queue.put(pending.pop(0))
            await asyncio.sleep(0.01)

    async def _worker(self) -> None:
        while True:
            update = await self._queue.get()
            if not await self._post(update):
                await asyncio.sleep(self.retry_delay)
                await self._queue.put(update)

    async def _post(self, update: dict[str, Any]) -> bool:
        webhook = self.api.webhook or {}
        headers = {SECRET_HEADER: webhook.get("secret_token") or ""}
        self.attempts[update["update_id"]] += 1
        self.first_sent.setdefault(update["update_id"], time.monotonic())
        try:
            async with self._session.post(self.target, json=update, headers=headers) as resp:
                await resp.read()
                if resp.status == 200:
                    self.accepted.add(update["update_id"])
                    return True
                return False
        except (aiohttp.ClientError, TimeoutError):
            return False


def replica_env(api: FakeBotAPI, db: str, key_file: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "NETRAL_DB": db,
        "NETRAL_KEY_FILE": str(key_file),
        "NETRAL_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "NETRAL_LOG_LEVEL": "WARNING",
        # the real knowledge base's models, trained once for the whole test session
        "NETRAL_CACHE_DIR": str(models_folder(KNOWLEDGE, ROOT)),
        **extra,
    }


def replica_args(port: int) -> list[str]:
    """The ``netral run`` arguments of a replica on ``port``."""
    return ["run", "--webhook", PUBLIC_URL, "--listen", "127.0.0.1", "--port", str(port),
            "--secret-token", SECRET]  # fmt: skip


async def start_replica(
    env: dict[str, str], port: int, *, prelude: str | None = None
) -> asyncio.subprocess.Process:
    """``python -m bot run --webhook`` on ``port`` (or, with ``prelude``, the same command
    after that Python code); its output goes to a pipe."""
    if prelude is not None:
        code = (
            f"{prelude}\nfrom bot.cli import main\nraise SystemExit(main({replica_args(port)!r}))"
        )
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook",
        PUBLIC_URL,
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--secret-token",
        SECRET,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_healthy(port: int, timeout: float = 60.0) -> None:
    """Until GET /healthz on ``port`` answers 200."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            if time.monotonic() > deadline:
                raise AssertionError(f"replica on port {port} never became healthy")
            await asyncio.sleep(0.1)


async def health(port: int) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as resp,
    ):
        return resp.status, await resp.text()
