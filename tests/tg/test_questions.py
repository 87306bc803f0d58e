"""What a logged question's elapsed_ms measures: the engine's answer, nothing around it."""

from __future__ import annotations

import time

from bot.core.conversation import Turn
from bot.core.engine import Answer, Engine
from bot.tg.handlers.questions import _timed_converse


class SlowEngine:
    """Takes 50 ms to answer; returns the real engine's answer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def converse(self, text: str, turn: Turn | None) -> Answer:
        time.sleep(0.05)
        return self.engine.converse(text, turn)


def test_elapsed_ms_is_the_matching_time(small_engine: Engine) -> None:
    started = time.perf_counter()
    answer, elapsed_ms = _timed_converse(SlowEngine(small_engine), "pns ikut kampanye", None)  # type: ignore[arg-type]
    outside_ms = (time.perf_counter() - started) * 1000
    assert answer.result.status == "answered"
    assert 50 <= elapsed_ms <= outside_ms
