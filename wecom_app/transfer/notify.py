"""App messages about a plan: each successor hears which customers are coming, the admin
gets a summary when the plan ends.

A successor is told once every item of theirs in the plan has been sent (nothing of
theirs still ``planned`` or ``submitting``), so one message lists them all; the plan
remembers who was told. A failed send is tried again next run; a crash between the
send and the bookkeeping may repeat a message, never lose one.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any

from wecom_app.store.models import Employee
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.context import RunContext
from wecom_app.transfer.options import settings_for
from wecom_app.wecom.errors import WeComError

log = logging.getLogger(__name__)

NAMES_LISTED = 20


async def _name(corp_id: int, userid: str) -> str:
    employee = await Employee.filter(corp_id=corp_id, userid=userid).first()
    return employee.name if employee is not None and employee.name else userid


async def notify_successors(ctx: RunContext) -> None:
    plan = ctx.plan
    if ctx.messages is None:
        return
    settings = await settings_for(ctx.corp)
    if not settings.notify_successors:
        return
    rows = (
        await TransferItem.filter(plan_id=plan.id)
        .exclude(takeover_userid="")
        .values("kind", "status", "takeover_userid", "label", "target_id", "due_at", "not_before")
    )
    now = ctx.now()
    by_successor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_successor[row["takeover_userid"]].append(row)
    told = dict(plan.notified) if isinstance(plan.notified, dict) else {}
    handover = await _name(plan.corp_id, plan.handover_userid)
    for userid, items in by_successor.items():
        if told.get(userid):
            continue
        unsent = [i for i in items if i["status"] in (rules.PLANNED, rules.SUBMITTING)]
        if any(float(i["not_before"] or 0) <= now for i in unsent):
            continue  # more of theirs to send now: one message when all are sent
        later = [i for i in unsent if i["kind"] == rules.CHAT]  # held to a later day
        coming = [
            i
            for i in items
            if i["kind"] == rules.CUSTOMER and i["status"] in (rules.WAITING, rules.DONE)
        ]
        chats = [i for i in items if i["kind"] == rules.CHAT and i["status"] == rules.DONE]
        if not coming and not chats:
            continue
        text = successor_text(handover, coming, chats, later)
        try:
            await ctx.messages.send_text([userid], text)
        except WeComError as exc:
            log.warning("transfer plan %s: telling %s failed: %s", plan.id, userid, exc)
            continue
        told[userid] = True
        plan.notified = told
        await TransferPlan.filter(id=plan.id).update(notified=told)
        ctx.report.notified += 1


def successor_text(
    handover: str,
    coming: list[dict[str, Any]],
    chats: list[dict[str, Any]],
    later: list[dict[str, Any]],
) -> str:
    lines = ["【客户转接通知】"]
    if coming:
        names = [i["label"] or i["target_id"] for i in coming[:NAMES_LISTED]]
        more = len(coming) - len(names)
        due = max(float(i["due_at"] or 0) for i in coming) - rules.POLL_SLACK_S
        lines.append(
            f"{handover} 的 {len(coming)} 位客户将转给你"
            + (f"（预计 {rules.when(due)} 完成接替）" if due > 0 else "")
            + "："
            + "、".join(names)
            + (f" 等（另有 {more} 位）" if more > 0 else "")
        )
    if chats:
        names = [i["label"] or i["target_id"] for i in chats[:NAMES_LISTED]]
        more = len(chats) - len(names)
        lines.append(
            f"{handover} 的 {len(chats)} 个客户群已转给你："
            + "、".join(names)
            + (f" 等（另有 {more} 个）" if more > 0 else "")
        )
    if later:
        first = min(float(i["not_before"] or 0) for i in later)
        lines.append(
            f"另有 {len(later)} 个客户群将于 {rules.when(first)[:10]} 起转给你"
            "（企业微信每天最多转接 300 个）。"
        )
    lines.append("客户接替后，原负责人的备注、描述和标签会同步给你。")
    return "\n".join(lines)


async def send_summary(ctx: RunContext) -> None:
    """Tell whoever started the plan (or the tenant's transfer admins) how it ended."""
    plan = ctx.plan
    if plan.summary_sent or ctx.messages is None:
        return
    settings = await settings_for(ctx.corp)
    recipients = [plan.created_by] if plan.created_by else []
    if (
        not recipients
        or not await Employee.filter(corp_id=plan.corp_id, userid=plan.created_by).exists()
    ):
        recipients = list(settings.admin_userids or [])
    if not recipients:
        return
    rows = await TransferItem.filter(plan_id=plan.id).values("kind", "status", "reason")
    counts: Counter[tuple[str, str]] = Counter((r["kind"], r["status"]) for r in rows)
    reasons: Counter[str] = Counter(
        r["reason"] for r in rows if r["status"] in (rules.FAILED, rules.BLOCKED) and r["reason"]
    )
    text = summary_text(await _name(plan.corp_id, plan.handover_userid), plan, counts, reasons)
    try:
        await ctx.messages.send_text(recipients, text)
    except WeComError as exc:
        log.warning("transfer plan %s: the summary could not be sent: %s", plan.id, exc)
        return
    plan.summary_sent = True
    await TransferPlan.filter(id=plan.id).update(summary_sent=True)
    ctx.report.notified += 1


def summary_text(
    handover: str,
    plan: TransferPlan,
    counts: Counter[tuple[str, str]],
    reasons: Counter[str],
) -> str:
    def n(kind: str, status: str) -> int:
        return counts.get((kind, status), 0)

    customers = sum(v for (k, _), v in counts.items() if k == rules.CUSTOMER)
    chats = sum(v for (k, _), v in counts.items() if k == rules.CHAT)
    c = rules.CUSTOMER
    lines = [
        f"【客户转接完成】{handover} 的转接计划 #{plan.id}",
        f"客户 {customers} 位：已转接 {n(c, rules.DONE)}，客户拒绝 {n(c, rules.REFUSED)}，"
        f"接替成员达上限 {n(c, rules.LIMIT)}，无接替记录 {n(c, rules.NO_RECORD)}，"
        f"失败 {n(c, rules.FAILED)}，未发送 {n(c, rules.BLOCKED) + n(c, rules.CANCELLED)}",
        f"客户群 {chats} 个：已转接 {n(rules.CHAT, rules.DONE)}，"
        f"失败 {n(rules.CHAT, rules.FAILED)}，"
        f"未发送 {n(rules.CHAT, rules.BLOCKED) + n(rules.CHAT, rules.CANCELLED)}",
    ]
    for reason, count in reasons.most_common(3):
        lines.append(f"· {count} × {reason}")
    return "\n".join(lines)
