"""Reviewing the query log: periods, statistics and clusters of unanswered questions.

The library behind ``netral logs`` and the admin commands ``/stats``, ``/unanswered`` and
``/laporan``; every database read goes through :class:`bot.querylog.Storage`. Nothing here
identifies a person: outputs carry counts, question texts and pseudonymous keys only.

Clustering (``unanswered_clusters``) works in three steps:

1. SQLite groups the period's ambiguous and no_match questions by exact text and returns
   the ``max_texts`` most asked texts with their counts; rarer texts are counted, not read.
2. Each text is normalised by the bot's own matcher (``Matcher.tokens``: synonyms, typo
   correction, stop words, stemming), so "gaji pns brp" and "GAJI PNS BERAPA?" get the
   same key: the sorted set of their tokens. Texts with equal keys are merged.
3. Keys are grouped greedily, most asked first: a key joins the first-formed cluster whose
   leader it resembles best with a Jaccard similarity of at least ``threshold`` over the
   token sets, else it leads a new cluster. A prefix filter (rare tokens first) finds the
   candidate leaders without comparing every pair. The result is deterministic.

The nearest existing entry of a cluster is ``Matcher.rank`` of its leader's tokens.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from bot.core.engine import bounded
from bot.core.matcher import Matcher
from bot.core.normalize import basic_clean
from bot.querylog import STATUSES, Storage, format_time

DEFAULT_THRESHOLD: Final = 0.5  # Jaccard similarity of token sets to join a cluster
DEFAULT_MAX_TEXTS: Final = 5000  # distinct question texts read for clustering
EXAMPLES_PER_CLUSTER: Final = 3

# --------------------------------------------------------------------------- periods

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
    def parse(cls, since: str | None, until: str | None, now: datetime) -> Period:
        """From ``--since`` / ``--until`` texts (see :func:`parse_moment`)."""
        start = None if since is None else parse_moment(since, now)
        stop = None if until is None else parse_moment(until, now, end=True)
        return cls(start, stop)

    def describe(self) -> str:
        """``2026-11-01 00:00 – 2026-11-30 23:59 UTC`` style, for headings."""
        start = self.since.strftime("%Y-%m-%d %H:%M") if self.since else "awal"
        if self.until is None:
            stop = "sekarang"
        else:
            stop = (self.until - timedelta(milliseconds=1)).strftime("%Y-%m-%d %H:%M")
        return f"{start} – {stop} UTC"


# --------------------------------------------------------------------------- statistics


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
            "since": _iso(self.period.since),
            "until": _iso(self.period.until),
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


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def compute_stats(
    storage: Storage, period: Period, *, now: datetime, top: int = 10
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


# --------------------------------------------------------------------------- clusters


@dataclass(frozen=True, slots=True)
class Cluster:
    """Unanswered questions that say nearly the same thing."""

    tokens: tuple[str, ...]  # the normalised words of its most asked text
    size: int
    no_match: int
    first: datetime
    last: datetime
    examples: tuple[str, ...]  # up to three different texts, most asked first
    nearest: str | None  # the closest existing entry, by Matcher.rank
    score: float  # its score (0.0 without one)
    # the out-of-scope topic (knowledge/luar-cakupan.yaml) that declines it, if any: such a
    # cluster is a subject the bot is meant to decline, not a gap in the knowledge base
    offtopic: str | None = None

    @property
    def ambiguous(self) -> int:
        return self.size - self.no_match

    @property
    def label(self) -> str:
        return self.examples[0] if self.examples else " ".join(self.tokens)


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """The clusters of a period's unanswered (ambiguous and no_match) questions."""

    period: Period
    clusters: tuple[Cluster, ...]  # biggest first, at most the requested number
    total: int  # unanswered questions in the period
    cluster_count: int  # clusters found (before the limit)
    clustered: int  # questions in those clusters
    distinct_texts: int  # distinct texts read
    unread: int  # questions whose (rarer) texts were beyond the cap: counted, not clustered
    empty: int  # questions without one meaningful word ("???", "halo")

    def to_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.period.since),
            "until": _iso(self.period.until),
            "total": self.total,
            "clusters_found": self.cluster_count,
            "clustered": self.clustered,
            "distinct_texts": self.distinct_texts,
            "not_clustered_rare_texts": self.unread,
            "without_meaningful_words": self.empty,
            "clusters": [cluster_json(c) for c in self.clusters],
        }


def cluster_json(cluster: Cluster) -> dict[str, Any]:
    """One cluster as a JSON object (``netral logs unanswered --json``, one per line)."""
    return {
        "size": cluster.size,
        "no_match": cluster.no_match,
        "ambiguous": cluster.ambiguous,
        "first": format_time(cluster.first),
        "last": format_time(cluster.last),
        "examples": list(cluster.examples),
        "tokens": list(cluster.tokens),
        "nearest": cluster.nearest,
        "score": round(cluster.score, 4),
        "offtopic": cluster.offtopic,
    }


@dataclass(slots=True)
class _Group:
    """Texts with the same normalised key."""

    key: frozenset[str]
    tokens: tuple[str, ...]  # of the most asked text
    count: int = 0
    no_match: int = 0
    first: datetime | None = None
    last: datetime | None = None
    examples: list[tuple[int, str]] = field(default_factory=list)  # (count, text)
    _seen: set[str] = field(default_factory=set)

    def add(self, text: str, count: int, no_match: int, first: datetime, last: datetime) -> None:
        self.count += count
        self.no_match += no_match
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        shown = " ".join(text.split())
        folded = _fold(shown)
        # Texts arrive most asked first, so the first different ones are the examples.
        if len(self.examples) < EXAMPLES_PER_CLUSTER and folded not in self._seen:
            self._seen.add(folded)
            self.examples.append((count, shown))


def _fold(text: str) -> str:
    """Texts that differ only in case or final punctuation are the same example."""
    return text.casefold().rstrip("?!. ")


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _prefix_length(size: int, threshold: float) -> int:
    # Two sets with Jaccard >= t share a token among the first |x| - ceil(t|x|) + 1 tokens
    # of each, in any one global order (the AllPairs prefix filter).
    return size - math.ceil(threshold * size - 1e-9) + 1


def cluster_sets(
    sets: Sequence[frozenset[str]], threshold: float = DEFAULT_THRESHOLD
) -> list[list[int]]:
    """Greedy leader clustering of token sets given most important first.

    Returns the clusters as lists of indexes into ``sets`` (the leader first), in the
    order their leaders appear. A set joins the leader with the highest Jaccard similarity
    (at least ``threshold``; ties go to the earlier leader), else starts a cluster.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    frequency: Counter[str] = Counter(t for s in sets for t in s)

    def ordered(tokens: Iterable[str]) -> list[str]:
        return sorted(tokens, key=lambda t: (frequency[t], t))

    clusters: list[list[int]] = []
    leaders: list[frozenset[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)  # token -> leaders with it in prefix
    for index, tokens in enumerate(sets):
        order = ordered(tokens)
        prefix = order[: _prefix_length(len(order), threshold)]
        best: tuple[float, int] | None = None
        candidates = sorted({leader for token in prefix for leader in postings.get(token, ())})
        for leader in candidates:
            similarity = jaccard(tokens, leaders[leader])
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, leader)
        if best is None:
            for token in prefix:
                postings[token].append(len(leaders))
            leaders.append(tokens)
            clusters.append([index])
        else:
            clusters[best[1]].append(index)
    return clusters


async def unanswered_clusters(
    storage: Storage,
    matcher: Matcher | Awaitable[Matcher],
    period: Period,
    *,
    limit: int | None = 20,
    max_texts: int = DEFAULT_MAX_TEXTS,
    threshold: float = DEFAULT_THRESHOLD,
) -> ClusterReport:
    """Cluster the period's ambiguous and no_match questions (see the module docstring).

    At most ``max_texts`` distinct texts (the most asked) are held in memory; ``limit``
    bounds the clusters returned (biggest first), None returns all of them. ``matcher``
    may be an awaitable (the knowledge base loading in a thread): the texts are read from
    SQLite meanwhile.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    if max_texts < 0:
        raise ValueError("max_texts must be >= 0")
    total = await storage.unanswered_count(period.since, period.until)
    texts = [
        item
        async for item in storage.iter_unanswered_texts(period.since, period.until, limit=max_texts)
    ]
    if not isinstance(matcher, Matcher):
        matcher = await matcher
    groups: dict[frozenset[str], _Group] = {}
    # The matcher's tokens depend only on the cleaned text (step 1 of the normaliser), so
    # texts differing only in case, punctuation or emoji are normalised once.
    normalised: dict[str, tuple[str, ...]] = {}
    empty = 0
    for index, item in enumerate(texts, 1):
        if index % 250 == 0:
            await asyncio.sleep(0)  # normalising is CPU work: let a running bot breathe
        text = bounded(item.text)
        cleaned = basic_clean(text)
        tokens = normalised.get(cleaned)
        if tokens is None:
            tokens = normalised[cleaned] = matcher.tokens(text)
        if not tokens:
            empty += item.count
            continue
        key = frozenset(tokens)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(key, tokens)
        group.add(item.text, item.count, item.no_match, item.first, item.last)
    read = sum(item.count for item in texts)
    distinct = len(texts)
    del texts
    ordered = sorted(groups.values(), key=lambda g: (-g.count, sorted(g.key)))
    found: list[tuple[int, _Group, list[_Group]]] = []
    for members in cluster_sets([g.key for g in ordered], threshold):
        parts = [ordered[i] for i in members]
        found.append((sum(g.count for g in parts), ordered[members[0]], parts))
    found.sort(key=lambda item: -item[0])  # stable: ties keep the leaders' order
    chosen = found if limit is None else found[:limit]
    clusters = tuple(_make_cluster(matcher, leader, parts) for _, leader, parts in chosen)
    return ClusterReport(
        period=period,
        clusters=clusters,
        total=total,
        cluster_count=len(found),
        clustered=sum(size for size, _, _ in found),
        distinct_texts=distinct,
        unread=total - read,
        empty=empty,
    )


def _make_cluster(matcher: Matcher, leader: _Group, parts: list[_Group]) -> Cluster:
    examples: list[str] = []
    seen: set[str] = set()
    # The most asked texts of the cluster, whichever group they came from.
    candidates = sorted(
        ((count, order, text) for order, g in enumerate(parts) for count, text in g.examples),
        key=lambda item: (-item[0], item[1]),
    )
    for _, _, text in candidates:
        if _fold(text) not in seen and len(examples) < EXAMPLES_PER_CLUSTER:
            seen.add(_fold(text))
            examples.append(text)
    ranked, topic = matcher.rank_with_topic(leader.tokens)
    first = min(g.first for g in parts if g.first is not None)
    last = max(g.last for g in parts if g.last is not None)
    return Cluster(
        tokens=leader.tokens,
        size=sum(g.count for g in parts),
        no_match=sum(g.no_match for g in parts),
        first=first,
        last=last,
        examples=tuple(examples),
        nearest=ranked[0].entry.id if ranked else None,
        score=ranked[0].score if ranked else 0.0,
        offtopic=topic.id if topic else None,
    )
