"""The last stage of a full sync: what a complete run did not see is marked gone.

No WeCom calls. Skipped (nothing is marked gone) when the run was incomplete, e.g. a
repeated cursor stopped a batch early.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from wecom_app import signals
from wecom_app.directory import timeline
from wecom_app.directory.customers import sweep_customer_status
from wecom_app.directory.group_chats import dismiss_group_chat
from wecom_app.directory.upsert import column
from wecom_app.store.directory import FollowRelation, GroupChat
from wecom_app.store.models import Employee
from wecom_app.store.sql import chunks
from wecom_app.sync.state import ActiveRun, item_counts, page_transaction
from wecom_app.wecom.external_contact import MAX_BATCH_USERIDS

log = logging.getLogger(__name__)


async def finalize_stage(job: ActiveRun) -> None:
    incomplete = job.state.get("incomplete") or []
    async with page_transaction():
        if incomplete:
            log.warning(
                "sync of %s was incomplete (%s): nothing is marked gone",
                job.corp.corp_id,
                "; ".join(incomplete),
            )
        else:
            removed = await _sweep_relations(job)
            job.note("removed_relations", removed)
            job.note("deleted_customers", await sweep_customer_status(job.corp.id))
            job.note("dismissed_chats", await _sweep_chats(job))
        job.advance("done")
        job.state.pop("retry_at", None)
        job.state["attempts"] = 0
        job.state["finished_clock"] = job.now()
        job.run.status = "done"
        job.run.finished_at = datetime.now(UTC)
        job.run.error = "incomplete: " + "; ".join(incomplete) if incomplete else ""
        job.run.total_hint = sum(item_counts(job.run.counts).values())
        await job.save()
        await job.run.save(update_fields=["status", "finished_at", "error", "updated_at"])
    await job.report("done", 1, 1)
    log.info("sync run %s of %s done: %s", job.run.id, job.corp.corp_id, job.run.counts)


async def _sweep_relations(job: ActiveRun) -> int:
    """Active relations of the members asked about that this run did not see.

    Relations touched by a callback since the run started are current, whatever the run
    saw; relations of members not asked about (who left, outside the range) stay.
    """
    started = job.run.started_at
    now = int(job.now())
    notify = not job.state.get("initial", False)
    removed = 0
    for chunk in chunks(list(job.state.get("users", [])), MAX_BATCH_USERIDS):
        gone = await FollowRelation.filter(
            corp_id=job.corp.id,
            userid__in=list(chunk),
            status="active",
            updated_at__lt=started,
        ).exclude(synced_run=job.run.id)
        if not gone:
            continue
        await FollowRelation.filter(id__in=[r.id for r in gone]).update(
            status="removed", ended_at=now
        )
        await timeline.record(
            job.corp.id,
            [
                timeline.Entry(
                    external_userid=r.external_userid,
                    userid=r.userid,
                    kind="removed",
                    occurred_at=now,
                    key_parts=(r.userid, r.external_userid, r.added_at, job.run.id),
                    detail={"reason": "not returned by a complete sync"},
                )
                for r in gone
            ],
        )
        if notify:
            for r in gone:
                await signals.relation_changed.send(
                    corp=job.corp,
                    external_userid=r.external_userid,
                    userid=r.userid,
                    change="removed",
                    at=now,
                )
        removed += len(gone)
    return removed


async def _sweep_chats(job: ActiveRun) -> int:
    """Chats the listing should have shown but did not are dismissed.

    Unfiltered, the listing shows the chats of every member in the visible range, and
    chats of members who left were asked for by owner; chats of other owners (outside
    the range) are left as they are.
    """
    candidates = await (
        GroupChat.filter(corp_id=job.corp.id, dismissed=False, updated_at__lt=job.run.started_at)
        .exclude(synced_run=job.run.id)
        .values_list("chat_id", "owner")
    )
    if not candidates:
        return 0
    asked = {u for q in job.state.get("chat_queries", []) for u in q}
    if job.state.get("chat_mode") != "owners":
        asked.update(await column(Employee.filter(corp_id=job.corp.id, status="active"), "userid"))
    stale = [chat_id for chat_id, owner in candidates if owner in asked]
    for chat_id in stale:
        await dismiss_group_chat(job.corp, chat_id, at=int(job.now()))
    return len(stale)
