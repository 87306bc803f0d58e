"""RetryingRateLimiter as a unit: what is retried, what is not, and the deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.tg.delivery import RetryingRateLimiter


class Flaky:
    """A Bot API call failing with the given errors first, then answering True."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return True


async def _send(limiter: RetryingRateLimiter, call: Flaky) -> Any:
    await limiter.initialize()
    try:
        return await limiter.process_request(
            call, (), {}, "sendMessage", {"chat_id": 1, "text": "x"}, None
        )
    finally:
        await limiter.shutdown()


@pytest.mark.parametrize(
    "failures",
    [
        (TimedOut(),),
        (NetworkError("connection reset"), TimedOut()),
        (RetryAfter(timedelta(seconds=0)),),
    ],
)
async def test_transient_failures_are_retried(failures: tuple[Exception, ...]) -> None:
    call = Flaky(*failures)
    limiter = RetryingRateLimiter(first_backoff=0.01, max_backoff=0.02)
    assert await _send(limiter, call) is True
    assert call.calls == len(failures) + 1


async def test_bad_request_is_not_retried() -> None:
    call = Flaky(BadRequest("can't parse entities"))
    with pytest.raises(BadRequest):
        await _send(RetryingRateLimiter(first_backoff=0.01), call)
    assert call.calls == 1


async def test_gives_up_at_the_deadline() -> None:
    call = Flaky(*(TimedOut() for _ in range(100)))
    limiter = RetryingRateLimiter(deadline=0.1, first_backoff=0.04, max_backoff=0.04)
    with pytest.raises(TimedOut):
        await _send(limiter, call)
    assert 2 <= call.calls <= 4  # 0.04 s apart within 0.1 s


async def test_retry_after_beyond_the_deadline_is_raised_at_once() -> None:
    call = Flaky(RetryAfter(timedelta(seconds=60)))
    with pytest.raises(RetryAfter):
        await _send(RetryingRateLimiter(deadline=5), call)
    assert call.calls == 1
