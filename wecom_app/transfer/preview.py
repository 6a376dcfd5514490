"""What a plan looks like now: live progress by status and successor, and the preview
of what submitting would do (rules applied, loads against caps, blocked items)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise.functions import Count

from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.candidates import customer_loads
from wecom_app.transfer.checking import check_plan
from wecom_app.transfer.options import cap_of, settings_for


async def progress(plan: TransferPlan) -> dict[str, Any]:
    """Counts by kind and status, and by successor: what the console shows live."""
    counts = (
        await TransferItem.filter(plan_id=plan.id)
        .group_by("kind", "status", "takeover_userid")
        .annotate(n=Count("id"))
        .values("kind", "status", "takeover_userid", "n")
    )
    by_status: dict[str, dict[str, int]] = {
        rules.CUSTOMER: dict.fromkeys(rules.STATUSES, 0),
        rules.CHAT: dict.fromkeys(rules.STATUSES, 0),
    }
    per_successor: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in counts:
        n = int(row["n"])
        by_status[row["kind"]][row["status"]] += n
        if row["status"] not in (rules.CANCELLED,):
            per_successor[row["takeover_userid"]][f"{row['kind']}s"] += n
            per_successor[row["takeover_userid"]][row["status"]] += n
    total = sum(sum(v.values()) for v in by_status.values())
    final = sum(by_status[k][s] for k in by_status for s in rules.FINAL)
    return {
        "plan": plan_json(plan),
        "customers": by_status[rules.CUSTOMER],
        "chats": by_status[rules.CHAT],
        "total": total,
        "final": final,
        "complete": total > 0 and final == total,
        "successors": [
            {"userid": u, "customers": 0, "chats": 0, **dict(v)}
            for u, v in sorted(per_successor.items())
        ],
    }


def plan_json(plan: TransferPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "handover_userid": plan.handover_userid,
        "mode": plan.mode,
        "status": plan.status,
        "strategy": plan.strategy,
        "options": plan.options,
        "source": plan.source,
        "created_by": plan.created_by,
        "version": plan.version,
        "created_at": plan.created_at,
        "submitted_at": plan.submitted_at,
        "finished_at": plan.finished_at,
    }


async def preview(plan: TransferPlan, *, now: float) -> dict[str, Any]:
    """What submitting would do now: rules applied, per successor counts against their
    current load and cap, blocked items by reason, chats that wait for another day."""
    summary = await check_plan(plan, now=now)
    await plan.refresh_from_db()
    corp = await Corp.get(id=plan.corp_id)
    settings = await settings_for(corp)
    report = await progress(plan)
    counted = {s["userid"]: s for s in report["successors"] if s["userid"]}
    successors = sorted(counted)
    loads = await customer_loads(corp, successors)
    names = dict(
        await Employee.filter(corp_id=corp.id, userid__in=successors).values_list("userid", "name")
    )
    report["successors"] = [
        {
            "userid": u,
            "name": names.get(u, ""),
            "customers": counted[u].get("customers", 0),
            "chats": counted[u].get("chats", 0),
            "planned": counted[u].get(rules.PLANNED, 0),
            "blocked": counted[u].get(rules.BLOCKED, 0),
            "current_customers": loads.get(u, 0),
            "cap": cap_of(settings, u),
        }
        for u in successors
    ]
    blocked = (
        await TransferItem.filter(plan_id=plan.id, status=rules.BLOCKED)
        .order_by("id")
        .limit(200)
        .values("id", "kind", "target_id", "label", "takeover_userid", "reason")
    )
    report["blocked"] = {
        "by_reason": dict(summary.blocked),
        "items": blocked,
    }
    report["deferred_chats"] = {
        rules.when(rules.china_day_start(day))[:10]: n
        for day, n in sorted(summary.deferred_chats.items())
    }
    return report
