"""Benchmark: answers per second and latency of 1, 2 and 3 webhook replicas on PostgreSQL,
beside one process on SQLite, on this machine.

Each configuration starts real ``netral run --webhook`` processes behind the test suite's
round-robin balancer (``tests/auxil/replicaharness.py``), and the fake Bot API delivers a
burst of QUESTIONS questions from as many users over Telegram's default 40 webhook
connections. Latency is from an update's first POST to the reply reaching the fake API.

Telegram's pacing is lifted inside these processes (the per-bot limit of about 30 messages
a second would otherwise be the only thing measured): the figures are the machine's
capacity. In production each replica is paced to NETRAL_RATE_SHARE x 30 messages a second,
so N replicas together never exceed Telegram's ceiling of ~30 messages a second per bot.
The benchmark process (fake API, balancer, delivery), PostgreSQL and the replicas share the
machine's cores. Figures are printed, never asserted. Run (PostgreSQL from .ci/postgres):

    NETRAL_TEST_PG=$(bash .ci/postgres) .venv/bin/python benchmarks/bench_replicas.py
    .venv/bin/pytest -m benchmark -s benchmarks/bench_replicas.py      # the same
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.auxil.fakebotapi import FakeBotAPI  # noqa: E402
from tests.auxil.pgdb import fresh_schema  # noqa: E402
from tests.auxil.replicaharness import (  # noqa: E402
    LoadBalancer,
    WebhookDelivery,
    free_port,
    replica_env,
    start_replica,
    wait_healthy,
)

QUESTIONS = 600
TELEGRAM_CEILING = 30  # messages a second per bot (Telegram's broadcasting FAQ)
UNPACED = (
    "import bot.tg.replicas as r\n"
    "r.TELEGRAM_MESSAGES_PER_SECOND = 1e6\n"
    "r.TELEGRAM_GROUP_MESSAGES_PER_MINUTE = 1e6"
)
TEXTS = [
    "asn ikut kampanye boleh?",
    "pns boleh like postingan capres?",
    "bolehkah pns jadi anggota partai politik?",
    "pns boleh foto bareng caleg?",
    "asn pasang baliho calon boleh?",
    "gaji pns berapa?",
]


async def measure(
    db: str, replicas: int, workdir: Path, *, paced: bool = False
) -> tuple[float, float, float]:
    """(answers per second, p50 ms, p95 ms) of one burst; ``paced``: with Telegram's
    pacing, each replica at NETRAL_RATE_SHARE = 1 / replicas."""
    async with FakeBotAPI() as api:
        share = {"NETRAL_RATE_SHARE": str(1 / replicas)} if paced else {}
        env = replica_env(api, db, workdir / "bench.key", NETRAL_LOG_LEVEL="ERROR", **share)
        ports = [free_port() for _ in range(replicas)]
        prelude = None if paced else UNPACED
        procs = [await start_replica(env, port, prelude=prelude) for port in ports]
        balancer = LoadBalancer(ports)
        delivery = WebhookDelivery(api, "")
        try:
            await asyncio.gather(*(wait_healthy(port, timeout=120) for port in ports))
            await balancer.start()
            delivery.target = f"{balancer.url}/telegram"
            await api.wait_for(lambda: api.webhook, timeout=30)
            chat_of = {}
            for n in range(QUESTIONS):
                uid = api.add_message(f"{TEXTS[n % len(TEXTS)]} ({n})", user_id=90_000 + n)
                chat_of[uid] = 90_000 + n
            start = time.monotonic()
            delivery.start()
            await api.wait_for(
                lambda: len({m["chat"]["id"] for m in api.sent_messages()}) >= QUESTIONS,
                timeout=600,
            )
            elapsed = time.monotonic() - start
            answered: dict[int, float] = {}
            for call in api.calls:
                if call.method == "sendMessage" and call.delivered:
                    answered.setdefault(int(call.params["chat_id"]), call.time)
            latencies = sorted(
                (answered[chat_of[uid]] - sent) * 1000 for uid, sent in delivery.first_sent.items()
            )
        finally:
            await delivery.stop()
            await balancer.stop()
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                await asyncio.wait_for(proc.wait(), 60)
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return QUESTIONS / elapsed, p50, p95


async def run_all() -> None:
    rows: list[tuple[str, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sqlite = str(work / "bench.sqlite3")
        rows.append(("1 process, SQLite", *await measure(sqlite, 1, work)))
        for n in (1, 2, 3):
            with fresh_schema() as url:
                label = f"{n} replica{'s' if n > 1 else ''}, PostgreSQL"
                rows.append((label, *await measure(url, n, work)))
        with fresh_schema() as url:
            paced = await measure(url, 3, work, paced=True)
            rows.append(("3 replicas, paced 1/3 each", *paced))
    print(f"\n{QUESTIONS} questions from {QUESTIONS} users, 40 webhook connections")
    print("(unpaced but the last row: NETRAL_RATE_SHARE=1/3 on each of 3 replicas)")
    print(f"{'configuration':<26} {'answers/s':>10} {'p50 ms':>9} {'p95 ms':>9}")
    for label, rate, p50, p95 in rows:
        print(f"{label:<26} {rate:>10.1f} {p50:>9.0f} {p95:>9.0f}")
    print(
        f"Telegram's ceiling: ~{TELEGRAM_CEILING} messages/s per bot, whatever the number of "
        "replicas (each is paced to NETRAL_RATE_SHARE of it)."
    )


def main() -> None:
    asyncio.run(run_all())


@pytest.mark.benchmark
def test_bench_replicas() -> None:
    main()


if __name__ == "__main__":
    main()
