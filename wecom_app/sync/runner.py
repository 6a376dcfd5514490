"""The full sync of one corp: resumable, streaming, with as few WeCom calls as possible.

This module claims a run and drives it through its stages; each stage is a module of
its own (:mod:`.org_stages`, :mod:`.customer_stage`, :mod:`.chat_stage`,
:mod:`.finalize_stage`), the run's state is in :mod:`.state`, queueing in :mod:`.queue`.

Stages, in order (``SyncRun.stage``)::

    departments  department/list                       1 call
    employees    user/list per department              1 call each
    tags         get_corp_tag_list                     1 call
    customers    get_follow_user_list, then batch/get_by_user for 100 members at a
                 time, 100 relations a page            Σ ceil(relations of batch / 100)
    group_chats  groupchat/list (1000 a page), then groupchat/get per chat
    finalize     what a complete run did not see is marked gone (no calls)

Every page is written together with the position after it (``SyncRun.state``) in one
transaction, so a crash or an error resumes at the first page not yet stored: nothing
is fetched twice except the one page in flight, and nothing is stored twice (every
write is an upsert). Pages are written as they arrive: memory holds one page.

A run is claimed by a heartbeat in its state; another process (or the job) takes it
over only when the heartbeat is older than :data:`STALE_AFTER_S`. Statuses: ``queued``
→ ``running`` → ``done``, or ``paused`` (rate limited, busy, token trouble: resumed
after ``state["retry_at"]``), ``failed`` (resumed with a longer backoff, then only by
``wecom-app sync``), ``cancelled`` (the tenant uninstalled), ``superseded`` (a new full
run replaced it).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp
from wecom_app.sync.chat_stage import group_chats_stage
from wecom_app.sync.customer_stage import customers_stage
from wecom_app.sync.finalize_stage import finalize_stage
from wecom_app.sync.org_stages import departments_stage, employees_stage, tags_stage
from wecom_app.sync.queue import queue_full_sync
from wecom_app.sync.state import (
    STALE_AFTER_S,
    UNFINISHED,
    ActiveRun,
    ProgressFunc,
    SyncBusy,
    TenantGone,
    page_transaction,
)
from wecom_app.wecom import (
    AuthCancelled,
    Busy,
    InvalidCredential,
    RateLimited,
    TokenInvalid,
    WeComError,
)
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

STAGE_FUNCS: dict[str, Callable[[ActiveRun], Awaitable[None]]] = {
    "departments": departments_stage,
    "employees": employees_stage,
    "tags": tags_stage,
    "customers": customers_stage,
    "group_chats": group_chats_stage,
    "finalize": finalize_stage,
}


async def run_sync(
    services: Services,
    corp_id: str,
    *,
    full: bool = False,
    force: bool = False,
    progress: ProgressFunc | None = None,
    reason: str = "",
) -> SyncRun:
    """Resume the corp's unfinished full sync (or start one) and run it as far as it goes.

    ``full`` abandons an unfinished run and starts from the beginning. ``force`` takes
    over a run another process seems to be running. Returns the run: ``done`` or where
    and why it stopped (``paused``/``failed`` with ``error``). Raises :class:`SyncBusy`
    when another process holds the run, :class:`NoAccess` for an unknown or cancelled
    tenant.
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        raise NoAccess(f"corp {corp_id!r} is not an active tenant")
    run = await queue_full_sync(corp, reason=reason or "manual", restart=full, clock=services.clock)
    return await execute(services, corp, run, force=force, progress=progress)


async def execute(
    services: Services,
    corp: Corp,
    run: SyncRun,
    *,
    force: bool = False,
    progress: ProgressFunc | None = None,
) -> SyncRun:
    """Claim ``run`` and drive it through the remaining stages."""
    owner = secrets.token_hex(8)
    await _claim(services, run, owner, force=force)
    if corp.status != "active":
        why = (corp.auth_info or {}).get("disconnected_reason") or ""
        return await finish(run, "failed", f"the tenant is {corp.status}. {why}".strip())
    try:
        api = await services.wecom.corp_api(corp.corp_id)
    except NoAccess as exc:
        return await finish(run, "failed", str(exc))
    job = ActiveRun(
        services=services,
        corp=corp,
        run=run,
        api=api,
        owner=owner,
        progress=progress,
        calls_at_start=services.wecom.client.total_calls,
    )
    try:
        while run.stage != "done":
            if not await job.corp_still_active():
                raise TenantGone()
            await STAGE_FUNCS[run.stage](job)
    except TenantGone:
        fresh = await Corp.filter(id=corp.id).first()
        status = fresh.status if fresh is not None else "cancelled"
        return await finish(
            run, "cancelled" if status == "cancelled" else "failed", f"tenant is {status}"
        )
    except AuthCancelled as exc:
        from wecom_app.install.disconnect import mark_disconnected

        fresh = await Corp.filter(id=corp.id).first()
        if fresh is None or fresh.status == "cancelled":
            return await finish(run, "cancelled", "tenant is cancelled")
        await mark_disconnected(services, corp.corp_id, exc.explanation, errcode=exc.errcode)
        return await finish(run, "failed", str(exc))
    except InvalidCredential as exc:
        if corp.mode == "self_built":
            from wecom_app.install.disconnect import mark_disconnected

            await mark_disconnected(services, corp.corp_id, exc.explanation, errcode=exc.errcode)
        return await finish(run, "failed", str(exc))
    except RateLimited as exc:
        return await _pause(job, str(exc), retry_after=exc.retry_after_s)
    except (Busy, TokenInvalid) as exc:
        attempts = int(run.state.get("attempts", 0))
        return await _pause(job, str(exc), retry_after=min(600.0, 30.0 * 2**attempts))
    except NoAccess as exc:
        return await finish(run, "failed", str(exc))
    except WeComError as exc:
        return await _fail(job, str(exc))
    except Exception as exc:
        log.exception("sync of %s failed", corp.corp_id)
        return await _fail(job, f"{type(exc).__name__}: {str(exc)[:500]}")
    return run


async def _claim(services: Services, run: SyncRun, owner: str, *, force: bool) -> None:
    async with page_transaction():
        fresh = await SyncRun.filter(id=run.id).select_for_update().first()
        if fresh is None:
            raise SyncBusy(f"sync run {run.id} vanished")
        now = services.clock()
        heartbeat = float(fresh.state.get("heartbeat", 0))
        if fresh.status == "running" and now - heartbeat <= STALE_AFTER_S and not force:
            raise SyncBusy(
                f"a sync of this corp is running elsewhere (last progress {now - heartbeat:.0f} s "
                "ago); wait, or take it over with --force"
            )
        if fresh.status not in UNFINISHED:
            raise SyncBusy(f"sync run {run.id} is {fresh.status}")
        fresh.status = "running"
        fresh.error = ""
        fresh.state = {**fresh.state, "owner": owner, "heartbeat": now}
        await fresh.save(update_fields=["status", "error", "state", "updated_at"])
    run.status, run.error, run.state = fresh.status, fresh.error, fresh.state
    run.stage, run.counts = fresh.stage, fresh.counts


async def finish(run: SyncRun, status: str, error: str = "") -> SyncRun:
    """End ``run`` with ``status`` (and the reason in ``error``)."""
    run.status = status
    run.error = error[:2000]
    if status in ("done", "cancelled", "failed", "superseded"):
        run.finished_at = datetime.now(UTC)
    await run.save(update_fields=["status", "error", "state", "finished_at", "updated_at"])
    log.info("sync run %s of corp %s: %s %s", run.id, run.corp_id, status, error)
    return run


async def _pause(job: ActiveRun, error: str, *, retry_after: float) -> SyncRun:
    job.state["attempts"] = int(job.state.get("attempts", 0)) + 1
    job.state["retry_at"] = job.now() + retry_after
    return await finish(job.run, "paused", error)


async def _fail(job: ActiveRun, error: str) -> SyncRun:
    attempts = int(job.state.get("attempts", 0)) + 1
    job.state["attempts"] = attempts
    job.state["retry_at"] = job.now() + min(3600.0, 60.0 * 2**attempts)
    return await finish(job.run, "failed", error)
