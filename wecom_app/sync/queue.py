"""Queueing full sync runs, and when the job (re)starts one.

A corp has at most one unfinished run; asking again returns it, ``restart`` supersedes
it. A paused or failed run is due again after ``state["retry_at"]``; a failed one is
retried by the job :data:`MAX_AUTO_ATTEMPTS` times, then only by ``wecom-app sync``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp
from wecom_app.sync.state import STAGES, STALE_AFTER_S, UNFINISHED, item_counts

# A failed run is retried by the job with backoff this many times, then left to people.
MAX_AUTO_ATTEMPTS = 6


async def unfinished_run(corp: Corp) -> SyncRun | None:
    return await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).order_by("-id").first()


async def latest_run(corp: Corp) -> SyncRun | None:
    return await SyncRun.filter(corp_id=corp.id).order_by("-id").first()


async def queue_full_sync(
    corp: Corp, *, reason: str = "", restart: bool = False, clock: Callable[[], float]
) -> SyncRun:
    """The corp's unfinished run, or a new queued one (``restart``: always a new one)."""
    current = await unfinished_run(corp)
    if current is not None and not restart:
        return current
    if current is not None:
        await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).update(
            status="superseded", finished_at=datetime.now(UTC)
        )
    previous = await SyncRun.filter(corp_id=corp.id, status="done").order_by("-id").first()
    last = item_counts(previous.counts) if previous is not None else {}
    total = sum(last.values())
    return await SyncRun.create(
        corp_id=corp.id,
        kind="full",
        status="queued",
        stage=STAGES[0],
        state={
            "reason": reason,
            # A tenant's first import: every relation would be "new"; no signals then.
            "initial": previous is None,
            "queued_at": clock(),
            # For progress: what the last complete run found.
            "expected_relations": last.get("relations", 0),
            "expected_chats": last.get("group_chats", 0),
        },
        counts={},
        total_hint=total,
    )


def is_due(run: SyncRun, now: float) -> bool:
    """Should the job (re)start this run now?"""
    state = run.state or {}
    if run.status == "queued":
        return True
    if run.status == "running":
        return now - float(state.get("heartbeat", 0)) > STALE_AFTER_S
    if run.status in ("paused", "failed"):
        if run.status == "failed" and int(state.get("attempts", 0)) >= MAX_AUTO_ATTEMPTS:
            return False
        return now >= float(state.get("retry_at", 0))
    return False
