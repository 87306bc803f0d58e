"""Copy a whole query log between databases (SQLite <-> PostgreSQL): ``netral db copy``.

Idempotent: questions are matched by ``qid``, inbox rows by ``update_id`` and events (which
have no natural key) as a multiset of their values, so a second run adds nothing and an
interrupted run can simply be started again. At the end every source row is looked up in
the destination; :class:`CopyMismatchError` says which table lacks rows.

Pseudonymous user keys are copied as they are: take the pseudonym key (key file or
``NETRAL_PSEUDONYM_KEY``) along, or new questions will get other keys than the old ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

from bot.querylog.clock import format_time
from bot.querylog.records import EventRecord, QueryRecord, QueryRow, UpdateRow
from bot.querylog.storage import Storage

__all__ = ["CopyMismatchError", "TableCopy", "copy_log", "same_target"]

TABLES: Final = ("queries", "events", "updates")
BATCH: Final = 1000

# (rows done, rows in all) after each batch.
Progress = Callable[[int, int], None]
EventKey = tuple[str, str | None, str, str | None, str]


class CopyMismatchError(RuntimeError):
    """The destination lacks rows of the source after the copy."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's figures: rows in the source, in the destination before and after, and
    how many this run added."""

    table: str
    source: int
    before: int
    added: int
    after: int


def _record(row: QueryRow) -> QueryRecord:
    names = [f.name for f in fields(QueryRecord)]
    return QueryRecord(**{name: getattr(row, name) for name in names})


def _event_key(event: EventRecord) -> EventKey:
    return (format_time(event.time), event.qid, event.kind, event.entry_id, event.user_key)


async def _event_keys(storage: Storage) -> Counter[EventKey]:
    return Counter([_event_key(e) async for e in storage.iter_events()])


async def _copy_queries(src: Storage, dst: Storage, step: Callable[[int], None]) -> int:
    added = 0
    batch: list[QueryRecord] = []

    async def flush() -> None:
        nonlocal added
        known = await dst.existing_qids([r.qid for r in batch])
        new = [r for r in batch if r.qid not in known]
        if new:
            await dst.insert_records(new)
        added += len(new)
        step(len(batch))
        batch.clear()

    async for row in src.iter_queries():
        batch.append(_record(row))
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    return added


async def _copy_events(src: Storage, dst: Storage, step: Callable[[int], None]) -> int:
    present = await _event_keys(dst)
    added = 0
    batch: list[EventRecord] = []
    seen = 0
    async for event in src.iter_events():
        seen += 1
        key = _event_key(event)
        if present[key] > 0:
            present[key] -= 1
        else:
            batch.append(event)
        if seen % BATCH == 0:
            await dst.insert_records(batch)
            added += len(batch)
            batch.clear()
            step(BATCH)
    if batch:
        await dst.insert_records(batch)
        added += len(batch)
    step(seen % BATCH)
    return added


async def _copy_updates(src: Storage, dst: Storage, step: Callable[[int], None]) -> int:
    added = 0
    batch: list[UpdateRow] = []
    async for row in src.iter_updates():
        batch.append(row)
        if len(batch) >= BATCH:
            added += await dst.import_updates(batch)
            step(len(batch))
            batch.clear()
    if batch:
        added += await dst.import_updates(batch)
        step(len(batch))
    return added


async def _missing(src: Storage, dst: Storage) -> dict[str, int]:
    """Source rows the destination does not have, per table."""
    missing = dict.fromkeys(TABLES, 0)
    qids: list[str] = []
    async for row in src.iter_queries():
        qids.append(row.qid)
        if len(qids) >= BATCH:
            missing["queries"] += len(qids) - len(await dst.existing_qids(qids))
            qids.clear()
    if qids:
        missing["queries"] += len(qids) - len(await dst.existing_qids(qids))
    wanted = await _event_keys(src)
    wanted.subtract(await _event_keys(dst))
    missing["events"] = sum(n for n in wanted.values() if n > 0)
    have = {row.update_id async for row in dst.iter_updates()}
    missing["updates"] = sum([1 async for row in src.iter_updates() if row.update_id not in have])
    return missing


async def copy_log(src: Storage, dst: Storage, progress: Progress | None = None) -> list[TableCopy]:
    """Copy every row of ``src`` missing in ``dst``; verify; return the figures.

    Raises :class:`CopyMismatchError` when, afterwards, a source row is not in ``dst``.
    """
    source = await src.table_counts()
    before = await dst.table_counts()
    total = sum(source.values())
    done = 0

    def step(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(min(done, total), total)

    step(0)
    added = {
        "queries": await _copy_queries(src, dst, step),
        "events": await _copy_events(src, dst, step),
        "updates": await _copy_updates(src, dst, step),
    }
    after = await dst.table_counts()
    missing = await _missing(src, dst)
    lacking = {table: n for table, n in missing.items() if n}
    if lacking:
        detail = ", ".join(f"{n} {table}" for table, n in lacking.items())
        raise CopyMismatchError(f"the destination lacks source rows after the copy: {detail}")
    return [
        TableCopy(table, source[table], before[table], added[table], after[table])
        for table in TABLES
    ]


def same_target(a: str | Path, b: str | Path) -> bool:
    """Whether two targets name the same database (same URL, or the same file)."""
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    return str(a) == str(b)
