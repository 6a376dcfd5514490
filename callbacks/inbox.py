"""The callback inbox's writer: concurrent inserts group-committed, one commit per batch.

The receiver answers ``success`` only after its row is committed. Concurrent requests
are committed together (:func:`wecom_app.store.inbox.insert_rows`: one multi-row
``INSERT ... ON CONFLICT DO NOTHING`` per batch), so durability costs one commit per
batch, not per callback. The table itself (claims, outcomes, replays) lives in
:mod:`wecom_app.store.inbox`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from wecom_app.store.inbox import NewInboxRow, insert_rows

log = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The inbox could not commit; the receiver answers 503 so WeCom retries."""


class InboxWriter:
    """Batches concurrent inserts into one commit each (group commit).

    Requests append to a plain list and wake the writer task; while a batch commits,
    the next one gathers, so under load each commit carries every request that arrived
    during the previous one.

    ``max_in_flight`` batches may commit at once. SQLite has one connection and one
    writer, so 1. On PostgreSQL each batch takes a pool connection of its own, and a
    second batch sent while the first waits for its commit keeps the event loop busy
    instead of idle (measured with bench/callbacks.py: about +15% callbacks/s). Two
    batches never store one key twice: the unique index makes the later one wait for
    the earlier and then do nothing.
    """

    def __init__(
        self,
        max_batch: int = 200,
        on_stored: Callable[[], None] | None = None,
        max_in_flight: int = 1,
    ) -> None:
        self.max_batch = max_batch
        self.max_in_flight = max(1, max_in_flight)
        self._pending: list[tuple[NewInboxRow, asyncio.Future[bool]]] = []
        self._wakeup: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._on_stored = on_stored

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        committing = list(self._in_flight)
        for commit in committing:
            commit.cancel()
        await asyncio.gather(*committing, return_exceptions=True)
        pending, self._pending = self._pending, []
        _fail(pending, "shutting down")

    async def submit(self, row: NewInboxRow) -> bool:
        """Store ``row``; True if new, False if a duplicate. Raises StorageUnavailable."""
        if self._task is None:
            raise StorageUnavailable("inbox writer is not running")
        future: asyncio.Future[bool] = self._task.get_loop().create_future()
        self._pending.append((row, future))
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            if not wakeup.done():
                wakeup.set_result(None)
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.max_in_flight)
        while True:
            if not self._pending:
                self._wakeup = loop.create_future()
                await self._wakeup
                continue
            await slots.acquire()
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            commit = loop.create_task(self._commit_batch(batch, slots))
            self._in_flight.add(commit)
            commit.add_done_callback(self._in_flight.discard)

    async def _commit_batch(
        self, batch: list[tuple[NewInboxRow, asyncio.Future[bool]]], slots: asyncio.Semaphore
    ) -> None:
        try:
            stored_any = await self._commit(batch)
        except asyncio.CancelledError:
            _fail(batch, "shutting down")
            raise
        finally:
            slots.release()
        if self._on_stored is not None and stored_any:
            self._on_stored()

    async def _commit(self, batch: list[tuple[NewInboxRow, asyncio.Future[bool]]]) -> bool:
        """Commit a batch; if the database refuses it, retry row by row so that one
        row it cannot take (or a passing fault) costs only that row a 503."""
        try:
            stored = await insert_rows([row for row, _ in batch])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("inbox insert of %d rows failed: %s", len(batch), type(exc).__name__)
            if len(batch) == 1:
                _fail(batch, type(exc).__name__)
                return False
            results = [await self._commit([item]) for item in batch]
            return any(results)
        for (_, future), is_new in zip(batch, stored, strict=True):
            if not future.done():
                future.set_result(is_new)
        return any(stored)


def _fail(batch: Sequence[tuple[NewInboxRow, asyncio.Future[bool]]], reason: str) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(StorageUnavailable(reason))
