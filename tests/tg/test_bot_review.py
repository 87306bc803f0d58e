"""End to end: the admin commands over the query log, /laporan, /stats and /unanswered,
through python-telegram-bot against the fake Bot API (see tests/tg/test_bot_e2e.py)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.knowledge import require_knowledge
from bot.querylog import QueryRecord, open_storage
from bot.tg import texts
from tests.auxil.botharness import ADMIN_ID, running_bot
from tests.auxil.fakebotapi import FakeBotAPI
from tests.auxil.reviewlog import KB_REVIEW, NASTY, at, fill

USER = 1001


@pytest.fixture(scope="module")
def review_engine() -> Engine:
    return Engine(require_knowledge(KB_REVIEW))


@pytest.fixture
async def db(log_target: str | Path) -> str | Path:
    """The fixture log (in each backend in turn), moved to start 90 days ago, plus three
    recent unanswered questions."""
    path = log_target
    now = datetime.now(UTC)
    async with await open_storage(path) as storage:
        await fill(storage, shift=now - timedelta(days=90) - at("2026-11-01T00:00"))
        await storage.insert_records(
            [
                QueryRecord(
                    qid=f"recent{i}",
                    time=now - timedelta(hours=i + 1),
                    chat_type="private",
                    user_key=storage.user_key(9),
                    text=text,
                    status="no_match",
                )
                for i, text in enumerate(["gaji pns brp", "GAJI PNS BERAPA?", NASTY])
            ]
        )
    return path


async def test_laporan_sends_the_html_report(
    fake_api: FakeBotAPI, review_engine: Engine, db: str | Path
) -> None:
    async with running_bot(fake_api, review_engine, db, KB_REVIEW):
        fake_api.add_message("/laporan semua", user_id=ADMIN_ID)
        await fake_api.wait_for(lambda: fake_api.documents, timeout=15)
        fake_api.add_message("/laporan", user_id=ADMIN_ID)  # default: the last 30 days
        await fake_api.wait_for(lambda: len(fake_api.documents) == 2, timeout=15)
    everything, recent = fake_api.documents
    assert everything.chat_id == ADMIN_ID
    assert everything.filename is not None and everything.filename.endswith(".html")
    assert everything.mime_type == "text/html"
    page = everything.data.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Laporan pertanyaan Netral" in page
    assert "<script" not in page and html.escape(NASTY) in page
    assert "<b>20</b><span>pertanyaan</span>" in page  # 17 of the fixture + 3 recent
    assert everything.caption is not None and "Laporan pertanyaan Netral" in everything.caption
    assert recent.filename is not None and recent.filename.endswith(".html")
    assert "<b>3</b><span>pertanyaan</span>" in recent.data.decode("utf-8")  # recent only
    assert not [c for c in fake_api.calls if c.status == 400]


async def test_laporan_is_for_admins_only(
    fake_api: FakeBotAPI, review_engine: Engine, db: str | Path
) -> None:
    async with running_bot(fake_api, review_engine, db, KB_REVIEW):
        fake_api.add_message("/laporan", user_id=USER)
        (reply,) = await fake_api.wait_for_messages(1, chat_id=USER)
        fake_api.add_message("/laporan kemarin", user_id=ADMIN_ID)
        (usage,) = await fake_api.wait_for_messages(1, chat_id=ADMIN_ID)
    assert reply["text"] == texts.ADMIN_ONLY == "Perintah ini khusus admin."
    assert "document" not in reply
    assert usage["text"] == html.unescape(
        texts.LAPORAN_USAGE.replace("<code>", "").replace("</code>", "")
    )
    assert fake_api.documents == []
    assert not fake_api.calls_to("sendDocument")


async def test_stats_and_unanswered_use_the_review_library(
    fake_api: FakeBotAPI, review_engine: Engine, db: str | Path
) -> None:
    async with running_bot(fake_api, review_engine, db, KB_REVIEW):
        fake_api.add_message("/stats", user_id=ADMIN_ID)
        (stats,) = await fake_api.wait_for_messages(1, chat_id=ADMIN_ID)
        fake_api.add_message("/unanswered", user_id=ADMIN_ID)
        (listing,) = (await fake_api.wait_for_messages(2, chat_id=ADMIN_ID))[1:]
        fake_api.add_message("/stats", user_id=USER)
        (refused,) = await fake_api.wait_for_messages(1, chat_id=USER)
    assert "Total: 20" in stats["text"] and "Hari ini:" in stats["text"]
    assert "Pengguna berbeda: 8" in stats["text"]
    assert "ikut-kampanye — 3" in stats["text"]
    assert "👍 3 · 👎 3" in stats["text"]
    # the recent "gaji" questions form one cluster; the November ones are too old
    text = listing["text"]
    assert "3 pertanyaan belum terjawab (30 hari), 2 kelompok" in text
    assert "1. 2× “GAJI PNS BERAPA?”" in text and "   · gaji pns brp" in text
    assert NASTY in text  # escaped on the way, shown as text
    assert refused["text"] == texts.ADMIN_ONLY
