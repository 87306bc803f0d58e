"""The review's shared vocabulary: status labels and percentages, defined once for the
terminal, Telegram and the HTML report."""

from __future__ import annotations

from typing import Final

# Indonesian names of the question statuses (bot.querylog.STATUSES), in that order.
STATUS_LABELS: Final = {"answered": "terjawab", "ambiguous": "ambigu", "no_match": "tidak cocok"}


def pct(share: float | None, digits: int = 1) -> str:
    """A share as a percentage (``12.5%``; ``-`` for None)."""
    return "-" if share is None else f"{share * 100:.{digits}f}%"
