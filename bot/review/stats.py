"""Statistics of a period of the query log (``netral logs stats``, /stats, the report)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.querylog import STATUSES, ReviewQueries, format_time
from bot.review.period import Period


@dataclass(frozen=True, slots=True)
class DayCount:
    """Questions of one UTC day by status."""

    day: date
    answered: int = 0
    ambiguous: int = 0
    no_match: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.ambiguous + self.no_match

    @property
    def answer_rate(self) -> float | None:
        """Share answered, None for a day without questions."""
        return self.answered / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class EntryFeedback:
    """👍 and 👎 given to the answers of one entry (None: entry unknown)."""

    entry_id: str | None
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class LogStats:
    """Everything ``netral logs stats`` shows, for one period."""

    period: Period
    generated: datetime
    total: int
    by_status: dict[str, int]
    users: int  # distinct pseudonymous user keys
    days: tuple[DayCount, ...]  # every UTC day of the period, days without questions too
    hours: tuple[int, ...]  # questions per UTC hour of the day, 0..23
    top_entries: tuple[tuple[str, int], ...]  # answered questions per entry, most first
    feedback: tuple[EntryFeedback, ...]  # by entry id

    @property
    def answer_rate(self) -> float:
        """Share of the period's questions that were answered (0.0 without questions)."""
        return self.by_status["answered"] / self.total if self.total else 0.0

    def share(self, status: str) -> float:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        return self.by_status[status] / self.total if self.total else 0.0

    @property
    def feedback_up(self) -> int:
        return sum(f.up for f in self.feedback)

    @property
    def feedback_down(self) -> int:
        return sum(f.down for f in self.feedback)

    def most_down(self, limit: int = 10) -> list[EntryFeedback]:
        """Entries with the most 👎 (then the worst share, then the id); none without 👎."""
        worst = [f for f in self.feedback if f.down > 0]
        worst.sort(key=lambda f: (-f.down, -f.down / (f.up + f.down), f.entry_id or "~"))
        return worst[:limit]

    def questions_since(self, day: date) -> int:
        """Questions from the start of this UTC day to the end of the period."""
        return sum(d.total for d in self.days if d.day >= day)

    def busiest_hours(self, limit: int = 3) -> list[tuple[int, int]]:
        """(UTC hour, questions), busiest first; hours without questions left out."""
        ranked = sorted(enumerate(self.hours), key=lambda item: (-item[1], item[0]))
        return [item for item in ranked[:limit] if item[1] > 0]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape of ``netral logs stats``."""
        return {
            "since": iso(self.period.since),
            "until": iso(self.period.until),
            "generated": format_time(self.generated),
            "total": self.total,
            "by_status": dict(self.by_status),
            "answer_rate": round(self.answer_rate, 4),
            "users": self.users,
            "days": [
                {
                    "day": d.day.isoformat(),
                    "total": d.total,
                    "answered": d.answered,
                    "ambiguous": d.ambiguous,
                    "no_match": d.no_match,
                    "answer_rate": None if d.answer_rate is None else round(d.answer_rate, 4),
                }
                for d in self.days
            ],
            "hours_utc": list(self.hours),
            "top_entries": [{"entry_id": e, "answered": n} for e, n in self.top_entries],
            "feedback": [
                {"entry_id": f.entry_id, "up": f.up, "down": f.down} for f in self.feedback
            ],
            "most_down": [
                {"entry_id": f.entry_id, "up": f.up, "down": f.down} for f in self.most_down()
            ],
        }


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def compute_stats(
    storage: ReviewQueries, period: Period, *, now: datetime, top: int = 10
) -> LogStats:
    """Statistics of the period (days and hours in UTC)."""
    since, until = period.since, period.until
    per_day: dict[date, Counter[str]] = defaultdict(Counter)
    hours = [0] * 24
    by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for hour, status, count in await storage.hourly_status_counts(since, until):
        day = date.fromisoformat(hour[:10])
        per_day[day][status] += count
        hours[int(hour[11:13])] += count
        by_status[status] = by_status.get(status, 0) + count
    today = now.astimezone(UTC).date()
    first: date | None = since.astimezone(UTC).date() if since else min(per_day, default=None)
    if first is not None:
        # Days before the first question ever logged (in an empty log: more than a year
        # back) are not listed: a period from the year 1 must not produce 740,000 days.
        oldest = await storage.first_query_time()
        start = oldest.astimezone(UTC).date() if oldest else today - timedelta(days=366)
        first = max(first, min(start, today))
    if until is not None:
        last: date | None = (until - timedelta(milliseconds=1)).astimezone(UTC).date()
    else:  # an open period runs to today, even after its last question
        last = max(today, max(per_day)) if per_day else (today if since else None)
    days: tuple[DayCount, ...] = ()
    if first is not None and last is not None and first <= last:
        days = tuple(
            DayCount(d, per_day[d]["answered"], per_day[d]["ambiguous"], per_day[d]["no_match"])
            for d in _days(first, last)
        )
    feedback = tuple(
        EntryFeedback(entry, up, down)
        for entry, up, down in await storage.feedback_by_entry(since, until)
    )
    return LogStats(
        period=period,
        generated=now,
        total=sum(by_status.values()),
        by_status=by_status,
        users=await storage.distinct_users(since, until),
        days=days,
        hours=tuple(hours),
        top_entries=tuple(await storage.entry_counts(since, until, limit=top)),
        feedback=feedback,
    )
