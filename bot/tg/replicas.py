"""Several bot processes on one shared database: leases, take-over, readiness, pacing.

With PostgreSQL (``NETRAL_DB=postgresql://...``) any number of ``netral run --webhook``
replicas can sit behind one load balancer:

* the webhook (``webhook.py``) stores an update in the shared inbox before it answers 200,
  so a redelivery to any replica is recognised by its ``update_id`` and ignored;
* each stored update is leased to the replica that received it; :class:`LeaseKeeper`
  renews this replica's leases every ``lease / 3`` seconds and, as often, claims the
  pending updates whose holder stopped renewing (a replica that crashed or was killed),
  so the survivors answer them; an update is logged only by the replica that finishes it
  first (see ``bot/querylog/postgres/store.py``);
* ``GET /healthz`` answers 200 only when :func:`readiness` finds the knowledge base loaded
  and the database answering;
* :func:`paced_limits` gives each replica its share of Telegram's per-bot send limits.

Per-user flood control (``bot/core/flood.py``) stays in each process's memory: with N
replicas and a round-robin balancer a user may get up to N times the single-process
allowance. Telegram's own per-chat limits still apply to the bot as a whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from bot.querylog import SharedInbox
from bot.tg.context import NetralApp
from bot.tg.polling import DurablePoller

_LOG = logging.getLogger(__name__)

# Telegram's limits per bot (https://core.telegram.org/bots/faq#broadcasting-to-users):
# about 30 messages a second overall and 20 a minute in one group.
TELEGRAM_MESSAGES_PER_SECOND: Final = 30.0
TELEGRAM_GROUP_MESSAGES_PER_MINUTE: Final = 20.0


def paced_limits(share: float) -> tuple[float, float]:
    """(messages per second overall, messages per minute per group) for a replica that
    may use ``share`` (0 < share <= 1) of the bot's limits."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    return TELEGRAM_MESSAGES_PER_SECOND * share, TELEGRAM_GROUP_MESSAGES_PER_MINUTE * share


async def readiness(app: NetralApp, *, timeout: float = 2.0) -> tuple[bool, str]:
    """Whether this replica can take updates: (ready, reason in a few words)."""
    services = app.bot_data
    if getattr(services, "engine", None) is None:
        return False, "knowledge base not loaded"
    if not app.running:
        return False, "not running"
    try:
        await asyncio.wait_for(services.storage.max_update_id(), timeout)
    except Exception as exc:
        return False, f"database unreachable ({type(exc).__name__})"
    return True, "ok"


class LeaseKeeper:
    """Renews this replica's leases and takes over the updates of replicas that died."""

    def __init__(self, app: NetralApp, storage: SharedInbox) -> None:
        self.app = app
        self.storage = storage
        self.interval = max(storage.lease.total_seconds() / 3, 0.2)
        self._stop = asyncio.Event()
        self.taken_over = 0  # updates claimed from other replicas since start

    def stop(self) -> None:
        self._stop.set()

    async def tick(self) -> int:
        """One round: renew, then claim and queue abandoned updates; return how many."""
        await self.storage.renew_leases()
        rows = await self.storage.claim_abandoned()
        if not rows:
            return 0
        queued = await DurablePoller(self.app, self.app.bot_data).queue_stored(rows)
        if queued:
            _LOG.warning("took over %d pending update(s) of a replica that stopped", queued)
        self.taken_over += queued
        return queued

    async def run(self) -> None:
        """Tick every ``lease / 3`` seconds until stopped; a failing database is logged
        and retried at the next tick (the leases then run out, and another replica that
        can reach the database takes the updates over). The first tick waits one interval,
        so that the start-up recovery has queued what it claimed first."""
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            if self._stop.is_set():
                break
            try:
                await self.tick()
            except Exception as exc:
                _LOG.error("lease keeping failed (%s: %s)", type(exc).__name__, exc)
