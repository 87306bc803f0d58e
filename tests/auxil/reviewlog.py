"""A small query log with known contents, for the tests of ``netral logs`` and bot.review.

Hand-counted figures (all UTC):

* 17 questions: 5 answered, 2 ambiguous, 10 no_match; 7 distinct users.
* Per day: 11-01: 3 (2 answered), 11-02: 3 (1), 11-03: 4 (1), 11-04: 0, 11-05: 5 (1),
  11-06: 2 (0).
* Answered per entry: ikut-kampanye 3, hak-pilih 1, medsos-like 1.
* Hours: 08 -> 3; 01, 02, 09, 10, 11, 23 -> 2; 00, 07 -> 1.
* Unanswered clusters: "gaji" 5 (no_match), "formasi cpns" 3 (no_match),
  "ikut kampanye online" 2 (ambiguous), the <script> text 1; "???" has no meaningful word.
* Feedback: hak-pilih 1 up (event without entry id: taken from its question),
  ikut-kampanye 1 up 2 down, medsos-like 1 down, unknown entry 1 up.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.querylog import EventRecord, QueryRecord, Storage, open_storage

Target = TypeVar("Target", Path, str)

KB_REVIEW = Path(__file__).resolve().parents[1] / "fixtures" / "kb_review"
NASTY = "<script>alert(1)</script> & <b>tunjangan</b>"

# qid, UTC time, status, entry, chat type, user number, text
ROWS: list[tuple[str, str, str, str | None, str, int, str]] = [
    ("q01", "2026-11-01T08:00:00", "answered", "ikut-kampanye", "private", 1, "pns ikut kampanye"),
    (
        "q02",
        "2026-11-01T08:30:00",
        "answered",
        "medsos-like",
        "private",
        2,
        "like postingan capres",
    ),
    ("q03", "2026-11-01T23:59:59.999", "no_match", None, "group", 3, "gaji pns brp"),
    ("q04", "2026-11-02T00:00:00", "no_match", None, "private", 1, "gaji pns berapa?"),
    ("q05", "2026-11-02T09:15:00", "answered", "ikut-kampanye", "supergroup", 4, "kampanye akbar"),
    (
        "q06",
        "2026-11-02T09:45:00",
        "ambiguous",
        None,
        "private",
        2,
        "ikut kampanye online boleh gak",
    ),
    ("q07", "2026-11-03T10:00:00", "no_match", None, "private", 5, "GAJI PNS BRP"),
    ("q08", "2026-11-03T10:05:00", "no_match", None, "private", 5, "formasi cpns kapan dibuka"),
    ("q09", "2026-11-03T11:00:00", "answered", "hak-pilih", "private", 1, "pns boleh nyoblos?"),
    ("q10", "2026-11-03T11:30:00", "no_match", None, "group", 3, "???"),
    ("q11", "2026-11-05T01:00:00", "no_match", None, "private", 6, "kapan formasi cpns dibuka?"),
    ("q12", "2026-11-05T01:10:00", "no_match", None, "private", 2, "gaji pns brp"),
    (
        "q13",
        "2026-11-05T02:00:00",
        "answered",
        "ikut-kampanye",
        "private",
        6,
        "ikut konvoi kampanye",
    ),
    (
        "q14",
        "2026-11-05T02:30:00",
        "ambiguous",
        None,
        "private",
        6,
        "ikut kampanye online boleh gak",
    ),
    ("q15", "2026-11-05T23:00:00", "no_match", None, "private", 7, NASTY),
    ("q16", "2026-11-06T07:00:00", "no_match", None, "private", 1, "Gaji PNS berapa ya"),
    ("q17", "2026-11-06T08:00:00", "no_match", None, "private", 3, "formasi cpns kpn buka"),
]

# kind, UTC time, qid, entry, user number
EVENTS: list[tuple[str, str, str | None, str | None, int]] = [
    ("feedback_up", "2026-11-01T08:01:00", "q01", "ikut-kampanye", 1),
    ("feedback_down", "2026-11-01T08:31:00", "q02", "medsos-like", 2),
    ("feedback_down", "2026-11-02T09:16:00", "q05", "ikut-kampanye", 4),
    ("button", "2026-11-02T09:46:00", "q06", "ikut-kampanye", 2),
    ("feedback_up", "2026-11-03T11:01:00", "q09", None, 1),
    ("button", "2026-11-04T12:00:00", "q02", "medsos-like", 2),  # late press, old question
    ("feedback_down", "2026-11-05T02:01:00", "q13", "ikut-kampanye", 6),
    ("feedback_up", "2026-11-06T09:00:00", None, None, 3),
    ("button", "2026-10-30T12:00:00", "never-logged", "hak-pilih", 3),  # orphan, old
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def fill(storage: Storage, shift: timedelta = timedelta(0)) -> None:
    """Insert ROWS and EVENTS (users as the storage's pseudonymous keys), ``shift`` later."""
    records: list[QueryRecord | EventRecord] = [
        QueryRecord(
            qid=qid,
            time=at(when) + shift,
            chat_type=chat,
            user_key=storage.user_key(user),
            text=text,
            status=status,
            entry_id=entry,
            score=0.8 if status == "answered" else 0.3,
            suggestions=("ikut-kampanye", "medsos-like") if status == "ambiguous" else (),
            elapsed_ms=3.5,
        )
        for qid, when, status, entry, chat, user, text in ROWS
    ]
    records += [
        EventRecord(
            time=at(when) + shift,
            kind=kind,
            user_key=storage.user_key(user),
            qid=qid,
            entry_id=entry,
        )
        for kind, when, qid, entry, user in EVENTS
    ]
    await storage.insert_records(records)


def make_log(target: Target) -> Target:
    """Create the database at ``target`` (a SQLite path or a PostgreSQL URL) with the
    fixture log (synchronously)."""
    # PostgreSQL keeps no key file beside the database: give the fixture a fixed key.
    key = b"netral-test-key-0123456789" if isinstance(target, str) else None

    async def create() -> None:
        async with await open_storage(target, key=key) as storage:
            await fill(storage)

    asyncio.run(create())
    return target
