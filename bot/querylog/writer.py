"""The log writer: buffers records in memory and writes them in batches, never raising.

It holds no SQL: it calls ``insert_records`` of any :class:`bot.querylog.storage.LogSink`
and asks the backend which errors mean "this row can never be written"
(``bad_row_errors``) as opposed to "the database is unwell, try again".
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from types import TracebackType
from typing import Self

from bot.querylog.records import LogRecord, describe
from bot.querylog.storage import LogSink

logger = logging.getLogger(__name__)


class LogWriter:
    """Writes log records in the background so that logging never delays a reply.

    ``submit()`` is synchronous and never raises. A task started by ``start()`` writes
    the buffer when ``batch_size`` rows are waiting or ``interval`` seconds after the
    first one, ``batch_size`` rows per transaction. Failed writes are logged and kept
    for the next attempt (after ``retry_interval``); beyond ``max_buffer`` rows the
    oldest are dropped.
    """

    def __init__(
        self,
        storage: LogSink,
        *,
        batch_size: int = 200,
        interval: float = 0.2,
        max_buffer: int = 50_000,
        retry_interval: float = 1.0,
    ) -> None:
        if batch_size < 1 or max_buffer < 1 or interval <= 0 or retry_interval <= 0:
            raise ValueError("batch_size, max_buffer, interval, retry_interval must be > 0")
        self._storage = storage
        self._batch_size = batch_size
        self._interval = interval
        self._max_buffer = max_buffer
        self._retry_interval = retry_interval
        self._queue: asyncio.Queue[LogRecord] = asyncio.Queue()
        self._pending: deque[LogRecord] = deque()  # drained from the queue, not yet written
        self._in_flight = 0  # rows of the chunk being written right now
        self._flush_lock = asyncio.Lock()
        self._wake = asyncio.Event()  # something was submitted, or stop requested
        self._batch_full = asyncio.Event()  # batch_size rows waiting, or stop requested
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._dropped_unreported = 0
        self.dropped = 0  # rows lost to the buffer bound since creation

    @property
    def buffered(self) -> int:
        """Rows submitted but not yet written."""
        return self._queue.qsize() + len(self._pending) + self._in_flight

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def start(self) -> None:
        """Start the background task (idempotent; needs a running event loop)."""
        if self._closed:
            raise RuntimeError("LogWriter is closed")
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="netral-log-writer"
            )

    def submit(self, record: LogRecord) -> None:
        """Queue a record for writing. Never blocks, never raises."""
        try:
            if self._closed:
                logger.error("LogWriter is closed; dropping %s", describe(record))
                return
            excess = self.buffered + 1 - self._max_buffer
            if excess > 0:
                self._drop_oldest(excess)
            self._queue.put_nowait(record)
            if self.buffered >= self._batch_size:
                self._batch_full.set()
            self._wake.set()
        except Exception:  # pragma: no cover - defensive, submit must never raise
            logger.exception("LogWriter.submit failed")

    async def flush(self) -> bool:
        """Write everything submitted so far; True if it all landed. Never raises."""
        async with self._flush_lock:
            while not self._queue.empty():
                self._pending.append(self._queue.get_nowait())
            ok = True
            while self._pending and ok:
                count = min(self._batch_size, len(self._pending))
                chunk = [self._pending.popleft() for _ in range(count)]
                self._in_flight = count
                try:
                    unwritten = await self._write_chunk(chunk)
                except BaseException:
                    self._pending.extendleft(reversed(chunk))
                    raise
                finally:
                    self._in_flight = 0
                if unwritten:
                    self._pending.extendleft(reversed(unwritten))
                    ok = False
            excess = self.buffered - self._max_buffer
            if excess > 0:
                self._drop_oldest(excess)
            self._report_drops()
            if not ok:
                self._wake.set()  # make sure the background task retries
            return ok

    async def close(self) -> bool:
        """Stop the background task and write what is left; True if nothing is lost."""
        if self._closed:
            return self.buffered == 0
        self._stop.set()
        self._wake.set()
        self._batch_full.set()
        if self._task is not None:
            await asyncio.wait([self._task])
            self._task = None
        ok = await self.flush()
        self._closed = True
        if not ok:
            logger.error(
                "LogWriter closed with %d unwritten log rows; they are lost", self.buffered
            )
        return ok

    # ---------------------------------------------------------------- internals

    def _drop_oldest(self, count: int) -> None:
        dropped = 0
        while dropped < count and self._pending:
            self._pending.popleft()
            dropped += 1
        while dropped < count and not self._queue.empty():
            self._queue.get_nowait()
            dropped += 1
        self.dropped += dropped
        self._dropped_unreported += dropped

    def _report_drops(self) -> None:
        if self._dropped_unreported:
            logger.error(
                "log buffer full (%d rows): dropped the %d oldest unwritten log rows",
                self._max_buffer,
                self._dropped_unreported,
            )
            self._dropped_unreported = 0

    async def _write_chunk(self, chunk: list[LogRecord]) -> list[LogRecord]:
        """Write one chunk; return the rows still to be written after a transient error."""
        try:
            await self._storage.insert_records(chunk)
            return []
        except self._storage.bad_row_errors as exc:
            if len(chunk) == 1:
                logger.error(
                    "dropping log row that cannot be written (%s): %s", describe(chunk[0]), exc
                )
                return []
            logger.error("log batch rejected (%s); retrying its rows one by one", exc)
        except Exception as exc:
            logger.error(
                "could not write %d log rows (%s: %s); keeping them for retry",
                len(chunk),
                type(exc).__name__,
                exc,
            )
            return chunk
        # A row in the chunk is malformed: isolate it so the rest is not held hostage.
        for index, record in enumerate(chunk):
            try:
                await self._storage.insert_records([record])
            except self._storage.bad_row_errors as exc:
                logger.error(
                    "dropping log row that cannot be written (%s): %s", describe(record), exc
                )
            except Exception as exc:
                logger.error(
                    "could not write log rows (%s: %s); keeping %d for retry",
                    type(exc).__name__,
                    exc,
                    len(chunk) - index,
                )
                return chunk[index:]
        return []

    async def _sleep(self, seconds: float, event: asyncio.Event) -> None:
        """Wait until ``event`` is set or ``seconds`` pass."""
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.buffered == 0:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                if self.buffered < self._batch_size:
                    self._batch_full.clear()
                    await self._sleep(self._interval, self._batch_full)
                if self._stop.is_set():
                    break  # close() writes the rest
                if not await self.flush():
                    await self._sleep(self._retry_interval, self._stop)
            except Exception:  # never let the writer die; log and keep going
                logger.exception("unexpected error in the log writer task")
                await self._sleep(self._retry_interval, self._stop)
