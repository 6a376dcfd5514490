"""Drafting a plan: every customer and group chat of the handover employee becomes
one item, assigned a successor by the plan's strategy (:mod:`.assignment`), then checked
(:mod:`.checking`). Items found later (a reconcile) are added the same way.

Drafting 10,000 customers is a handful of set-based queries and one bulk insert: no
query per item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem, TransferPlan, TransferSettings
from wecom_app.transfer import rules
from wecom_app.transfer.assignment import assign
from wecom_app.transfer.candidates import candidates_for, chat_loads, customer_loads
from wecom_app.transfer.checking import check_plan
from wecom_app.transfer.holdings import Customer, chats_of, customers_of, handover_of, tag_keys
from wecom_app.transfer.options import PlanError, PlanOptions, cap_of, settings_for
from wecom_app.transfer.sql import insert_rows, texts


def _units(customers: Sequence[Customer], together: bool) -> list[list[int]]:
    """Item indexes that go to one successor: one per tag key (``together``), else each alone."""
    if not together:
        return [[i] for i in range(len(customers))]
    grouped: dict[str, list[int]] = defaultdict(list)
    singles: list[list[int]] = []
    for index, customer in enumerate(customers):
        if customer.key:
            grouped[customer.key].append(index)
        else:
            singles.append([index])
    return [*grouped.values(), *singles]


@dataclass
class Assignment:
    """The successor chosen for each customer and chat ("" when nobody has room)."""

    customers: list[tuple[Customer, str]] = field(default_factory=list)
    chats: list[tuple[str, str, str]] = field(default_factory=list)  # chat_id, name, takeover


async def assign_all(
    corp: Corp,
    handover: Employee,
    options: PlanOptions,
    settings: TransferSettings,
    customers: list[Customer],
    chats: list[tuple[str, str]],
    *,
    strict: bool = True,
) -> Assignment:
    """Assign ``customers`` and ``chats`` by ``options`` (customers against the caps,
    chats without one); ``strict`` as for :func:`~.candidates.candidates_for`."""
    if options.strategy not in rules.STRATEGIES:
        raise PlanError("bad_strategy", f"strategy must be one of {', '.join(rules.STRATEGIES)}")
    candidates = await candidates_for(corp, handover, options, strict=strict)
    if options.keep_tag_together:
        await tag_keys(corp, customers, options.tag_group_id)
    loads = await customer_loads(corp, candidates)
    caps = {c: cap_of(settings, c) for c in candidates}
    chosen = assign(
        _units(customers, options.keep_tag_together),
        len(customers),
        candidates,
        options.strategy,
        loads,
        caps,
    )
    chats_held = await chat_loads(corp, candidates)
    chat_owners = assign(
        [[i] for i in range(len(chats))], len(chats), candidates, options.strategy, chats_held, None
    )
    return Assignment(
        customers=list(zip(customers, chosen, strict=True)),
        chats=[(c[0], c[1], o) for c, o in zip(chats, chat_owners, strict=True)],
    )


async def open_plan(corp: Corp, handover_userid: str) -> TransferPlan | None:
    return await TransferPlan.filter(
        corp_id=corp.id, open_handover=handover_userid, status__in=list(rules.OPEN_PLAN)
    ).first()


async def create_plan(
    corp: Corp,
    handover_userid: str,
    options: PlanOptions | None = None,
    *,
    now: float,
    source: str = "admin",
    created_by: str = "",
    extra_customers: Iterable[str] = (),
    extra_chats: Iterable[str] = (),
) -> tuple[TransferPlan, bool]:
    """Draft a plan for every customer and group chat of ``handover_userid``.

    Returns ``(plan, created)``: an employee has at most one open plan, so asking again
    (a replayed signal, a second click) returns the open one with ``created=False``.
    """
    handover = await handover_of(corp, handover_userid)
    existing = await open_plan(corp, handover_userid)
    if existing is not None:
        return existing, False
    settings = await settings_for(corp)
    strict = options is not None
    options = options or PlanOptions.defaults(settings)
    customers = await customers_of(corp, handover_userid, extra_customers)
    chats = await chats_of(corp, handover_userid, extra_chats)
    assignment = await assign_all(
        corp, handover, options, settings, customers, chats, strict=strict
    )
    mode = rules.RESIGNED if handover.status == "resigned" else rules.ONJOB
    try:
        async with in_transaction():
            plan = await TransferPlan.create(
                corp_id=corp.id,
                handover_userid=handover_userid,
                mode=mode,
                status=rules.DRAFT,
                open_handover=handover_userid,
                strategy=options.strategy,
                options=options.to_json(),
                transfer_success_msg=options.transfer_success_msg,
                source=source,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
            await _insert_items(plan, assignment, now)
    except IntegrityError:
        # Someone drafted the same employee's plan at the same moment: theirs stands.
        existing = await open_plan(corp, handover_userid)
        if existing is None:
            raise
        return existing, False
    await check_plan(plan, now=now)
    return plan, True


_ITEM_COLUMNS = (
    "plan_id",
    "corp_id",
    "kind",
    "target_id",
    "label",
    "group_key",
    "takeover_userid",
    "mode",
    "status",
    "errcode",
    "reason",
    "attempts",
    "submit_token",
    "uncertain",
    "not_before",
    "wecom_status",
    "takeover_time",
    "reapply",
    "updated_at",
)


async def _insert_items(plan: TransferPlan, assignment: Assignment, now: float) -> None:
    """One prepared INSERT for every item (see :func:`insert_rows`)."""

    def row(kind: str, target: str, label: str, key: str, takeover: str) -> tuple[Any, ...]:
        return (
            plan.id,
            plan.corp_id,
            kind,
            target,
            label[:255],
            key,
            takeover,
            "",
            rules.PLANNED,
            0,
            "",
            0,
            "",
            False,
            0.0,
            0,
            0,
            "",
            now,
        )

    values = [
        row(rules.CUSTOMER, c.external_userid, c.name, c.key, takeover)
        for c, takeover in assignment.customers
    ]
    values.extend(
        row(rules.CHAT, chat_id, name, "", takeover) for chat_id, name, takeover in assignment.chats
    )
    await insert_rows("transfer_items", _ITEM_COLUMNS, values)


async def add_items(
    plan: TransferPlan,
    customers: Iterable[str],
    chats: Iterable[str],
    *,
    now: float,
) -> int:
    """Add customers and chats the plan does not hold yet (found by a reconcile after
    the plan was drafted), assigned by the plan's own options; returns how many."""
    corp = await Corp.get(id=plan.corp_id)
    present = set(
        texts(await TransferItem.filter(plan_id=plan.id).values_list("target_id", flat=True))
    )
    new_customers = [c for c in dict.fromkeys(customers) if c not in present]
    new_chats = [c for c in dict.fromkeys(chats) if c not in present]
    if not new_customers and not new_chats:
        return 0
    handover = await handover_of(corp, plan.handover_userid)
    settings = await settings_for(corp)
    options = PlanOptions.of_plan(plan)
    all_customers = await customers_of(corp, plan.handover_userid, new_customers)
    wanted = set(new_customers)
    picked = [c for c in all_customers if c.external_userid in wanted]
    chat_rows = [
        c for c in await chats_of(corp, plan.handover_userid, new_chats) if c[0] in set(new_chats)
    ]
    assignment = await assign_all(
        corp, handover, options, settings, picked, chat_rows, strict=False
    )
    async with in_transaction():
        await _insert_items(plan, assignment, now)
        await TransferPlan.filter(id=plan.id).update(version=plan.version + 1, updated_at=now)
    plan.version += 1
    await check_plan(plan, now=now)
    return len(picked) + len(chat_rows)
