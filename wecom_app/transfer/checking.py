"""Checking a plan against WeCom's rules before anything is sent.

:func:`check_plan` applies the rules to the unsent items and blocks (never silently
drops) the ones WeCom would refuse: transferred twice on-job in 90 days (our own
history), a leaver gone more than a year, successor = leaver, a successor who left, the
customer cap; group chats past 300 a day per pair wait for the next day. It runs when a
plan is drafted, edited, previewed and again right before submitting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from wecom_app.store.models import Corp, Employee
from wecom_app.store.sql import chunks
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.candidates import customer_loads
from wecom_app.transfer.holdings import handover_of
from wecom_app.transfer.options import INACTIVE, cap_of, settings_for
from wecom_app.transfer.sql import texts


@dataclass
class CheckSummary:
    planned: int = 0
    blocked: Counter[str] = field(default_factory=Counter)
    deferred_chats: Counter[int] = field(default_factory=Counter)  # China day → chats


async def check_plan(plan: TransferPlan, *, now: float) -> CheckSummary:
    """Apply WeCom's rules to the plan's unsent items: block the ones WeCom would refuse,
    unblock the ones whose reason went away, and schedule chats past the daily limit."""
    corp = await Corp.get(id=plan.corp_id)
    handover = await handover_of(corp, plan.handover_userid)
    settings = await settings_for(corp)
    mode = rules.RESIGNED if handover.status == "resigned" else rules.ONJOB
    if mode != plan.mode:
        plan.mode = mode
        await TransferPlan.filter(id=plan.id).update(mode=mode, updated_at=now)
    items = (
        await TransferItem.filter(plan_id=plan.id, status__in=[rules.PLANNED, rules.BLOCKED])
        .order_by("id")
        .values("id", "kind", "target_id", "takeover_userid", "status", "reason", "not_before")
    )
    summary = CheckSummary()
    if not items:
        return summary
    takeovers = sorted({i["takeover_userid"] for i in items if i["takeover_userid"]})
    employees = {
        e["userid"]: e["status"]
        for e in await Employee.filter(corp_id=corp.id, userid__in=takeovers).values(
            "userid", "status"
        )
    }
    # Customers in flight in any plan (this plan's sent ones included).
    in_flight_elsewhere = set(
        texts(
            await TransferItem.filter(
                corp_id=corp.id, kind=rules.CUSTOMER, status__in=list(rules.IN_FLIGHT)
            )
            .exclude(plan_id=plan.id)
            .values_list("target_id", flat=True)
        )
    )
    recent: dict[str, list[float]] = defaultdict(list)
    if mode == rules.ONJOB:
        for target, accepted in await TransferItem.filter(
            corp_id=corp.id,
            kind=rules.CUSTOMER,
            mode=rules.ONJOB,
            accepted_at__gte=now - rules.ONJOB_WINDOW_S,
        ).values_list("target_id", "accepted_at"):
            recent[str(target)].append(float(accepted))
    left_too_long = bool(
        mode == rules.RESIGNED
        and handover.resigned_at is not None
        and now - handover.resigned_at.timestamp() > rules.RESIGNED_MAX_AGE_S
    )
    loads = await customer_loads(corp, takeovers)
    room = {t: cap_of(settings, t) - loads.get(t, 0) for t in takeovers}
    used_today = await _chats_sent_today(corp, plan.handover_userid, takeovers, now)
    chat_slots: dict[str, int] = {t: used_today.get(t, 0) for t in takeovers}
    today = rules.china_day(now)

    changes: dict[tuple[str, str, float], list[int]] = defaultdict(list)
    for item in items:
        takeover = item["takeover_userid"]
        code, detail = "", ""
        not_before = 0.0
        if not takeover:
            code = rules.NO_SUCCESSOR
        elif takeover == plan.handover_userid:
            code = rules.SAME_PERSON
        elif takeover not in employees:
            code = rules.TAKEOVER_UNKNOWN
        elif employees[takeover] in INACTIVE:
            code = rules.TAKEOVER_RESIGNED
        elif item["kind"] == rules.CUSTOMER:
            target = item["target_id"]
            times = sorted(recent.get(target, []))
            if left_too_long:
                code = rules.LEFT_TOO_LONG
            elif target in in_flight_elsewhere:
                code = rules.IN_TRANSFER
            elif len(times) >= rules.ONJOB_MAX_PER_WINDOW:
                code = rules.TOO_OFTEN
                eligible = times[-rules.ONJOB_MAX_PER_WINDOW] + rules.ONJOB_WINDOW_S
                detail = "eligible again from " + rules.when(eligible)
            elif room[takeover] <= 0:
                code = rules.OVER_CAP
                detail = f"limit {cap_of(settings, takeover)}"
            else:
                room[takeover] -= 1
        else:
            slot = chat_slots[takeover]
            chat_slots[takeover] = slot + 1
            day = today + slot // rules.CHATS_PER_DAY
            if day > today:
                not_before = rules.china_day_start(day)
                summary.deferred_chats[day] += 1
        status = rules.BLOCKED if code else rules.PLANNED
        reason = rules.block_text(code, detail) if code else ""
        if code:
            summary.blocked[code] += 1
        else:
            summary.planned += 1
        if (status, reason, not_before) != (
            item["status"],
            item["reason"],
            float(item["not_before"] or 0),
        ):
            changes[(status, reason, not_before)].append(item["id"])
    if changes:
        async with in_transaction():
            for (status, reason, not_before), ids in changes.items():
                for chunk in chunks(ids):
                    # Only unsent items: an item claimed meanwhile is left alone.
                    await TransferItem.filter(
                        id__in=list(chunk), status__in=[rules.PLANNED, rules.BLOCKED]
                    ).update(status=status, reason=reason, not_before=not_before, updated_at=now)
    return summary


async def _chats_sent_today(
    corp: Corp, handover: str, takeovers: Sequence[str], now: float
) -> dict[str, int]:
    start = rules.china_day_start(rules.china_day(now))
    sent = await TransferItem.filter(
        corp_id=corp.id,
        kind=rules.CHAT,
        accepted_at__gte=start,
        takeover_userid__in=list(takeovers),
        plan__handover_userid=handover,
    ).values_list("takeover_userid", flat=True)
    return dict(Counter(str(t) for t in sent))
