"""Applies inbox events: claim with a lease → handler + outcome in one transaction.

Exactly once in effect for database work: the handler's writes and the row's ``done``
commit together, and the ``done`` update is conditional on still holding the claim, so
a worker whose lease expired (and whose row another worker re-claimed) rolls back. Run
in-process (embedded default) or as ``wecom-app worker`` processes on PostgreSQL, where
``FOR UPDATE SKIP LOCKED`` keeps workers off each other's rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tortoise.transactions import in_transaction

from callbacks.registry import HandlerContext, HandlerRegistry, SkipEvent
from wecom_app.metrics import Metrics
from wecom_app.protocol.events import parse_event
from wecom_app.protocol.xml import parse_xml
from wecom_app.store import inbox

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Our claim on the row is gone; roll the handler's work back."""


def backoff_seconds(attempt: int) -> float:
    """2, 4, 8, ... seconds, capped at 10 minutes."""
    return float(min(600, 2**attempt))


class InboxWorker:
    def __init__(
        self,
        registry: HandlerRegistry,
        context: HandlerContext,
        metrics: Metrics,
        *,
        batch_size: int = 50,
        lease_seconds: float = 60.0,
        max_attempts: int = 8,
        idle_poll_seconds: float = 0.5,
    ) -> None:
        self.registry = registry
        self.context = context
        self.metrics = metrics
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def clock(self) -> Callable[[], float]:
        return self.context.clock

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="inbox-worker")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def run_forever(self) -> None:
        while True:
            try:
                processed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be briefly away; keep going
                log.warning("inbox worker pass failed: %s", type(exc).__name__)
                processed = 0
            if processed == 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        rows = await inbox.claim(self.batch_size, self.lease_seconds, self.clock())
        for row in rows:
            await self.apply(row)
        return len(rows)

    async def drain(self, max_passes: int = 1000) -> int:
        """Apply everything due now (tests and burst mode)."""
        total = 0
        for _ in range(max_passes):
            count = await self.run_once()
            total += count
            if count == 0:
                break
        return total

    async def apply(self, row: inbox.ClaimedRow) -> None:
        try:
            event = parse_event(parse_xml(row.payload))
        except Exception as exc:  # stored rows were parsed once already; be safe anyway
            await self._record(row, "failed", f"unparseable payload: {type(exc).__name__}")
            return
        registration = self.registry.lookup(event.name, event.change_type)
        if registration is None:
            await self._record(row, "no_handler", "")
            return
        try:
            if registration.transactional:
                async with in_transaction():
                    await registration.handler(self.context, event)
                    if not await inbox.finish(row, "done", self.clock()):
                        raise LeaseLost()
            else:
                await registration.handler(self.context, event)
                if not await inbox.finish(row, "done", self.clock()):
                    raise LeaseLost()
        except LeaseLost:
            log.info("inbox row %s: lease lost, left to its new owner", row.id)
            return
        except SkipEvent as exc:
            await self._record(row, "skipped", str(exc))
            return
        except Exception as exc:
            await self._failed_attempt(row, exc)
            return
        self._observe(row, "done")

    async def _record(self, row: inbox.ClaimedRow, status: str, error: str) -> None:
        if await inbox.finish(row, status, self.clock(), error):
            self._observe(row, status)

    def _observe(self, row: inbox.ClaimedRow, outcome: str) -> None:
        self.metrics.inbox_applied.inc(outcome)
        self.metrics.inbox_apply_seconds.observe(max(0.0, self.clock() - row.received_at))

    async def _failed_attempt(self, row: inbox.ClaimedRow, exc: Exception) -> None:
        # The message may quote data; keep the type and a bounded message, never payloads.
        error = f"{type(exc).__name__}: {str(exc)[:500]}"
        log.warning(
            "inbox row %s (%s) attempt %s failed: %s",
            row.id,
            row.name,
            row.attempts,
            type(exc).__name__,
        )
        if row.attempts >= self.max_attempts:
            await self._record(row, "failed", error)
            return
        if await inbox.retry_later(row, self.clock() + backoff_seconds(row.attempts), error):
            self.metrics.inbox_applied.inc("retry")
