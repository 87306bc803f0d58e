"""Webhook replicas on one PostgreSQL: three ``netral run --webhook`` processes behind a
round-robin balancer, fed like Telegram (redelivery until 200), one killed with ``kill -9``
in the middle of a burst. Nothing is lost, nothing is logged twice.

Also in-process: /healthz, the secret token, and an update delivered to two replicas.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.engine import Engine
from bot.querylog import LogWriter, Storage, open_storage
from bot.tg.app import build_application, serve
from bot.tg.replicas import paced_limits
from tests.auxil.botharness import FAST, make_settings
from tests.auxil.fakebotapi import FakeBotAPI
from tests.auxil.pgdb import raw
from tests.auxil.replicaharness import (
    SECRET,
    SECRET_HEADER,
    LoadBalancer,
    WebhookDelivery,
    free_port,
    health,
    replica_env,
    start_replica,
    wait_healthy,
)
from tests.conftest import KNOWLEDGE, ROOT

USERS = 300
QUESTIONS = [
    "asn ikut kampanye boleh?",
    "pns boleh like postingan capres?",
    "bolehkah pns jadi anggota partai politik?",
    "pns boleh foto bareng caleg?",
    "asn pasang baliho calon boleh?",
]


def question(n: int) -> str:
    return f"{QUESTIONS[n % len(QUESTIONS)]} ({n})"


def answered(api: FakeBotAPI) -> list[int]:
    return [m["chat"]["id"] for m in api.sent_messages()]


async def stats_total(db: str) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "logs", "stats", "--json", "--db", db,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return int(json.loads(out)["total"])


async def test_three_replicas_kill_9_mid_burst(
    fake_api: FakeBotAPI, pg_url: str, tmp_path: Path
) -> None:
    env = replica_env(fake_api, pg_url, tmp_path / "shared.key", NETRAL_LEASE_SECONDS="2")
    ports = [free_port() for _ in range(3)]
    procs = [await start_replica(env, port) for port in ports]
    balancer = LoadBalancer(ports)
    delivery = WebhookDelivery(fake_api, "")
    try:
        await asyncio.gather(*(wait_healthy(port) for port in ports))
        await balancer.start()
        delivery.target = f"{balancer.url}/telegram"
        await fake_api.wait_for(lambda: fake_api.webhook, timeout=15)

        # A call without the right secret is refused and not processed.
        stranger = {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "halo",
                    "chat": {"id": 999, "type": "private"}, "from": {"id": 999,
                    "is_bot": False, "first_name": "X"}}}  # fmt: skip
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "tebakan"}):
                async with http.post(delivery.target, json=stranger, headers=headers) as resp:
                    assert resp.status == 403

        # The burst: one question from each of USERS users, replies slowed at first so that
        # the kill lands while every replica holds pending updates.
        fake_api.delay_next("sendMessage", 0.2, times=120)
        for n in range(USERS):
            fake_api.add_message(question(n), user_id=70_000 + n)
        delivery.start()
        await fake_api.wait_for(lambda: len(answered(fake_api)) >= 40, timeout=60)
        victim = procs[0]
        victim.kill()  # kill -9
        await victim.wait()
        async with await open_storage(pg_url, create_key=False) as storage:
            held = await raw(
                storage,
                "SELECT COUNT(*) FROM updates WHERE state = 'pending' "
                f"AND claimed_by LIKE '%:{victim.pid}:%'",
            )
        orphaned = int(held[0][0])
        assert orphaned > 0, "the killed replica held nothing: the kill tested nothing"
        assert len(set(answered(fake_api))) < USERS, "the burst was over before the kill"

        await fake_api.wait_for(
            lambda: len(set(answered(fake_api))) >= USERS, timeout=90, what="every answer"
        )
        async with await open_storage(pg_url, create_key=False) as storage:
            for _ in range(100):  # the last outcomes are being written
                if not await raw(storage, "SELECT 1 FROM updates WHERE state = 'pending'"):
                    break
                await asyncio.sleep(0.1)
            inbox = await raw(
                storage,
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'done'), "
                "COUNT(*) FILTER (WHERE attempts >= 2) FROM updates",
            )
            logged = await raw(storage, "SELECT COUNT(*), COUNT(DISTINCT text) FROM queries")
    finally:
        await delivery.stop()
        await balancer.stop()
        for proc in procs[1:]:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), 30) for p in procs[1:]]

    sent = answered(fake_api)
    assert set(sent) == {70_000 + n for n in range(USERS)}  # every question answered
    total, done, retried = (int(v) for v in inbox[0])
    assert (total, done) == (USERS, USERS)  # one inbox row per update, all answered
    duplicates = len(sent) - USERS
    # A second reply only for an update the killed replica had begun (attempts >= 2).
    assert duplicates <= retried <= orphaned
    assert logged == [(USERS, USERS)]  # every question logged exactly once
    assert await stats_total(pg_url) == USERS
    assert codes == [0, 0]  # the survivors stop cleanly
    assert balancer.forwarded[ports[0]] > 0 and balancer.refused > 0
    print(
        f"\nreplicas: {USERS} questions, {orphaned} held by the killed replica, "
        f"{duplicates} duplicate replies, {retried} updates retried, "
        f"{delivery.redelivered} redeliveries, {balancer.refused} refused connections"
    )


async def _serve_replica(
    api: FakeBotAPI,
    engine: Engine,
    db: str,
    port: int,
    stop: asyncio.Event,
    **settings: Any,
) -> tuple[asyncio.Task[None], Storage]:
    storage = await open_storage(db, lease_seconds=5)
    writer = LogWriter(storage, interval=0.05)
    app = build_application(make_settings(api, db, KNOWLEDGE, **settings), engine, storage, writer,
                            timeouts=FAST)  # fmt: skip
    task = asyncio.create_task(
        serve(
            app,
            webhook_url="https://netral.example.org/telegram",
            port=port,
            secret_token=SECRET,
            stop_signals=False,
            stop_event=stop,
        )
    )
    return task, storage


async def test_two_replicas_in_process_dedupe_and_health(
    fake_api: FakeBotAPI, engine: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = [free_port(), free_port()]
    stop = asyncio.Event()
    replicas = [await _serve_replica(fake_api, engine, pg_url, p, stop) for p in ports]
    try:
        await asyncio.gather(*(wait_healthy(p, timeout=30) for p in ports))
        assert await health(ports[0]) == (200, "ok\n")
        update = {
            "update_id": 555,
            "message": {"message_id": 1, "date": 1, "text": "pns ikut kampanye boleh?",
                        "chat": {"id": 8001, "type": "private"},
                        "from": {"id": 8001, "is_bot": False, "first_name": "Sari"}},
        }  # fmt: skip
        async with aiohttp.ClientSession() as http:
            for port in (*ports, *ports):  # delivered four times, to both replicas
                async with http.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json=update,
                    headers={SECRET_HEADER: SECRET},
                ) as resp:
                    assert resp.status == 200
        await fake_api.wait_for_messages(1, chat_id=8001)
        await asyncio.sleep(0.5)
        assert len(fake_api.sent_messages(8001)) == 1  # answered once
        async with await open_storage(pg_url, create_key=False) as storage:
            for _ in range(50):
                if await raw(storage, "SELECT state FROM updates") == [("done",)]:
                    break
                await asyncio.sleep(0.1)
            assert await raw(storage, "SELECT COUNT(*) FROM queries") == [(1,)]  # logged once
            # /healthz says 503 when the database does not answer.

            async def down() -> int:
                raise ConnectionError("database down")

            from bot.querylog.postgres import PostgresStorage

            monkeypatch.setattr(PostgresStorage, "max_update_id", lambda self: down())
            status, text = await health(ports[1])
            assert (status, text) == (503, "database unreachable (ConnectionError)\n")
            monkeypatch.undo()
            assert (await health(ports[1]))[0] == 200
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*(task for task, _ in replicas)), 30)
        for _, storage in replicas:
            await storage.close()


@pytest.mark.parametrize(
    ("share", "limits"), [(1.0, (30.0, 20.0)), (0.5, (15.0, 10.0)), (1 / 3, (10.0, 20 / 3))]
)
def test_paced_limits_split_telegrams_ceiling(share: float, limits: tuple[float, float]) -> None:
    assert paced_limits(share) == pytest.approx(limits)


@pytest.mark.parametrize("share", [0.0, -1.0, 1.5])
def test_paced_limits_refuse_a_bad_share(share: float) -> None:
    with pytest.raises(ValueError):
        paced_limits(share)


async def test_two_replicas_at_half_share_stay_within_telegrams_rate(
    fake_api: FakeBotAPI, engine: Engine, pg_url: str
) -> None:
    # Each replica paces itself to NETRAL_RATE_SHARE=0.5 of Telegram's 30 messages a second
    # (the production limiter, not the tests' fast one): together at most 30 a second after
    # a first burst of 15 each, so 90 replies cannot take less than (90 - 30) / 30 = 2 s.
    questions = 90
    ports = [free_port(), free_port()]
    stop = asyncio.Event()
    replicas = [
        await _serve_replica(fake_api, engine, pg_url, p, stop, rate_share=0.5) for p in ports
    ]
    try:
        await asyncio.gather(*(wait_healthy(p, timeout=30) for p in ports))
        start = time.monotonic()
        async with aiohttp.ClientSession() as http:

            async def deliver(n: int) -> None:
                update = {
                    "update_id": 1000 + n,
                    "message": {"message_id": 1, "date": 1, "text": question(n),
                                "chat": {"id": 9000 + n, "type": "private"},
                                "from": {"id": 9000 + n, "is_bot": False, "first_name": "A"}},
                }  # fmt: skip
                async with http.post(
                    f"http://127.0.0.1:{ports[n % 2]}/telegram",
                    json=update,
                    headers={SECRET_HEADER: SECRET},
                ) as resp:
                    assert resp.status == 200

            await asyncio.gather(*(deliver(n) for n in range(questions)))
        await fake_api.wait_for(lambda: len(answered(fake_api)) >= questions, timeout=60)
        sends = [c.time for c in fake_api.calls if c.method == "sendMessage" and c.delivered]
        elapsed = max(sends) - start
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*(task for task, _ in replicas)), 30)
        for _, storage in replicas:
            await storage.close()
    assert sorted(answered(fake_api)) == [9000 + n for n in range(questions)]
    assert elapsed >= 1.8, f"{questions} replies in {elapsed:.2f} s: faster than 30 a second"
