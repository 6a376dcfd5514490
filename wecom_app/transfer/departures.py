"""Employees who left, and what they left behind.

Two ways in: the ``employee_resigned`` signal (a ``delete_user`` callback applied by the
directory) drafts a plan at once when the tenant turned ``auto_draft`` on; and a
periodic :func:`reconcile` asks WeCom itself — ``get_unassigned_list`` for customers,
``groupchat/list`` with ``status_filter=1`` for group chats (WeCom leaves members who
left with only chats out of the first list) — so callbacks that never came are caught:
the leaver is marked resigned, missing relations and chats are recorded, an open plan
gets the missing items, and with ``auto_draft`` a plan is drafted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from wecom_app.store.directory import FollowRelation, GroupChat
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sql import chunks
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.drafting import add_items, create_plan, open_plan
from wecom_app.transfer.options import settings_for
from wecom_app.transfer.sql import texts
from wecom_app.wecom import CorpAPI
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom.groupchat import MAX_OWNER_FILTER, STATUS_OWNER_RESIGNED
from wecom_app.wecom.transfer import TransferAPI

log = logging.getLogger(__name__)

# Leavers whose chats we look for even when we know of none: the recent ones.
RECENT_LEAVER_S = 30 * 86400


async def on_employee_resigned(
    *, corp: Corp, employee: Employee, resigned_at: int, **_: Any
) -> None:
    """``signals.employee_resigned`` receiver: draft a plan when the tenant wants one.

    Runs inside the inbox worker's transaction; idempotent (an employee has at most one
    open plan, so a replayed callback finds the draft instead of making another).
    """
    settings = await settings_for(corp)
    if not settings.auto_draft:
        return
    has_customers = await FollowRelation.filter(
        corp_id=corp.id, userid=employee.userid, status="active"
    ).exists()
    has_chats = await GroupChat.filter(
        corp_id=corp.id, owner=employee.userid, dismissed=False
    ).exists()
    if not has_customers and not has_chats:
        return
    plan, created = await create_plan(
        corp, employee.userid, None, now=float(resigned_at), source="auto"
    )
    if created:
        log.info("transfer: drafted plan %s for %s, who left", plan.id, employee.userid)


@dataclass
class Departure:
    userid: str
    name: str
    resigned_at: float | None
    customers: int = 0  # customers not yet handed over (or being handed over)
    in_flight: int = 0  # customers of the open plan already sent
    chats: int = 0
    plan_id: int | None = None
    plan_status: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "name": self.name,
            "resigned_at": self.resigned_at,
            "unassigned_customers": self.customers,
            "customers_in_transfer": self.in_flight,
            "chats": self.chats,
            "plan_id": self.plan_id,
            "plan_status": self.plan_status,
        }


async def departures(corp: Corp) -> list[Departure]:
    """Employees who left with customers or chats still theirs, from our directory."""
    leavers = await Employee.filter(corp_id=corp.id, status="resigned").values(
        "userid", "name", "resigned_at"
    )
    userids = [row["userid"] for row in leavers]
    customers: dict[str, int] = {}
    chats: dict[str, int] = {}
    in_flight: dict[str, int] = defaultdict(int)
    plans: dict[str, tuple[int, str]] = {}
    for chunk in chunks(userids):
        for row in (
            await FollowRelation.filter(corp_id=corp.id, status="active", userid__in=list(chunk))
            .group_by("userid")
            .annotate(n=Count("id"))
            .values("userid", "n")
        ):
            customers[row["userid"]] = int(row["n"])
        for row in (
            await GroupChat.filter(corp_id=corp.id, dismissed=False, owner__in=list(chunk))
            .group_by("owner")
            .annotate(n=Count("id"))
            .values("owner", "n")
        ):
            chats[row["owner"]] = int(row["n"])
        for plan in await TransferPlan.filter(
            corp_id=corp.id, open_handover__in=list(chunk)
        ).values("id", "status", "handover_userid"):
            plans[plan["handover_userid"]] = (plan["id"], plan["status"])
    for handover, (plan_id, _) in plans.items():
        in_flight[handover] = await TransferItem.filter(
            plan_id=plan_id, kind=rules.CUSTOMER, status__in=list(rules.IN_FLIGHT)
        ).count()
    found = []
    for row in leavers:
        userid = row["userid"]
        plan_info = plans.get(userid)
        if not customers.get(userid) and not chats.get(userid) and plan_info is None:
            continue
        resigned_at = row["resigned_at"]
        found.append(
            Departure(
                userid=userid,
                name=row["name"],
                resigned_at=resigned_at.timestamp() if resigned_at is not None else None,
                customers=customers.get(userid, 0) - in_flight.get(userid, 0),
                in_flight=in_flight.get(userid, 0),
                chats=chats.get(userid, 0),
                plan_id=plan_info[0] if plan_info else None,
                plan_status=plan_info[1] if plan_info else "",
            )
        )
    found.sort(key=lambda d: -(d.resigned_at or 0))
    return found


@dataclass
class ReconcileReport:
    leavers: int = 0
    unassigned_customers: int = 0
    chats: int = 0
    marked_resigned: list[str] = field(default_factory=list)
    relations_added: int = 0
    chats_added: int = 0
    plans_drafted: list[int] = field(default_factory=list)
    items_added: int = 0


async def reconcile(
    corp: Corp, transfers: TransferAPI, corp_api: CorpAPI, *, now: float
) -> ReconcileReport:
    report = ReconcileReport()
    unassigned: dict[str, dict[str, int]] = defaultdict(dict)
    async for entry in transfers.unassigned():
        unassigned[entry.handover_userid][entry.external_userid] = entry.dimission_time
    report.unassigned_customers = sum(len(v) for v in unassigned.values())

    for userid, customers in unassigned.items():
        left_at = min(customers.values()) if customers else int(now)
        if await _mark_resigned(corp, userid, left_at):
            report.marked_resigned.append(userid)
        report.relations_added += await _ensure_relations(corp, userid, list(customers))

    owners = await _chat_owners_to_check(corp, set(unassigned), now)
    chats_by_owner: dict[str, list[str]] = defaultdict(list)
    for chunk in chunks(owners, MAX_OWNER_FILTER):
        listed = [
            c.chat_id
            async for c in corp_api.groupchat.iter_chats(
                status_filter=STATUS_OWNER_RESIGNED, owner_userids=list(chunk)
            )
        ]
        known = dict(
            await GroupChat.filter(corp_id=corp.id, chat_id__in=listed).values_list(
                "chat_id", "owner"
            )
        )
        for chat_id in listed:
            owner = known.get(chat_id)
            if owner is None:
                try:
                    chat = await corp_api.groupchat.get(chat_id)
                except WeComError as exc:
                    log.warning("transfer reconcile: groupchat/get %s: %s", chat_id, exc)
                    continue
                owner = chat.owner
                await GroupChat.get_or_create(
                    corp_id=corp.id,
                    chat_id=chat_id,
                    defaults={"owner": owner, "name": chat.name, "wecom_status": 1},
                )
                report.chats_added += 1
            chats_by_owner[owner].append(chat_id)
        if listed:
            await GroupChat.filter(corp_id=corp.id, chat_id__in=listed).update(wecom_status=1)
    report.chats = sum(len(v) for v in chats_by_owner.values())

    settings = await settings_for(corp)
    for userid in sorted(set(unassigned) | set(chats_by_owner)):
        report.leavers += 1
        waiting = list(unassigned.get(userid, {}))
        chats = chats_by_owner.get(userid, [])
        plan = await open_plan(corp, userid)
        if plan is not None:
            report.items_added += await add_items(plan, waiting, chats, now=now)
        elif settings.auto_draft:
            if not await Employee.filter(corp_id=corp.id, userid=userid).exists():
                await _mark_resigned(corp, userid, int(now))
            plan, created = await create_plan(
                corp,
                userid,
                None,
                now=now,
                source="reconcile",
                extra_customers=waiting,
                extra_chats=chats,
            )
            if created:
                report.plans_drafted.append(plan.id)
    return report


async def _mark_resigned(corp: Corp, userid: str, left_at: int) -> bool:
    """Record a departure we were never told about; True if we learnt something."""
    employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
    at = datetime.fromtimestamp(left_at, tz=UTC)
    if employee is None:
        await Employee.create(corp_id=corp.id, userid=userid, status="resigned", resigned_at=at)
        return True
    if employee.status == "resigned":
        return False
    employee.status = "resigned"
    employee.resigned_at = at
    await employee.save(update_fields=["status", "resigned_at", "updated_at"])
    return True


async def _ensure_relations(corp: Corp, userid: str, externals: list[str]) -> int:
    """Add the relations WeCom reports and we do not have (status left as we know it)."""
    have: set[str] = set()
    for chunk in chunks(externals):
        have.update(
            texts(
                await FollowRelation.filter(
                    corp_id=corp.id, userid=userid, external_userid__in=list(chunk)
                ).values_list("external_userid", flat=True)
            )
        )
    missing = [e for e in externals if e not in have]
    if missing:
        await FollowRelation.bulk_create(
            [FollowRelation(corp_id=corp.id, userid=userid, external_userid=e) for e in missing],
            batch_size=1000,
            ignore_conflicts=True,
        )
    return len(missing)


async def _chat_owners_to_check(corp: Corp, leavers: set[str], now: float) -> list[str]:
    """Leavers whose chats may wait for a new owner: those WeCom listed, those we know
    own chats not yet handed over, and everyone who left in the last 30 days."""
    owners = set(leavers)
    resigned = await Employee.filter(corp_id=corp.id, status="resigned").values(
        "userid", "resigned_at"
    )
    resigned_ids = [r["userid"] for r in resigned]
    for chunk in chunks(resigned_ids):
        owners.update(
            texts(
                await GroupChat.filter(
                    corp_id=corp.id,
                    dismissed=False,
                    owner__in=list(chunk),
                    wecom_status__in=[0, 1],
                ).values_list("owner", flat=True)
            )
        )
    cutoff = now - RECENT_LEAVER_S
    owners.update(
        r["userid"]
        for r in resigned
        if r["resigned_at"] is not None and r["resigned_at"].timestamp() >= cutoff
    )
    return sorted(str(o) for o in owners)
