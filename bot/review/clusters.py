"""Clusters of unanswered questions (``netral logs unanswered``/``suggest``, /unanswered).

Clustering works in three steps:

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
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.core.engine import bounded
from bot.core.matcher import Matcher
from bot.core.normalize import basic_clean
from bot.querylog import ReviewQueries, TextCount, format_time
from bot.review.period import Period
from bot.review.stats import iso

DEFAULT_THRESHOLD: Final = 0.5  # Jaccard similarity of token sets to join a cluster
DEFAULT_MAX_TEXTS: Final = 5000  # distinct question texts read for clustering
EXAMPLES_PER_CLUSTER: Final = 3


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
            "since": iso(self.period.since),
            "until": iso(self.period.until),
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


@dataclass(frozen=True, slots=True)
class UnansweredTexts:
    """Step 1 of the module docstring: the period's most asked unanswered texts."""

    period: Period
    total: int  # unanswered questions in the period
    texts: tuple[TextCount, ...]  # at most max_texts, most asked first


async def read_unanswered(
    storage: ReviewQueries, period: Period, *, max_texts: int = DEFAULT_MAX_TEXTS
) -> UnansweredTexts:
    """Read the ``max_texts`` most asked texts of the period's ambiguous and no_match
    questions (the only step that needs the database)."""
    if max_texts < 0:
        raise ValueError("max_texts must be >= 0")
    total = await storage.unanswered_count(period.since, period.until)
    texts = tuple(
        [
            item
            async for item in storage.iter_unanswered_texts(
                period.since, period.until, limit=max_texts
            )
        ]
    )
    return UnansweredTexts(period, total, texts)


async def unanswered_clusters(
    storage: ReviewQueries,
    matcher: Matcher,
    period: Period,
    *,
    limit: int | None = 20,
    max_texts: int = DEFAULT_MAX_TEXTS,
    threshold: float = DEFAULT_THRESHOLD,
) -> ClusterReport:
    """Cluster the period's ambiguous and no_match questions (see the module docstring).

    At most ``max_texts`` distinct texts (the most asked) are held in memory; ``limit``
    bounds the clusters returned (biggest first), None returns all of them. A caller that
    loads the knowledge base meanwhile calls :func:`read_unanswered` and
    :func:`cluster_unanswered` itself (``netral logs`` does, with ``asyncio.gather``).
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    unanswered = await read_unanswered(storage, period, max_texts=max_texts)
    return await cluster_unanswered(unanswered, matcher, limit=limit, threshold=threshold)


async def cluster_unanswered(
    unanswered: UnansweredTexts,
    matcher: Matcher,
    *,
    limit: int | None = 20,
    threshold: float = DEFAULT_THRESHOLD,
) -> ClusterReport:
    """Steps 2 and 3: normalise and cluster texts already read (CPU work that yields to the
    event loop now and then, so a running bot keeps answering)."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    period, total, texts = unanswered.period, unanswered.total, unanswered.texts
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
