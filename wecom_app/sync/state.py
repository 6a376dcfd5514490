"""Where a full sync run is: its stages and statuses, and the run being driven.

:class:`ActiveRun` is a claimed run in progress: its position and counts live in the
``SyncRun`` row (``stage``, ``state``, ``counts``), saved with a heartbeat inside each
page's transaction (:func:`page_transaction`), so the position moves together with what
was stored. Progress is reported after each commit as :class:`SyncProgress`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from wecom_app.directory.upsert import column
from wecom_app.store.db import dialect
from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp
from wecom_app.wecom import CorpAPI

if TYPE_CHECKING:
    from wecom_app.services import Services

STAGES = ("departments", "employees", "tags", "customers", "group_chats", "finalize")
UNFINISHED = ("queued", "running", "paused", "failed")
# A running run whose heartbeat is older than this is taken over (its process died).
STALE_AFTER_S = 120.0

ProgressFunc = Callable[["SyncProgress"], Awaitable[None] | None]


@dataclass(frozen=True)
class SyncProgress:
    """Where a run is, for progress bars: ``done``/``total`` of the current stage."""

    corp_id: str
    run_id: int
    stage: str
    stage_index: int
    done: int
    total: int
    counts: dict[str, int]
    calls: int

    @property
    def fraction(self) -> float:
        """0..1 over the whole run (stages weighted by their usual share of the work)."""
        weights = {
            "departments": 0.02,
            "employees": 0.08,
            "tags": 0.01,
            "customers": 0.59,
            "group_chats": 0.29,
            "finalize": 0.01,
        }
        if self.stage == "done":
            return 1.0
        before = sum(weights[s] for s in STAGES[: self.stage_index])
        inside = self.done / self.total if self.total else 0.0
        return min(1.0, before + weights.get(self.stage, 0.0) * min(1.0, inside))


class SyncBusy(Exception):
    """Another process is running this corp's sync right now."""


@dataclass
class ActiveRun:
    services: Services
    corp: Corp
    run: SyncRun
    api: CorpAPI
    owner: str
    progress: ProgressFunc | None
    calls_at_start: int
    chat_total: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> dict[str, Any]:
        return self.run.state

    def now(self) -> float:
        return self.services.clock()

    async def save(self) -> None:
        """Write stage, state and counts (with the heartbeat) — call inside the page's
        transaction, so the position moves together with what was stored."""
        self.state["heartbeat"] = self.now()
        self.state["owner"] = self.owner
        await self.run.save(update_fields=["stage", "state", "counts", "total_hint", "updated_at"])

    def count(self, name: str, amount: int) -> None:
        self.run.counts[name] = int(self.run.counts.get(name, 0)) + amount

    def advance(self, stage: str) -> None:
        """Move on to ``stage`` (saved with the page's :meth:`save`)."""
        self.run.stage = stage

    def set_count(self, name: str, value: int) -> None:
        self.run.counts[name] = value

    def note(self, name: str, amount: int = 1) -> None:
        stats = self.state.setdefault("stats", {})
        stats[name] = int(stats.get(name, 0)) + amount

    async def report(self, stage: str, done: int, total: int) -> None:
        """Tell the progress callback how far ``stage`` is (called after each commit)."""
        if self.progress is None:
            return
        outcome = self.progress(
            SyncProgress(
                corp_id=self.corp.corp_id,
                run_id=self.run.id,
                stage=stage,
                stage_index=stage_index(stage),
                done=done,
                total=total,
                counts=dict(self.run.counts),
                calls=self.services.wecom.client.total_calls - self.calls_at_start,
            )
        )
        if outcome is not None:
            await outcome

    async def corp_still_active(self) -> bool:
        status = await column(Corp.filter(id=self.corp.id), "status")
        return status == ["active"]


@asynccontextmanager
async def page_transaction() -> AsyncIterator[None]:
    """One page's transaction: its rows and the position after it commit together.

    On PostgreSQL the transaction plans every statement for its own parameters: the
    tables of a tenant's first sync grow from empty, and a plan cached while they were
    (a sequential scan) made each page's lookups slower as the table grew.
    """
    async with in_transaction() as conn:
        if dialect(conn) == "postgres":
            await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES) - 1


class TenantGone(Exception):
    """The tenant went away mid-run (cancelled or disconnected)."""


def item_counts(counts: dict[str, int]) -> dict[str, int]:
    """What a run found, item by item (its ``counts`` also hold progress-only numbers)."""
    keys = ("departments", "employees", "tags", "relations", "group_chats")
    return {k: int(counts.get(k, 0)) for k in keys}
