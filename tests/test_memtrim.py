"""bot/memtrim.py: freed heap memory goes back to the system, or nothing happens."""

from __future__ import annotations

import sys

import pytest

from bot import memtrim


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc only")
def test_released_memory_leaves_the_process() -> None:
    memtrim.release()
    before = _rss_kb()
    chunks = [bytes(200) + bytes([i % 256]) * 2000 for i in range(40_000)]  # ~90 MB, small blocks
    grown = _rss_kb()
    del chunks
    memtrim.release()
    assert grown - before > 50_000
    assert _rss_kb() - before < (grown - before) / 2


def test_release_without_a_trimming_c_library_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(memtrim, "_trim", lambda: None)
    memtrim.release()
