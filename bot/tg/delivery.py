"""Outgoing requests that are never silently dropped.

python-telegram-bot's ``AIORateLimiter`` paces requests within Telegram's limits (about 30
messages a second overall, 1 a second per private chat, 20 a minute per group) but by
default retries nothing, and even when asked it only retries 429. ``RetryingRateLimiter``
keeps that pacing and adds a policy of its own:

* 429 ``RetryAfter``: wait what Telegram says, then retry;
* 5xx, time-outs and reset connections (``NetworkError`` / ``TimedOut``): retry with
  exponential backoff;
* anything Telegram rejects on its merits (``BadRequest``, ``Forbidden``, ...): no retry;

until the request succeeds or ``deadline`` seconds have passed. A retried send whose first
attempt did reach Telegram can show up twice: a duplicate is acceptable, a lost reply is not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

_LOG = logging.getLogger(__name__)

JSONDict = dict[str, Any]


class RetryingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` pacing plus retries of 429, 5xx, time-outs and resets."""

    def __init__(
        self,
        *,
        deadline: float = 120.0,
        first_backoff: float = 0.5,
        max_backoff: float = 15.0,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=overall_time_period,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=0,  # retries are ours, below
        )
        self.deadline = deadline
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Run the request through the pacer, retrying transient failures."""
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self.deadline
        backoff = self.first_backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                failure: Exception = exc
                delay = _retry_after_seconds(exc) + 0.1
                reason = "429 retry_after"
            except BadRequest:
                raise  # a subclass of NetworkError, but retrying cannot fix it
            except (TimedOut, NetworkError) as exc:
                failure = exc
                delay = backoff
                backoff = min(backoff * 2, self.max_backoff)
                reason = type(exc).__name__
            if loop.time() + delay > give_up_at:
                _LOG.error("%s: giving up after %d attempts (%s)", endpoint, attempt, reason)
                raise failure
            _LOG.warning(
                "%s: attempt %d failed (%s), retrying in %.1f s", endpoint, attempt, reason, delay
            )
            await asyncio.sleep(delay)


def _retry_after_seconds(exc: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB keeps it as a timedelta; reading the public
    attribute warns about its future type, so read the timedelta PTB itself uses)."""
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
