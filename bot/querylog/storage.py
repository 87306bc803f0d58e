"""The query log's interface: what the bot, the review and retention need from a backend.

The query log is one database with three tables (``queries``, ``events``, ``updates``)
whose meaning is backend-independent; see ``docs/architecture.md``. The callers depend on
these protocols only, so a backend is one new module (``bot/querylog/sqlite/`` is the
default) registered in :func:`bot.querylog.open_storage`:

* :class:`LogSink`: pseudonyms and log inserts, all that :class:`~bot.querylog.writer.LogWriter`
  and the console need;
* :class:`Inbox`: the durable update inbox of ``bot/tg/polling.py`` and ``processing.py``;
* :class:`ReviewQueries`: the read side of ``netral logs``, /stats, /unanswered, /laporan;
* :class:`Retention`: purge and vacuum;
* :class:`Export`: whole tables, for ``netral db copy``;
* :class:`SharedInbox`: leases on pending updates, when several processes share the inbox.

Periods are ``since <= time < until`` with aware datetimes; None means unbounded. Results
are ordered as documented so that every backend gives the same output.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from bot.querylog.records import (
    EventRecord,
    LogRecord,
    PurgeCounts,
    QueryRow,
    TextCount,
    UpdateRow,
)


class ClosesOnExit:
    """``async with store:`` closes the store on the way out (both backends)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        raise NotImplementedError


class StorageOpenError(RuntimeError):
    """A query log that cannot be opened (server unreachable, login refused, newer
    schema); the message names the database without its password."""


class LogSink(Protocol):
    """Where log rows go."""

    @property
    def bad_row_errors(self) -> tuple[type[Exception], ...]:
        """Errors of :meth:`insert_records` that mean "this row can never be written"
        (the writer drops it); any other error keeps the rows for retry."""
        ...

    def user_key(self, user_id: int) -> str:
        """Stable pseudonym for a Telegram user id (see :mod:`bot.querylog.pseudonym`);
        RuntimeError when opened without a key."""
        ...

    async def insert_records(self, records: Sequence[LogRecord]) -> None:
        """Insert query and event rows in one transaction; a query whose qid is already
        logged is skipped, a feedback vote replaces the same user's earlier vote."""
        ...


class Inbox(Protocol):
    """The durable inbox of raw Telegram updates (table ``updates``)."""

    async def save_updates(
        self, updates: Sequence[tuple[int, str]], *, now: datetime | None = None
    ) -> int:
        """Store (update_id, JSON payload) pairs as pending, ignoring known ids; return
        how many were new."""
        ...

    async def begin_attempt(
        self, update_id: int, payload: str, *, now: datetime | None = None
    ) -> int:
        """One write per processing attempt: insert the update as pending with one
        attempt if it is new, else count one more; return the attempts so far."""
        ...

    async def pending_updates(self) -> list[tuple[int, str, int]]:
        """Pending updates as (update_id, payload, attempts), oldest update first."""
        ...

    async def mark_update_done(self, update_id: int) -> None:
        """Mark an update answered and blank its payload."""
        ...

    async def mark_update_failed(self, update_id: int, error: str) -> None:
        """Give an update up and blank its payload."""
        ...

    async def save_failed_update(self, update_id: int, error: str) -> None:
        """Journal an update that cannot be processed at all as failed, payload blank."""
        ...

    async def expire_pending_updates(
        self, older_than: timedelta, *, now: datetime | None = None
    ) -> int:
        """Give up pending updates received before ``now - older_than``; return how many."""
        ...

    async def finish_update(
        self, update_id: int, records: Sequence[LogRecord], *, error: str | None = None
    ) -> None:
        """Write an update's log rows and mark it done (failed with ``error``) atomically."""
        ...

    async def max_update_id(self) -> int | None:
        """Highest update_id ever stored (any state), or None for an empty inbox."""
        ...


class ReviewQueries(Protocol):
    """The read side of the log (all ordered deterministically)."""

    def iter_queries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        entry_id: str | None = None,
        chat_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[QueryRow]:
        """Logged questions oldest first (by time, then id); arguments are validated
        (ValueError) before iteration starts."""
        ...

    async def query_logged(self, qid: str) -> bool:
        """Whether a question with this qid is in the log."""
        ...

    async def first_query_time(self) -> datetime | None:
        """When the oldest logged question was asked (None for an empty log)."""
        ...

    async def hourly_status_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        """(UTC hour as ``YYYY-MM-DDTHH``, status, count), by hour then status."""
        ...

    async def distinct_users(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """How many user keys asked in the period (empty keys not counted)."""
        ...

    async def entry_counts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        status: str = "answered",
        limit: int | None = None,
    ) -> list[tuple[str, int]]:
        """(entry_id, questions) with this status, most first, then by id."""
        ...

    async def feedback_by_entry(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[tuple[str | None, int, int]]:
        """(entry_id, up, down) of the period's feedback, by entry id, None last."""
        ...

    async def unanswered_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """How many ambiguous and no_match questions the period has."""
        ...

    def iter_unanswered_texts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int | None = None,
    ) -> AsyncIterator[TextCount]:
        """Distinct unanswered texts, most asked first (ties by text)."""
        ...


class Retention(Protocol):
    """Deleting old rows."""

    async def purge(self, before: datetime, *, batch_size: int = 5000) -> PurgeCounts:
        """Delete questions (with their events), events and finished updates older than
        ``before``; the newest update stays so polling can resume."""
        ...

    async def vacuum(self) -> tuple[int, int]:
        """Give the space of deleted rows back; return the size in bytes before and after."""
        ...


class Export(Protocol):
    """Whole-table reads and writes for moving a log between databases (``netral db copy``)."""

    def iter_events(self) -> AsyncIterator[EventRecord]:
        """Every event, in insertion (id) order."""
        ...

    def iter_updates(self) -> AsyncIterator[UpdateRow]:
        """Every row of the update inbox, by update_id."""
        ...

    async def import_updates(self, rows: Sequence[UpdateRow]) -> int:
        """Insert inbox rows as they are (state, attempts, time), ignoring known update_ids;
        return how many were new."""
        ...

    async def table_counts(self) -> dict[str, int]:
        """Rows in ``queries``, ``events`` and ``updates``."""
        ...

    async def existing_qids(self, qids: Sequence[str]) -> set[str]:
        """The ones among ``qids`` that are logged."""
        ...


@runtime_checkable
class SharedInbox(Protocol):
    """An inbox several processes share (PostgreSQL): each pending update is leased to the
    process that received or claimed it. The SQLite backend (one process) has no leases."""

    lease: timedelta

    async def renew_leases(self) -> int:
        """Extend the lease of every pending update this process holds; return how many."""
        ...

    async def claim_abandoned(self) -> list[tuple[int, str, int]]:
        """Claim pending updates whose holder's lease ran out (or that nobody holds) and
        return them as (update_id, payload, attempts), oldest first; never this process's
        own updates, which are already in its queue."""
        ...

    async def release_updates(self) -> int:
        """Give up this process's leases (a clean stop); return how many."""
        ...


class Storage(LogSink, Inbox, ReviewQueries, Retention, Export, Protocol):
    """An open query log. Create with :func:`bot.querylog.open_storage`; close it (after
    any LogWriter) with ``await storage.close()`` or ``async with``."""

    async def close(self) -> None:
        """Close the connections (idempotent)."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
