"""Editing a plan before it is sent: other successors, items taken out or put back,
everything assigned again with new options, or the plan cancelled.

Every item stays editable until it is sent; an edit racing a running submit loses
cleanly, because both sides change an item only while it is still ``planned``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from wecom_app.store.directory import FollowRelation
from wecom_app.store.models import Corp
from wecom_app.store.sql import chunks, json_list
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules
from wecom_app.transfer.candidates import validate_successors
from wecom_app.transfer.checking import check_plan
from wecom_app.transfer.drafting import assign_all
from wecom_app.transfer.holdings import Customer, handover_of
from wecom_app.transfer.options import PlanError, PlanOptions, settings_for
from wecom_app.transfer.sql import ints


@dataclass
class EditResult:
    changed: int
    not_editable: list[str]
    version: int


def _editable_plan(plan: TransferPlan) -> None:
    if plan.status not in rules.OPEN_PLAN:
        raise PlanError("plan_closed", f"plan {plan.id} is {plan.status}; it cannot change")


async def _resolve_items(plan: TransferPlan, refs: Sequence[int | str]) -> dict[int, str]:
    """Item ids (ints) or target ids (customer / chat ids) → {item id: status}."""
    ids = [r for r in refs if isinstance(r, int)]
    targets = [r for r in refs if isinstance(r, str)]
    found: dict[int, str] = {}
    seen_ids: set[int] = set()
    seen_targets: set[str] = set()
    for id_chunk in chunks(ids):
        for row in await TransferItem.filter(plan_id=plan.id, id__in=list(id_chunk)).values(
            "id", "status", "target_id"
        ):
            found[row["id"]] = row["status"]
            seen_ids.add(row["id"])
    for chunk in chunks(targets):
        for row in await TransferItem.filter(plan_id=plan.id, target_id__in=list(chunk)).values(
            "id", "status", "target_id"
        ):
            found[row["id"]] = row["status"]
            seen_targets.add(row["target_id"])
    unknown = [str(i) for i in ids if i not in seen_ids] + [
        t for t in targets if t not in seen_targets
    ]
    if unknown:
        raise PlanError(
            "unknown_item",
            "not in this plan: " + ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else ""),
            details=unknown,
        )
    return found


async def edit_items(
    plan: TransferPlan,
    refs: Sequence[int | str],
    *,
    now: float,
    takeover: str | None = None,
    exclude: bool = False,
    include: bool = False,
    expect_version: int | None = None,
) -> EditResult:
    """Give items another successor, take them out of the plan (``exclude``) or put
    excluded ones back (``include``). Items already sent are not touched: they are
    listed in ``not_editable`` (an edit racing a running submit loses cleanly, because
    both sides change an item only while it is still ``planned``)."""
    _editable_plan(plan)
    if sum((takeover is not None, exclude, include)) != 1:
        raise PlanError("bad_edit", "give exactly one of: a successor, exclude, include")
    if expect_version is not None and expect_version != plan.version:
        raise PlanError(
            "stale_version",
            f"the plan changed since you looked (version {plan.version}, you saw "
            f"{expect_version}); reload it",
        )
    corp = await Corp.get(id=plan.corp_id)
    if takeover is not None:
        await validate_successors(corp, plan.handover_userid, [takeover])
    found = await _resolve_items(plan, refs)
    allowed = (
        {rules.CANCELLED}
        if include
        else {rules.PLANNED, rules.BLOCKED}
        if exclude
        else set(rules.EDITABLE)
    )
    changed: list[int] = []
    async with in_transaction():
        for chunk in chunks(list(found)):
            # Lock the rows still in an editable state, then change exactly those: an
            # item a submitter claimed a moment ago is not editable any more.
            ids = list(
                await TransferItem.filter(id__in=list(chunk), status__in=list(allowed))
                .select_for_update()
                .values_list("id", flat=True)
            )
            if not ids:
                continue
            query = TransferItem.filter(id__in=ids)
            if exclude:
                await query.update(
                    status=rules.CANCELLED, reason="removed from the plan", updated_at=now
                )
            elif include:
                await query.update(status=rules.PLANNED, reason="", updated_at=now)
            else:
                await query.update(
                    takeover_userid=takeover, status=rules.PLANNED, reason="", updated_at=now
                )
            changed.extend(ints(ids))
        plan.version += 1
        await TransferPlan.filter(id=plan.id).update(version=plan.version, updated_at=now)
    done = set(changed)
    not_editable = [str(i) for i in found if i not in done]
    await check_plan(plan, now=now)
    return EditResult(len(changed), not_editable, plan.version)


async def replan(plan: TransferPlan, options: PlanOptions, *, now: float) -> int:
    """Assign every unsent item again with new options (strategy, successors)."""
    _editable_plan(plan)
    corp = await Corp.get(id=plan.corp_id)
    handover = await handover_of(corp, plan.handover_userid)
    settings = await settings_for(corp)
    items = (
        await TransferItem.filter(plan_id=plan.id, status__in=[rules.PLANNED, rules.BLOCKED])
        .order_by("id")
        .values("id", "kind", "target_id", "label")
    )
    customer_items = [i for i in items if i["kind"] == rules.CUSTOMER]
    chat_items = [i for i in items if i["kind"] == rules.CHAT]
    tags: dict[str, list[str]] = {}
    targets = [i["target_id"] for i in customer_items]
    for chunk in chunks(targets):
        for row in await FollowRelation.filter(
            corp_id=corp.id, userid=plan.handover_userid, external_userid__in=list(chunk)
        ).values("external_userid", "tag_ids"):
            tags[row["external_userid"]] = json_list(row["tag_ids"])
    customers = [
        Customer(i["target_id"], i["label"], tags.get(i["target_id"], [])) for i in customer_items
    ]
    assignment = await assign_all(
        corp,
        handover,
        options,
        settings,
        customers,
        [(i["target_id"], i["label"]) for i in chat_items],
    )
    by_target: dict[tuple[str, str], list[int]] = defaultdict(list)
    ids = {(i["kind"], i["target_id"]): i["id"] for i in items}
    for customer, takeover in assignment.customers:
        by_target[(takeover, customer.key)].append(ids[(rules.CUSTOMER, customer.external_userid)])
    for chat_id, _, takeover in assignment.chats:
        by_target[(takeover, "")].append(ids[(rules.CHAT, chat_id)])
    async with in_transaction():
        for (takeover, key), item_ids in by_target.items():
            for chunk in chunks(item_ids):
                await TransferItem.filter(
                    id__in=list(chunk), status__in=[rules.PLANNED, rules.BLOCKED]
                ).update(takeover_userid=takeover, group_key=key, updated_at=now)
        plan.version += 1
        plan.strategy = options.strategy
        plan.options = options.to_json()
        plan.transfer_success_msg = options.transfer_success_msg
        await TransferPlan.filter(id=plan.id).update(
            version=plan.version,
            strategy=plan.strategy,
            options=plan.options,
            transfer_success_msg=plan.transfer_success_msg,
            updated_at=now,
        )
    await check_plan(plan, now=now)
    return len(items)


async def cancel_plan(plan: TransferPlan, *, now: float) -> int:
    """Stop a plan: unsent items are cancelled; items already sent stay tracked until
    WeCom finishes them (a started transfer cannot be called back)."""
    _editable_plan(plan)
    async with in_transaction():
        cancelled = await TransferItem.filter(
            plan_id=plan.id, status__in=[rules.PLANNED, rules.BLOCKED]
        ).update(status=rules.CANCELLED, reason="the plan was cancelled", updated_at=now)
        in_flight = await TransferItem.filter(
            plan_id=plan.id, status__in=list(rules.IN_FLIGHT)
        ).count()
        if in_flight == 0:
            plan.status = rules.PLAN_CANCELLED
            plan.open_handover = None
            plan.finished_at = now
        plan.version += 1
        await TransferPlan.filter(id=plan.id).update(
            status=plan.status,
            open_handover=plan.open_handover,
            finished_at=plan.finished_at,
            version=plan.version,
            updated_at=now,
        )
    return int(cancelled)
