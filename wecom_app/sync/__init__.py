"""Directory sync: the resumable full sync of a corp and the jobs that run it.

Public functions (``services`` is the running :class:`wecom_app.services.Services`):

- :func:`run_sync` — resume or start a corp's full sync and run it here (the CLI);
- :func:`start_full_sync` — queue one and let the background job run it (console,
  install): returns at once;
- :func:`run_due_syncs` — run every queued / paused / abandoned run that is due (job);
- :func:`queue_reconciles` — queue a full run for tenants not synced for a day (job);
- :func:`kick` — run a queued run in the background as soon as it is committed.

The resume rules and the driving of a run are in :mod:`wecom_app.sync.runner`, each
stage in a module of its own; writing WeCom's answers into the directory tables (shared
with the callbacks) is the directory's (:mod:`wecom_app.directory`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp
from wecom_app.sync.queue import is_due, latest_run, queue_full_sync, unfinished_run
from wecom_app.sync.runner import execute, finish, run_sync
from wecom_app.sync.state import STAGES, UNFINISHED, SyncBusy, SyncProgress

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

# A tenant whose last complete sync is older than this gets a new one (callbacks keep
# it current in between; the reconcile catches what they missed).
RECONCILE_AFTER_S = 24 * 3600.0
# How long a kicked task waits for the row it was told about to become visible (the
# caller's transaction commits first).
_VISIBLE_WAIT_S = 5.0

_background: set[asyncio.Task[None]] = set()


async def start_full_sync(
    services: Services, corp_id: str, *, restart: bool = False, reason: str = "console"
) -> SyncRun:
    """Queue a full sync of ``corp_id`` (or return the unfinished one) and kick it.

    For a tenant that is not active the run ends at once as ``failed``, its error
    saying why (the console shows it), instead of waiting in the queue for nothing.
    """
    corp = await Corp.get(corp_id=corp_id)
    run = await queue_full_sync(corp, reason=reason, restart=restart, clock=services.clock)
    if corp.status != "active":
        why = (corp.auth_info or {}).get("disconnected_reason") or ""
        return await finish(run, "failed", f"the tenant is {corp.status}. {why}".strip())
    kick(services, run.id)
    return run


async def run_due_syncs(services: Services) -> int:
    """Run, one after another, every run of an active tenant that is due now."""
    ran = 0
    tried: set[int] = set()
    while True:
        runs = await SyncRun.filter(status__in=UNFINISHED, corp__status="active").order_by("id")
        due = [r for r in runs if r.id not in tried and is_due(r, services.clock())]
        if not due:
            return ran
        run = due[0]
        tried.add(run.id)
        corp = await Corp.get(id=run.corp_id)
        try:
            await execute(services, corp, run)
        except SyncBusy:
            continue
        ran += 1


async def queue_reconciles(services: Services, *, max_age_s: float = RECONCILE_AFTER_S) -> int:
    """Queue a full run for each active tenant without a recent complete one."""
    queued = 0
    now = services.clock()
    for corp in await Corp.filter(status="active"):
        if await unfinished_run(corp) is not None:
            continue
        last = await SyncRun.filter(corp_id=corp.id, status="done").order_by("-id").first()
        finished = last.state.get("finished_clock", 0) if last is not None else 0
        if last is not None and now - float(finished or 0) < max_age_s:
            continue
        await queue_full_sync(corp, reason="reconcile", clock=services.clock)
        queued += 1
    return queued


def background_enabled(services: Services) -> bool:
    """Does this process run background work (the worker and the scheduler)?"""
    if services.run_worker is not None:
        return services.run_worker
    return services.settings.inbox_worker


def kick(services: Services, run_id: int) -> None:
    """Run ``run_id`` in the background once its row is visible (committed).

    Only where background work runs (``serve``, the demo); elsewhere the periodic job
    or ``wecom-app sync`` picks the run up. A run that is already running elsewhere is
    left to its owner.
    """
    if not background_enabled(services):
        return

    async def go() -> None:
        try:
            run = await _when_visible(services, run_id)
            if run is None or run.status not in UNFINISHED:
                return
            corp = await Corp.get(id=run.corp_id)
            if corp.status != "active":
                return
            await execute(services, corp, run)
        except SyncBusy:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background sync run %s failed", run_id)

    spawn(go(), name=f"sync-run:{run_id}")


def spawn(coro: Coroutine[Any, Any, None], *, name: str) -> None:
    """A background task, kept alive until it ends (asyncio keeps only weak references).

    It runs in a fresh context, not a copy of the caller's: a caller inside a
    transaction (a callback handler) would otherwise hand the task its transaction's
    connection, and the task's statements would run on it after the commit — outside
    any lock, interleaved with other transactions. In a fresh context Tortoise resolves
    the process's own connection.
    """
    task = asyncio.get_running_loop().create_task(coro, name=name, context=contextvars.Context())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _when_visible(services: Services, run_id: int) -> SyncRun | None:
    waited = 0.0
    while True:
        run = await SyncRun.filter(id=run_id).first()
        if run is not None or waited >= _VISIBLE_WAIT_S:
            return run
        await asyncio.sleep(0.05)
        waited += 0.05


async def wait_background() -> None:
    """Wait for the background tasks started here (tests, the demo, shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


__all__ = [
    "STAGES",
    "UNFINISHED",
    "SyncBusy",
    "SyncProgress",
    "background_enabled",
    "execute",
    "kick",
    "latest_run",
    "queue_full_sync",
    "queue_reconciles",
    "run_due_syncs",
    "run_sync",
    "start_full_sync",
    "unfinished_run",
    "wait_background",
]
