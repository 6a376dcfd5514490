"""Following sent customers to the end: results, ``transfer_fail`` callbacks, completion.

WeCom takes a customer over 24 h after the transfer started, unless the customer
refuses (status 3) or the successor is at the customer limit then (status 4); both
also arrive as a ``transfer_fail`` callback naming the *successor* and the customer,
never the handover employee — :func:`on_transfer_fail` matches it to the one item
in flight for that pair. ``transfer_result`` is paged per handover → takeover pair, so
a pair is asked about once all its transfers are due (or the oldest is overdue by
:data:`~wecom_app.transfer.rules.POLL_RETRY_S`), which makes tracking 10,000
customers cost one pass over the result pages after the takeover.

A completed customer (status 1) gets ``reapply = pending``; :func:`complete_done`
carries our data over (:mod:`wecom_app.transfer.carryover`) and re-applies the
predecessor's remark, description and corp tags for the successor in WeCom.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from wecom_app.directory import timeline
from wecom_app.store.models import Corp
from wecom_app.store.sql import chunks
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.carryover import Carried, Move, carry_over_many
from wecom_app.transfer.context import RunContext
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom.transfer import TransferStatus

log = logging.getLogger(__name__)

FAIL_REASONS = {"customer_refused": rules.REFUSED, "customer_limit_exceed": rules.LIMIT}


async def fetch_results(ctx: RunContext, mode: str, takeover: str) -> dict[str, TransferStatus]:
    """Every transfer WeCom knows between the plan's handover and ``takeover``."""
    results: dict[str, TransferStatus] = {}
    async for status in ctx.transfers.transfer_result(
        ctx.plan.handover_userid, takeover, resigned=mode == rules.RESIGNED
    ):
        results[status.external_userid] = status  # a later entry is the newer one
    ctx.report.polled_pairs += 1
    return results


async def apply_results(
    ctx: RunContext,
    items: Sequence[dict[str, Any]],
    results: dict[str, TransferStatus],
    *,
    from_status: str,
) -> int:
    """Store what WeCom says about ``items`` (each was ``from_status``); how many ended."""
    now = ctx.now()
    done: dict[int, list[int]] = defaultdict(list)  # takeover_time → ids
    waiting: dict[float, list[int]] = defaultdict(list)  # next look → ids
    ended: dict[str, list[int]] = defaultdict(list)  # final status → ids
    for item in items:
        record = results.get(item["target_id"])
        status = record.status if record is not None else 5
        if status == rules.WECOM_DONE and record is not None:
            done[record.takeover_time].append(item["id"])
        elif status == rules.WECOM_WAITING and record is not None:
            due = float(record.takeover_time) + rules.POLL_SLACK_S
            waiting[due if due > now else now + rules.POLL_RETRY_S].append(item["id"])
        elif status in rules.WECOM_STATUS:
            ended[rules.WECOM_STATUS[status]].append(item["id"])
        else:  # a status WeCom did not document: look again later
            waiting[now + rules.POLL_RETRY_S].append(item["id"])
    statuses = {rules.REFUSED: 3, rules.LIMIT: 4, rules.NO_RECORD: 5}
    adopting = from_status == rules.SUBMITTING
    async with in_transaction():
        for takeover_time, ids in done.items():
            for chunk in chunks(ids):
                query = TransferItem.filter(id__in=list(chunk), status=from_status)
                if adopting:
                    await query.update(accepted_at=F("submitting_at"))
                await query.update(
                    status=rules.DONE,
                    wecom_status=1,
                    takeover_time=takeover_time,
                    finished_at=now,
                    reapply="pending",
                    uncertain=False,
                    reason="",
                    updated_at=now,
                )
        for due, ids in waiting.items():
            for chunk in chunks(ids):
                query = TransferItem.filter(id__in=list(chunk), status=from_status)
                if adopting:
                    await query.update(accepted_at=F("submitting_at"))
                await query.update(
                    status=rules.WAITING,
                    wecom_status=2,
                    due_at=due,
                    uncertain=False,
                    updated_at=now,
                )
        for final, ids in ended.items():
            for chunk in chunks(ids):
                await TransferItem.filter(id__in=list(chunk), status=from_status).update(
                    status=final,
                    wecom_status=statuses[final],
                    finished_at=now,
                    uncertain=False,
                    reason=rules.STATUS_TEXT[final],
                    updated_at=now,
                )
        failed_ids = ended.get(rules.REFUSED, []) + ended.get(rules.LIMIT, [])
        if failed_ids:
            by_id = {i["id"]: i for i in items}
            await _timeline_failed(
                ctx.plan,
                [
                    (by_id[i]["target_id"], by_id[i]["takeover_userid"], rules.STATUS_TEXT[s])
                    for s in (rules.REFUSED, rules.LIMIT)
                    for i in ended.get(s, [])
                ],
                int(now),
            )
    resolved = sum(len(v) for v in done.values()) + sum(len(v) for v in ended.values())
    ctx.report.resolved += resolved
    return resolved


async def poll_due(ctx: RunContext) -> None:
    """Ask WeCom about every pair whose transfers are due, and store the answers."""
    now = ctx.now()
    rows = await TransferItem.filter(
        plan_id=ctx.plan.id, kind=rules.CUSTOMER, status=rules.WAITING
    ).values("id", "target_id", "takeover_userid", "mode", "due_at")
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        pairs[(row["mode"] or ctx.plan.mode, row["takeover_userid"])].append(row)
    for (mode, takeover), items in pairs.items():
        dues = [float(i["due_at"] or 0) for i in items]
        if max(dues) > now and min(dues) > now - rules.POLL_RETRY_S:
            continue  # not all due yet, and nothing long overdue: one pass later
        results = await fetch_results(ctx, mode, takeover)
        await apply_results(ctx, items, results, from_status=rules.WAITING)


async def complete_done(ctx: RunContext) -> None:
    """Carry over every completed customer and re-apply remark, description and tags."""
    plan = ctx.plan
    rows = (
        await TransferItem.filter(
            plan_id=plan.id, kind=rules.CUSTOMER, status=rules.DONE, reapply="pending"
        )
        .order_by("id")
        .values("id", "target_id", "takeover_userid", "takeover_time", "mode")
    )
    for chunk in chunks(rows, 1000):
        moves = [
            Move(
                external_userid=r["target_id"],
                from_userid=plan.handover_userid,
                to_userid=r["takeover_userid"],
                completed_at=int(r["takeover_time"]),
                mode=r["mode"],
                plan_id=plan.id,
            )
            for r in chunk
        ]
        carried = await carry_over_many(ctx.corp, moves)
        outcomes = await _reapply_all(ctx, chunk, carried)
        now = ctx.now()
        async with in_transaction():
            done_ids = [i for i, problem in outcomes.items() if not problem]
            for part in chunks(done_ids):
                await TransferItem.filter(id__in=list(part), reapply="pending").update(
                    reapply="done", updated_at=now
                )
            for item_id, problem in outcomes.items():
                if problem:
                    await TransferItem.filter(id=item_id, reapply="pending").update(
                        reapply="failed", reason=problem, updated_at=now
                    )
        ctx.report.completed += len(chunk)


async def _reapply_all(
    ctx: RunContext, rows: Sequence[dict[str, Any]], carried: dict[str, Carried]
) -> dict[int, str]:
    """Re-apply in WeCom, a few customers at a time; item id → problem ("" if none)."""
    gate = asyncio.Semaphore(ctx.concurrency)

    async def one(row: dict[str, Any]) -> tuple[int, str]:
        async with gate:
            return row["id"], await _reapply(ctx, row, carried[row["target_id"]])

    return dict(await asyncio.gather(*(one(r) for r in rows)))


async def _reapply(ctx: RunContext, row: dict[str, Any], what: Carried) -> str:
    api = ctx.corp_api.external_contact
    problems = []
    userid, external_userid = row["takeover_userid"], row["target_id"]
    if what.set_remark or what.set_description:
        try:
            await api.remark(
                userid,
                external_userid,
                remark=what.set_remark or None,
                description=what.set_description or None,
            )
        except (WeComError, ValueError) as exc:
            problems.append(f"re-applying the remark failed: {_why(exc)}")
    if what.add_tag_ids:
        try:
            await api.mark_tag(userid, external_userid, add_tag=what.add_tag_ids)
        except (WeComError, ValueError) as exc:
            problems.append(f"re-applying the tags failed: {_why(exc)}")
    return "; ".join(problems)


def _why(exc: Exception) -> str:
    if isinstance(exc, WeComError):
        return rules.explain_errcode(exc.errcode)
    return str(exc)


async def _timeline_failed(
    plan: TransferPlan, failures: Sequence[tuple[str, str, str]], at: int
) -> None:
    await timeline.record(
        plan.corp_id,
        [
            timeline.Entry(
                external_userid=external_userid,
                userid=plan.handover_userid,
                kind="transfer_failed",
                occurred_at=at,
                key_parts=(plan.id, external_userid, takeover),
                detail={"to_userid": takeover, "reason": reason, "plan_id": plan.id},
            )
            for external_userid, takeover, reason in failures
        ],
    )


async def on_transfer_fail(
    corp: Corp, takeover: str, external_userid: str, reason: str, at: int
) -> bool:
    """A ``transfer_fail`` callback: end the matching in-flight item; True if one matched.

    The callback names the successor and the customer only; an employee has at most
    one transfer of a customer in flight, so (successor, customer) finds it. Replays
    match nothing the second time (the item is already final).
    """
    final = FAIL_REASONS.get(reason, rules.FAILED)
    item = (
        await TransferItem.filter(
            corp_id=corp.id,
            kind=rules.CUSTOMER,
            target_id=external_userid,
            takeover_userid=takeover,
            status__in=list(rules.IN_FLIGHT),
        )
        .order_by("-id")
        .first()
    )
    if item is None:
        return False
    text = rules.STATUS_TEXT.get(final, f"WeCom reported {reason!r}")
    changed = await TransferItem.filter(id=item.id, status__in=list(rules.IN_FLIGHT)).update(
        status=final,
        wecom_status={rules.REFUSED: 3, rules.LIMIT: 4}.get(final, 0),
        accepted_at=item.accepted_at if item.accepted_at is not None else item.submitting_at,
        finished_at=float(at),
        uncertain=False,
        reason=text,
        updated_at=float(at),
    )
    if not changed:
        return False
    plan = await TransferPlan.get(id=item.plan_id)
    await _timeline_failed(plan, [(external_userid, takeover, text)], at)
    return True


async def finish_if_complete(ctx: RunContext) -> bool:
    """Close the plan when every item is final and every carry-over is done."""
    plan = ctx.plan
    open_items = await TransferItem.filter(
        plan_id=plan.id, status__in=[rules.PLANNED, rules.SUBMITTING, rules.WAITING]
    ).exists()
    pending = await TransferItem.filter(plan_id=plan.id, reapply="pending").exists()
    if open_items or pending:
        return False
    now = ctx.now()
    final_status = rules.PLAN_CANCELLED if plan.status == rules.PLAN_CANCELLED else rules.PLAN_DONE
    changed = await TransferPlan.filter(id=plan.id, status__in=list(rules.OPEN_PLAN)).update(
        status=final_status, open_handover=None, finished_at=now, updated_at=now
    )
    if changed:
        plan.status, plan.open_handover, plan.finished_at = final_status, None, now
    return bool(changed)
