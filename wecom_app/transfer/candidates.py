"""Successor candidates: who may take the leaver's items over, and how many customers
and chats each one holds already."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tortoise.functions import Count

from wecom_app.store.directory import FollowRelation, GroupChat
from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem
from wecom_app.transfer import rules
from wecom_app.transfer.options import INACTIVE, PlanError, PlanOptions
from wecom_app.transfer.sql import texts


async def candidates_for(
    corp: Corp,
    handover: Employee,
    options: PlanOptions,
    *,
    strict: bool,
) -> list[str]:
    """The successors to choose among.

    ``strict`` (successors an admin named): an unknown or departed one is an error.
    Otherwise (the tenant's defaults, for automatic drafts) such names are skipped, so
    a stale setting never stops a draft. No successors named, or ``same_department``:
    active colleagues sharing a department with the leaver.
    """
    chosen = [u for u in dict.fromkeys(options.successors) if u]
    if chosen and strict:
        await validate_successors(corp, handover.userid, chosen)
    elif chosen:
        active = set(
            texts(
                await Employee.filter(
                    corp_id=corp.id, userid__in=chosen, status="active"
                ).values_list("userid", flat=True)
            )
        )
        chosen = [u for u in chosen if u in active and u != handover.userid]
    if chosen and options.strategy != rules.SAME_DEPARTMENT:
        return chosen
    colleagues = await Employee.filter(corp_id=corp.id, status="active").values(
        "userid", "departments", "main_department"
    )
    mine = _departments(handover.departments, handover.main_department)
    same = sorted(
        c["userid"]
        for c in colleagues
        if c["userid"] != handover.userid
        and mine & _departments(c["departments"], c["main_department"])
    )
    if chosen:  # same_department over named successors: those who share one
        return [u for u in chosen if u in set(same)] or chosen
    return same


def _departments(departments: object, main: str) -> set[str]:
    found = {str(d) for d in departments} if isinstance(departments, list) else set()
    if main:
        found.add(str(main))
    return found


async def validate_successors(corp: Corp, handover_userid: str, userids: Sequence[str]) -> None:
    found = {
        e["userid"]: e["status"]
        for e in await Employee.filter(corp_id=corp.id, userid__in=list(userids)).values(
            "userid", "status"
        )
    }
    unknown = [u for u in userids if u not in found]
    if unknown:
        raise PlanError(
            "unknown_employee", "no such employee: " + ", ".join(unknown), details=unknown
        )
    gone = [u for u in userids if found[u] in INACTIVE]
    if gone:
        raise PlanError(
            "successor_inactive",
            "these employees left or are disabled: " + ", ".join(gone),
            details=gone,
        )
    if handover_userid in userids:
        raise PlanError("same_person", "the employee handing over cannot be their own successor")


async def customer_loads(corp: Corp, userids: Sequence[str]) -> dict[str, int]:
    """Customers each member holds now plus transfers already on their way to them."""
    if not userids:
        return {}
    loads: Counter[str] = Counter()
    for row in (
        await FollowRelation.filter(corp_id=corp.id, status="active", userid__in=list(userids))
        .group_by("userid")
        .annotate(n=Count("id"))
        .values("userid", "n")
    ):
        loads[row["userid"]] += int(row["n"])
    for row in (
        await TransferItem.filter(
            corp_id=corp.id,
            kind=rules.CUSTOMER,
            status__in=list(rules.IN_FLIGHT),
            takeover_userid__in=list(userids),
        )
        .group_by("takeover_userid")
        .annotate(n=Count("id"))
        .values("takeover_userid", "n")
    ):
        loads[row["takeover_userid"]] += int(row["n"])
    return dict(loads)


async def chat_loads(corp: Corp, userids: Sequence[str]) -> dict[str, int]:
    if not userids:
        return {}
    return {
        row["owner"]: int(row["n"])
        for row in await GroupChat.filter(corp_id=corp.id, dismissed=False, owner__in=list(userids))
        .group_by("owner")
        .annotate(n=Count("id"))
        .values("owner", "n")
    }
