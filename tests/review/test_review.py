"""bot.review and the storage queries behind it: periods, statistics, clusters, retention."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.matcher import Matcher
from bot.core.models import KnowledgeBase
from bot.knowledge import require_knowledge
from bot.querylog import Storage, open_storage
from bot.querylog.sqlite.migrations import MIGRATIONS
from bot.review.clusters import (
    cluster_sets,
    cluster_unanswered,
    jaccard,
    read_unanswered,
    unanswered_clusters,
)
from bot.review.period import Period, PeriodError, parse_moment
from bot.review.stats import compute_stats
from tests.auxil.pgdb import raw
from tests.auxil.reviewlog import KB_REVIEW, NASTY, at, fill

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def review_kb() -> KnowledgeBase:
    return require_knowledge(KB_REVIEW)


@pytest.fixture(scope="module")
def matcher(review_kb: KnowledgeBase) -> Matcher:
    return Matcher(review_kb)


@pytest.fixture
async def log(log_target: str | Path) -> AsyncIterator[Storage]:
    """The fixture log in each backend in turn: every review result must be the same."""
    async with await open_storage(log_target) as storage:
        await fill(storage)
        yield storage


@pytest.fixture
async def sqlite_log(tmp_path: Path) -> AsyncIterator[Storage]:
    async with await open_storage(tmp_path / "log.sqlite3") as storage:
        await fill(storage)
        yield storage


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("24h", NOW - timedelta(hours=24)),
        ("2w", NOW - timedelta(weeks=2)),
        (" 30D ", NOW - timedelta(days=30)),
        ("0d", NOW),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:30", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),  # naive: UTC
        ("2026-11-01T08:30:00Z", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
        ("2026-11-01T15:30:00+07:00", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_parse_moment(text: str, expected: datetime) -> None:
    assert parse_moment(text, NOW) == expected


def test_until_date_includes_that_day() -> None:
    assert parse_moment("2026-11-30", NOW, end=True) == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_moment("7d", NOW, end=True) == NOW - timedelta(days=7)  # durations unchanged


@pytest.mark.parametrize(
    "text", ["", "yesterday", "7", "d7", "7 days", "-7d", "2026-13-01", "2026-02-30", "7y"]
)
def test_parse_moment_rejects(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_moment(text, NOW)


def test_parse_moment_too_far_back() -> None:
    with pytest.raises(PeriodError, match="too far"):
        parse_moment("999999w", NOW)


def test_period_validation_and_parse() -> None:
    assert Period.parse("2026-11-01", "2026-11-05", NOW) == Period(
        at("2026-11-01T00:00:00"), at("2026-11-06T00:00:00")
    )
    assert Period.parse(None, None, NOW) == Period()
    with pytest.raises(PeriodError, match="before"):
        Period.parse("2026-11-05", "2026-11-01", NOW)
    with pytest.raises(ValueError, match="aware"):
        Period(datetime(2026, 11, 1))


# --------------------------------------------------------------------------- clustering core


def test_jaccard() -> None:
    a, b = frozenset({"gaji", "asn", "berapa"}), frozenset({"gaji", "asn"})
    assert jaccard(a, b) == pytest.approx(2 / 3)
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_cluster_sets_greedy_leader_is_deterministic() -> None:
    sets = [
        frozenset({"gaji", "asn", "berapa"}),  # leader of cluster 0
        frozenset({"formasi", "cpns", "kapan", "buka"}),  # leader of cluster 1
        frozenset({"gaji", "asn"}),  # 2/3 with cluster 0
        frozenset({"formasi", "cpns", "buka"}),  # 3/4 with cluster 1
        frozenset({"gaji", "formasi"}),  # 1/4 and 1/5: a cluster of its own
        frozenset({"gaji", "asn", "naik", "kapan", "tahun"}),  # 2/6 with 0: alone
    ]
    assert cluster_sets(sets) == [[0, 2], [1, 3], [4], [5]]
    assert cluster_sets(sets, threshold=1.0) == [[0], [1], [2], [3], [4], [5]]
    assert cluster_sets(sets, threshold=0.3) == [[0, 2, 5], [1, 3], [4]]
    assert cluster_sets([]) == []
    with pytest.raises(ValueError):
        cluster_sets(sets, threshold=0)


def test_cluster_sets_joins_the_most_similar_leader() -> None:
    sets = [
        frozenset({"a", "b", "c", "d"}),
        frozenset({"a", "b", "x"}),  # 2/5 with the first: leads a cluster
        frozenset({"a", "b", "x", "d"}),  # 3/5 with the first, 3/4 with the second
    ]
    assert cluster_sets(sets) == [[0], [1, 2]]


def test_cluster_sets_prefix_filter_matches_brute_force() -> None:
    # The prefix filter must never miss a leader that a pairwise comparison would find.
    words = ["asn", "gaji", "cuti", "kapan", "cpns", "formasi", "buka", "naik", "tahun", "pppk"]
    sets = []
    for i in range(300):
        chosen = {words[(i * k + k * k) % len(words)] for k in range(1, 2 + i % 4)}
        sets.append(frozenset(chosen))

    def brute(threshold: float) -> list[list[int]]:
        leaders: list[int] = []
        clusters: list[list[int]] = []
        for i, tokens in enumerate(sets):
            best: tuple[float, int] | None = None
            for n, leader in enumerate(leaders):
                sim = jaccard(tokens, sets[leader])
                if sim >= threshold and (best is None or sim > best[0]):
                    best = (sim, n)
            if best is None:
                leaders.append(i)
                clusters.append([i])
            else:
                clusters[best[1]].append(i)
        return clusters

    for threshold in (0.3, 0.5, 0.6, 0.75, 1.0):
        assert cluster_sets(sets, threshold) == brute(threshold)


# --------------------------------------------------------------------------- storage queries


def _plan(conn: sqlite3.Connection, sql: str) -> str:
    return " ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


async def test_review_indexes(sqlite_log: Storage) -> None:
    with closing(sqlite3.connect(sqlite_log.path)) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 4
        hours = _plan(
            conn,
            "SELECT substr(time, 1, 13), status, COUNT(*) FROM queries "
            "INDEXED BY queries_hour_status GROUP BY substr(time, 1, 13), status",
        )
        texts = _plan(
            conn,
            "SELECT text, COUNT(*) FROM queries INDEXED BY queries_unanswered_text "
            "WHERE status IN ('ambiguous', 'no_match') GROUP BY text",
        )
    assert {"queries_hour_status", "queries_user_time", "events_time"} <= names
    assert "events_kind_time" not in names and "queries_status_time" not in names
    # both groupings read an index in order: no sort of a million rows
    assert "COVERING INDEX queries_hour_status" in hours and "TEMP B-TREE" not in hours
    assert "COVERING INDEX queries_unanswered_text" in texts and "TEMP B-TREE" not in texts


async def test_hourly_counts_and_period_bounds(log: Storage) -> None:
    rows = await log.hourly_status_counts()
    assert sum(n for *_, n in rows) == 17
    assert ("2026-11-01T08", "answered", 2) in rows
    # since inclusive, until exclusive, to the millisecond
    edge = await log.hourly_status_counts(at("2026-11-01T23:59:59.999"), at("2026-11-02T00:00"))
    assert edge == [("2026-11-01T23", "no_match", 1)]
    assert await log.hourly_status_counts(at("2026-11-02T00:00"), at("2026-11-02T00:00:00.001"))
    assert await log.hourly_status_counts(at("2026-11-04T00:00"), at("2026-11-05T00:00")) == []


async def test_entry_counts_users_feedback(log: Storage) -> None:
    assert await log.entry_counts() == [("ikut-kampanye", 3), ("hak-pilih", 1), ("medsos-like", 1)]
    assert await log.entry_counts(limit=1) == [("ikut-kampanye", 3)]
    assert await log.entry_counts(at("2026-11-02T00:00"), at("2026-11-04T00:00")) == [
        ("hak-pilih", 1),
        ("ikut-kampanye", 1),
    ]
    assert await log.distinct_users() == 7
    assert await log.distinct_users(at("2026-11-05T00:00")) == 5  # users 1, 2, 3, 6 and 7
    assert await log.feedback_by_entry() == [
        ("hak-pilih", 1, 0),
        ("ikut-kampanye", 1, 2),
        ("medsos-like", 0, 1),
        (None, 1, 0),
    ]
    assert await log.feedback_by_entry(at("2026-11-02T00:00"), at("2026-11-03T00:00")) == [
        ("ikut-kampanye", 0, 1)
    ]
    assert await log.unanswered_count() == 12
    with pytest.raises(ValueError):
        await log.entry_counts(status="unanswered")


async def test_unanswered_texts_most_asked_first(log: Storage) -> None:
    texts = [t async for t in log.iter_unanswered_texts(limit=3)]
    assert [(t.text, t.count) for t in texts] == [
        ("gaji pns brp", 2),
        ("ikut kampanye online boleh gak", 2),
        (NASTY, 1),  # ties by text: "<" sorts before letters
    ]
    assert texts[0].first == at("2026-11-01T23:59:59.999")
    assert texts[0].last == at("2026-11-05T01:10:00")
    assert texts[1].no_match == 0
    everything = [t async for t in log.iter_unanswered_texts()]
    assert sum(t.count for t in everything) == 12 and len(everything) == 10
    # a short period reads its own range, a long one the text index: the same answers
    short = [t async for t in log.iter_unanswered_texts(at("2026-11-06T00:00"))]
    assert [(t.text, t.count) for t in short] == [
        ("Gaji PNS berapa ya", 1),
        ("formasi cpns kpn buka", 1),
    ]
    middle = [t async for t in log.iter_unanswered_texts(at("2026-11-05T00:00"), limit=2)]
    assert [(t.text, t.count) for t in middle] == [(NASTY, 1), ("Gaji PNS berapa ya", 1)]
    long = [t async for t in log.iter_unanswered_texts(at("2026-11-01T00:00"))]
    assert long == everything


# --------------------------------------------------------------------------- statistics


async def test_compute_stats_all_time(log: Storage) -> None:
    stats = await compute_stats(log, Period(), now=NOW)
    assert stats.total == 17
    assert stats.by_status == {"answered": 5, "ambiguous": 2, "no_match": 10}
    assert stats.answer_rate == pytest.approx(5 / 17)
    assert stats.users == 7
    # an open period runs from the first question to today, empty days included
    assert stats.days[0].day == date(2026, 11, 1) and stats.days[-1].day == date(2026, 11, 10)
    assert [(d.day.day, d.total, d.answered) for d in stats.days[:6]] == [
        (1, 3, 2),
        (2, 3, 1),
        (3, 4, 1),
        (4, 0, 0),
        (5, 5, 1),
        (6, 2, 0),
    ]
    assert stats.days[3].answer_rate is None
    assert stats.days[0].answer_rate == pytest.approx(2 / 3)
    assert stats.hours[8] == 3 and stats.hours[23] == 2 and stats.hours[0] == 1
    assert sum(stats.hours) == 17
    assert stats.busiest_hours(3) == [(8, 3), (1, 2), (2, 2)]
    assert stats.top_entries == (("ikut-kampanye", 3), ("hak-pilih", 1), ("medsos-like", 1))
    assert (stats.feedback_up, stats.feedback_down) == (3, 3)
    assert [(f.entry_id, f.down) for f in stats.most_down()] == [
        ("ikut-kampanye", 2),
        ("medsos-like", 1),
    ]
    assert stats.questions_since(date(2026, 11, 5)) == 7
    data = stats.to_json()
    assert data["total"] == 17 and data["users"] == 7 and len(data["hours_utc"]) == 24
    assert data["days"][0] == {
        "day": "2026-11-01",
        "total": 3,
        "answered": 2,
        "ambiguous": 0,
        "no_match": 1,
        "answer_rate": 0.6667,
    }
    assert data["most_down"][0] == {"entry_id": "ikut-kampanye", "up": 1, "down": 2}


async def test_compute_stats_period(log: Storage) -> None:
    period = Period.parse("2026-11-03", "2026-11-05", NOW)
    stats = await compute_stats(log, period, now=NOW, top=1)
    assert stats.total == 9
    assert [d.day.day for d in stats.days] == [3, 4, 5]
    assert stats.top_entries == (("hak-pilih", 1),)  # tie with ikut-kampanye, by id
    assert stats.by_status == {"answered": 2, "ambiguous": 1, "no_match": 6}


async def test_compute_stats_empty(log_target: str | Path) -> None:
    async with await open_storage(log_target) as storage:
        stats = await compute_stats(storage, Period(), now=NOW)
        recent = await compute_stats(storage, Period(NOW - timedelta(days=2)), now=NOW)
    assert stats.total == 0 and stats.days == () and stats.answer_rate == 0.0
    assert stats.busiest_hours() == [] and stats.most_down() == []
    assert [d.total for d in recent.days] == [0, 0, 0]  # the 8th, 9th and today


async def test_stats_days_are_utc(log: Storage) -> None:
    wib = timezone(timedelta(hours=7))
    period = Period(datetime(2026, 11, 2, 7, 0, tzinfo=wib))  # 00:00 UTC
    stats = await compute_stats(log, period, now=NOW)
    assert stats.days[0].day == date(2026, 11, 2) and stats.days[0].total == 3


# --------------------------------------------------------------------------- clusters


async def test_clusters_group_near_duplicates(log: Storage, matcher: Matcher) -> None:
    report = await unanswered_clusters(log, matcher, Period())
    assert report.total == 12
    assert report.empty == 1  # "???"
    assert report.unread == 0 and report.distinct_texts == 10
    assert report.cluster_count == 4 and report.clustered == 11
    gaji, formasi, online, nasty = report.clusters
    assert (gaji.size, gaji.no_match, gaji.ambiguous) == (5, 5, 0)
    assert gaji.examples == ("gaji pns brp", "Gaji PNS berapa ya", "gaji pns berapa?")
    assert set(gaji.tokens) == {"gaji", "asn", "berapa"}
    assert gaji.first == at("2026-11-01T23:59:59.999") and gaji.last == at("2026-11-06T07:00")
    assert gaji.offtopic == "gaji-tunjangan"  # a subject the bot declines, not a gap
    assert formasi.size == 3 and "formasi cpns kapan dibuka" in formasi.examples
    assert len(formasi.examples) == 3 and formasi.nearest is None  # no entry shares a word
    assert (online.size, online.ambiguous, online.nearest) == (2, 2, "ikut-kampanye")
    assert online.examples == ("ikut kampanye online boleh gak",)
    assert online.score > 0.3 and online.offtopic is None
    assert nasty.examples == (NASTY,) and nasty.size == 1


async def test_clusters_limit_period_and_cap(log: Storage, matcher: Matcher) -> None:
    top = await unanswered_clusters(log, matcher, Period(), limit=1)
    assert [c.size for c in top.clusters] == [5] and top.cluster_count == 4
    november_5 = await unanswered_clusters(
        log, matcher, Period(at("2026-11-05T00:00"), at("2026-11-06T00:00"))
    )
    assert november_5.total == 4
    assert sorted(c.size for c in november_5.clusters) == [1, 1, 1, 1]
    capped = await unanswered_clusters(log, matcher, Period(), max_texts=2)
    assert capped.distinct_texts == 2 and capped.unread == 8
    assert [c.size for c in capped.clusters] == [2, 2]
    assert capped.to_json()["not_clustered_rare_texts"] == 8


async def test_clusters_in_two_steps_as_the_cli_runs_them(log: Storage, matcher: Matcher) -> None:
    # netral logs reads the texts while the knowledge base loads, then clusters them.
    unanswered = await read_unanswered(log, Period())
    report = await cluster_unanswered(unanswered, matcher, limit=2)
    assert [c.size for c in report.clusters] == [5, 3]
    assert report == await unanswered_clusters(log, matcher, Period(), limit=2)


# --------------------------------------------------------------------------- retention


async def test_purge_boundaries(log: Storage) -> None:
    await log.save_updates([(1, '{"user": 1}'), (2, "{}")], now=at("2026-11-01T00:00"))
    await log.save_updates([(3, "{}")], now=at("2026-11-01T00:00"))  # pending: kept
    await log.save_updates([(4, '{"user": 4}')], now=at("2026-11-01T00:00"))
    await log.save_updates([(5, "{}")], now=at("2026-11-05T00:00"))  # recent: kept
    await log.mark_update_done(1)
    await log.mark_update_failed(2, "boom")
    await log.mark_update_done(4)
    await log.mark_update_done(5)
    counts = await log.purge(at("2026-11-02T00:00"), batch_size=2)
    # q01, q02, q03 (23:59:59.999) go; q04 at exactly the cut-off stays.
    assert counts.queries == 3
    # their events (one pressed two days later) and the orphan from October
    assert counts.events == 4
    assert counts.updates == 3  # 1, 2, 4; 3 is pending and 5 is recent
    remaining = [r.qid async for r in log.iter_queries()]
    assert remaining[0] == "q04" and len(remaining) == 14
    assert await log.max_update_id() == 5
    again = await log.purge(at("2026-11-02T00:00"))
    assert (again.queries, again.events, again.updates) == (0, 0, 0)


async def test_purge_keeps_the_newest_update_but_blanks_it(log: Storage) -> None:
    await log.save_updates([(7, '{"from": {"id": 123}}')], now=at("2026-11-01T00:00"))
    await log.mark_update_done(7)
    counts = await log.purge(NOW)
    assert counts.queries == 17 and counts.events == 9 and counts.updates == 0
    assert await log.max_update_id() == 7
    assert await raw(log, "SELECT payload FROM updates") == [("{}",)]
    await log.vacuum()
    assert (await compute_stats(log, Period(), now=NOW)).total == 0


async def test_purge_rejects_naive_cutoff(log: Storage) -> None:
    with pytest.raises(ValueError):
        await log.purge(datetime(2026, 11, 1))
