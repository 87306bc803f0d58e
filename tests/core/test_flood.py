"""Per-user flood control."""

from __future__ import annotations

from bot.core.flood import FloodGate


def test_limit_per_window() -> None:
    gate = FloodGate(limit=3, window=60)
    assert [gate.check("u", t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert gate.check("other", 3)  # keys are independent
    assert gate.retry_in("u", 3) == 57
    assert not gate.check("u", 59.9)
    assert gate.check("u", 60.1)  # the first event left the window


def test_warn_once_per_window() -> None:
    gate = FloodGate(limit=1, window=10)
    assert gate.warn("u", 0)
    assert not gate.warn("u", 5)
    assert gate.warn("u", 10)


def test_eviction_bounds_memory() -> None:
    gate = FloodGate(limit=1, window=10, max_keys=100)
    for i in range(100):
        gate.check(i, 0)
    gate.check("late", 100)  # everything before is stale: evicted
    assert len(gate._events) == 1
