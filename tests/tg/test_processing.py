"""ChatOrderedProcessor and InboxJournal as units: ordering, the one journal write per
attempt, retries and the final outcome (the end-to-end side is in test_bot_hardening)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Update

from bot.querylog import EventRecord, LogRecord
from bot.tg import processing
from bot.tg.context import BotServices, InboxJournal
from bot.tg.processing import ChatOrderedProcessor, chat_key
from tests.auxil.updates import message_update


class FakeInbox:
    """Records the inbox calls the processor makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def begin_attempt(self, update_id: int, payload: str) -> int:
        self.calls.append(("begin", update_id))
        return 1

    async def finish_update(
        self, update_id: int, records: Sequence[LogRecord], *, error: str | None = None
    ) -> None:
        self.calls.append(("finish", update_id, len(records), error))


def _processor(requeued: list[Update] | None = None) -> tuple[ChatOrderedProcessor, FakeInbox]:
    services = BotServices()
    inbox = FakeInbox()
    services.storage = inbox  # type: ignore[assignment]
    processor = ChatOrderedProcessor(max_concurrent_updates=4)

    async def requeue(update: Update) -> None:
        (requeued if requeued is not None else []).append(update)

    processor.bind(services, requeue)
    return processor, inbox


def _event() -> EventRecord:
    return EventRecord(time=datetime.now(UTC), kind="button", user_key="k", entry_id="x")


async def test_same_chat_in_order_other_chats_meanwhile() -> None:
    processor, _ = _processor()
    order: list[str] = []
    release = asyncio.Event()

    async def handle(name: str, wait: bool) -> None:
        order.append(f"{name} start")
        if wait:
            await release.wait()
        order.append(f"{name} end")

    a1 = asyncio.create_task(
        processor.do_process_update(message_update(1, "a", chat_id=10), handle("a1", True))
    )
    await asyncio.sleep(0)
    a2 = asyncio.create_task(
        processor.do_process_update(message_update(2, "a", chat_id=10), handle("a2", False))
    )
    b1 = asyncio.create_task(
        processor.do_process_update(message_update(3, "b", chat_id=20), handle("b1", False))
    )
    await asyncio.wait_for(b1, 5)  # chat 20 does not wait for chat 10's slow update
    assert "a2 start" not in order
    release.set()
    await asyncio.wait_for(asyncio.gather(a1, a2), 5)
    assert order.index("a1 end") < order.index("a2 start")


async def test_one_journal_write_per_attempt_and_rows_with_the_outcome() -> None:
    processor, inbox = _processor()
    update = message_update(5, "pns ikut kampanye")

    async def handle() -> None:
        processor._services.record(update, _event())

    await processor.do_process_update(update, handle())
    assert inbox.calls == [("begin", 5), ("finish", 5, 1, None)]


async def test_failed_update_is_retried_then_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processing, "RETRY_DELAY", 0)
    requeued: list[Update] = []
    processor, inbox = _processor(requeued)
    journal = processor._services.journal
    update = message_update(6, "x")

    async def failing() -> None:
        journal.fail(6)  # what the error handler does when a handler raises

    for attempt in range(1, journal.max_attempts + 1):
        await processor.do_process_update(update, failing())
        await asyncio.sleep(0.01)  # let the scheduled retry run
        assert len(requeued) == min(attempt, journal.max_attempts - 1)
    assert inbox.calls[-1] == ("finish", 6, 0, f"handler failed {journal.max_attempts} times")
    assert [c for c in inbox.calls if c[0] == "begin"] == [("begin", 6)] * journal.max_attempts
    assert journal.attempts == {} and journal.records == {}


@pytest.mark.parametrize(
    ("update", "key"),
    [
        (message_update(1, "x", chat_id=42), ("chat", 42)),
        (Update.de_json({"update_id": 9}, None), ("update", 9)),
    ],
)
def test_chat_key(update: Update, key: object) -> None:
    assert chat_key(update) == key


def test_journal_counts_attempts_and_knows_the_last() -> None:
    journal = InboxJournal(max_attempts=2)
    update = object()
    assert journal.begin(1, update) == 1
    assert journal.may_retry(1) and not journal.is_last_attempt(1)
    journal.fail(1)
    assert journal.end(1, update) == (True, [])
    assert journal.begin(1, update) == 2
    assert not journal.may_retry(1) and journal.is_last_attempt(1)
    assert journal.end(1, update) == (False, [])
    journal.forget(1)
    assert journal.is_last_attempt(1)  # not in flight: a failure now is final
    journal.recovered(3, 1)
    assert journal.begin(3, update) == 2
