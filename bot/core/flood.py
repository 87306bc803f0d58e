"""Per-user flood control: a sliding window of recent questions."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable


class FloodGate:
    """Allows at most ``limit`` events per ``window`` seconds for each key.

    ``check`` returns True when the event is allowed. ``warn`` tells whether the caller
    should say "tunggu sebentar" for a refused event: only once per window, so that a
    flooding user does not make the bot flood back.
    """

    def __init__(self, limit: int = 20, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._events: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}

    def check(self, key: Hashable, now: float) -> bool:
        """Record an event for ``key`` at ``now`` (seconds) if it is within the limit."""
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self._max_keys:
                self._evict(now)
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def warn(self, key: Hashable, now: float) -> bool:
        """True the first time in a window that ``key`` is refused."""
        last = self._warned.get(key)
        if last is not None and now - last < self.window:
            return False
        self._warned[key] = now
        return True

    def retry_in(self, key: Hashable, now: float) -> float:
        """Seconds until ``key`` may ask again (0 when it may now)."""
        events = self._events.get(key)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, events[0] + self.window - now)

    def _evict(self, now: float) -> None:
        stale = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]
        for k in stale:
            del self._events[k]
            self._warned.pop(k, None)
