"""Periods of the query log: the one parser of ``--since``/``--until``/``/laporan``
arguments and the one place a period is written out (terminal, YAML, Telegram, HTML)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from bot.querylog.clock import format_time

_DURATION = re.compile(r"(\d{1,6})\s*([dhw])")
_UNITS: Final = {"d": "days", "h": "hours", "w": "weeks"}
PERIOD_HELP: Final = (
    "a duration back from now (7d, 24h, 2w), a date (2026-11-01) or an ISO date-time"
)


class PeriodError(ValueError):
    """A --since/--until/--older-than value that cannot be read; the message says why."""


def parse_moment(text: str, now: datetime, *, end: bool = False) -> datetime:
    """Read ``7d``, ``24h``, ``2w`` (before ``now``), ``2026-11-01`` or an ISO date-time.

    A bare date is the start of that UTC day, or with ``end=True`` (for ``--until``) the
    start of the next one, so that ``--until 2026-11-30`` includes the 30th. A date-time
    without a zone is UTC. Raises PeriodError.
    """
    value = text.strip()
    relative = _DURATION.fullmatch(value.lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        try:
            return now - timedelta(**{_UNITS[unit]: amount})
        except OverflowError:
            raise PeriodError(f"{text!r} reaches too far back") from None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PeriodError(f"{text!r} is not a valid date") from None
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            return moment + timedelta(days=1) if end else moment
        except OverflowError:  # --until 9999-12-31: the day after is not a date
            raise PeriodError(f"{text!r} is too far ahead") from None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"cannot read {text!r}: use {PERIOD_HELP}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """``since <= time < until`` in UTC; None is unbounded."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("period bounds must be timezone-aware")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise PeriodError("the start of the period must be before its end")

    @classmethod
    def parse(
        cls,
        since: str | None,
        until: str | None,
        now: datetime,
        *,
        names: tuple[str, str] = ("--since", "--until"),
    ) -> Period:
        """From ``--since`` / ``--until`` texts (see :func:`parse_moment`); the one parser
        of the CLI and /laporan. A PeriodError names the bound (``names``) it is about."""
        try:
            start = None if since is None else parse_moment(since, now)
        except PeriodError as exc:
            raise PeriodError(f"{names[0]}: {exc}") from None
        try:
            stop = None if until is None else parse_moment(until, now, end=True)
        except PeriodError as exc:
            raise PeriodError(f"{names[1]}: {exc}") from None
        return cls(start, stop)

    def describe(self) -> str:
        """``2026-11-01 00:00 – 2026-11-30 23:59 UTC``, for the /laporan caption."""
        start = self.since.strftime("%Y-%m-%d %H:%M") if self.since else "awal"
        if self.until is None:
            stop = "sekarang"
        else:
            stop = (self.until - timedelta(milliseconds=1)).strftime("%Y-%m-%d %H:%M")
        return f"{start} – {stop} UTC"

    def bounds(self) -> str:
        """``<since> .. <until>`` in the stored time format, for terminal and YAML headings
        (``the first question`` and ``now`` for open ends)."""
        since = format_time(self.since) if self.since else "the first question"
        until = format_time(self.until) if self.until else "now"
        return f"{since} .. {until}"

    def days(self, first_day: date | None, now: datetime) -> str:
        """``1 November 2026 – 30 November 2026`` (UTC days) for the HTML report: an open
        start is ``first_day`` (the first day with questions), an open end is today."""
        start = self.since.date() if self.since else first_day
        end = self.until - timedelta(milliseconds=1) if self.until else None
        stop = (end or now).astimezone(UTC).date()
        first = short_date(start) if start else "awal"
        return f"{first} – {short_date(stop)}" + ("" if end else " (sekarang)")


SHORT_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"
)  # fmt: skip


def short_date(day: date) -> str:
    """``1 Nov 2026``: the report's dates (core's :func:`format_date` spells the month)."""
    return f"{day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"
