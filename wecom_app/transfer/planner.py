"""Plans: who takes over each customer and group chat of one employee, checked before
anything is sent.

A plan is drafted from our directory (FollowRelation, GroupChat): every customer and
every group chat of the handover employee becomes one item, and a strategy picks each
item's successor:

* ``single`` — everything to the first successor;
* ``round_robin`` — successors in turn;
* ``least_loaded`` — the successor with the fewest customers now (FollowRelation plus
  transfers already on their way to them), never past the customer cap WeCom enforces;
* ``same_department`` — least-loaded among active colleagues of the leaver's departments;
* ``keep_tag_together`` (with any strategy) — customers sharing a tag (of one tag group,
  or any corp tag) move as one unit to one successor, unless no successor has room.

Every item stays editable until it is sent. :func:`check_plan` applies WeCom's rules to
the unsent items and blocks (never silently drops) the ones WeCom would refuse:
transferred twice on-job in 90 days (our own history), a leaver gone more than a year,
successor = leaver, a successor who left, the customer cap; group chats past 300 a day
per pair wait for the next day. It runs when a plan is drafted, edited, previewed and
again right before submitting.

Drafting 10,000 customers is a handful of set-based queries and one bulk insert: no
query per item.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from wecom_app.store.db import dialect
from wecom_app.store.directory import FollowRelation, GroupChat, Tag
from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem, TransferPlan, TransferSettings
from wecom_app.transfer import rules
from wecom_app.transfer.sql import (
    chunks,
    fetch_in,
    insert_rows,
    ints,
    json_list,
    placeholders,
    rows,
    texts,
)

# Employee statuses that cannot take customers over.
INACTIVE = ("resigned", "disabled")


class PlanError(Exception):
    """A request about a plan that cannot be done; ``code`` is stable, ``message`` is
    for people (unknown employee, plan no longer editable, ...)."""

    def __init__(self, code: str, message: str, *, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)


@dataclass(frozen=True)
class PlanOptions:
    strategy: str = rules.LEAST_LOADED
    successors: tuple[str, ...] = ()
    keep_tag_together: bool = False
    tag_group_id: str = ""
    transfer_success_msg: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "successors": list(self.successors),
            "keep_tag_together": self.keep_tag_together,
            "tag_group_id": self.tag_group_id,
        }

    @classmethod
    def of_plan(cls, plan: TransferPlan) -> PlanOptions:
        options = plan.options if isinstance(plan.options, dict) else {}
        return cls(
            strategy=plan.strategy,
            successors=tuple(str(s) for s in options.get("successors", [])),
            keep_tag_together=bool(options.get("keep_tag_together", False)),
            tag_group_id=str(options.get("tag_group_id", "")),
            transfer_success_msg=plan.transfer_success_msg,
        )

    @classmethod
    def defaults(cls, settings: TransferSettings) -> PlanOptions:
        return cls(
            strategy=settings.strategy,
            successors=tuple(settings.successor_userids or ()),
            keep_tag_together=settings.keep_tag_together,
            tag_group_id=settings.tag_group_id,
            transfer_success_msg=settings.transfer_success_msg,
        )


async def settings_for(corp: Corp) -> TransferSettings:
    """The tenant's transfer settings (defaults, unsaved, when none were stored)."""
    found = await TransferSettings.filter(corp_id=corp.id).first()
    return found if found is not None else TransferSettings(corp_id=corp.id)


def cap_of(settings: TransferSettings, userid: str) -> int:
    caps = settings.member_caps if isinstance(settings.member_caps, dict) else {}
    return int(caps.get(userid, settings.customer_cap))


# -- assignment (pure) -----------------------------------------------------------------


def assign(
    units: Sequence[Sequence[int]],
    item_count: int,
    candidates: Sequence[str],
    strategy: str,
    loads: Mapping[str, int],
    caps: Mapping[str, int] | None,
) -> list[str]:
    """The successor of each item (``""``: nobody has room).

    ``units`` are lists of item indexes that should go to one successor (a tag group, or
    one item each); ``loads`` what each candidate holds now; ``caps`` their limits
    (None: no limit, as for group chats). Deterministic for the same input.
    """
    result = [""] * item_count
    if not candidates:
        return result
    if strategy == rules.SINGLE:
        return [candidates[0]] * item_count
    if strategy == rules.ROUND_ROBIN:
        for number, unit in enumerate(units):
            for index in unit:
                result[index] = candidates[number % len(candidates)]
        return result
    load = {c: int(loads.get(c, 0)) for c in candidates}
    room: dict[str, float] = {
        c: float("inf") if caps is None else caps.get(c, rules.DEFAULT_CUSTOMER_CAP) - load[c]
        for c in candidates
    }
    heap = [(load[c], order, c) for order, c in enumerate(candidates)]
    heapq.heapify(heap)

    def take(size: int) -> str:
        """The least-loaded candidate with room for ``size`` more ("" if none)."""
        skipped = []
        chosen = ""
        while heap:
            entry = heapq.heappop(heap)
            if room[entry[2]] >= size:
                chosen = entry[2]
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        if chosen:
            load[chosen] += size
            room[chosen] -= size
            heapq.heappush(heap, (load[chosen], candidates.index(chosen), chosen))
        return chosen

    # Big units first pack better; ties keep the plan's order.
    for unit in sorted(units, key=lambda u: -len(u)):
        whole = take(len(unit))
        if whole:
            for index in unit:
                result[index] = whole
            continue
        for index in unit:  # no one has room for the whole unit: split it
            result[index] = take(1)
    return result


# -- drafting ------------------------------------------------------------------------------


@dataclass
class _Customer:
    external_userid: str
    name: str
    tag_ids: list[str]
    key: str = ""


async def _handover(corp: Corp, userid: str) -> Employee:
    employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
    if employee is None:
        raise PlanError("unknown_employee", f"no employee {userid!r} in this organisation")
    return employee


async def _customers_of(corp: Corp, userid: str, extra: Iterable[str]) -> list[_Customer]:
    """The handover's customers: active relations, plus ``extra`` ones WeCom reported
    unassigned (get_unassigned_list) whatever our copy of the relation says.

    Relations and names are read separately, names by the unique index in chunks: a
    join's plan depends on table statistics, which a fresh bulk import does not have
    (PostgreSQL then picks a nested loop over 10,000 × 10,000 rows)."""
    marks = placeholders(2)
    found = await rows(
        "SELECT external_userid, tag_ids FROM follow_relations "
        f"WHERE corp_id = {marks[0]} AND userid = {marks[1]} AND status = 'active' "
        "ORDER BY id",
        [corp.id, userid],
    )
    customers = [_Customer(r["external_userid"], "", json_list(r["tag_ids"])) for r in found]
    known = {c.external_userid for c in customers}
    missing = [e for e in dict.fromkeys(extra) if e not in known]
    for chunk in chunks(missing):
        relations = {
            rel["external_userid"]: json_list(rel["tag_ids"])
            for rel in await FollowRelation.filter(
                corp_id=corp.id, userid=userid, external_userid__in=list(chunk)
            ).values("external_userid", "tag_ids")
        }
        customers.extend(_Customer(e, "", relations.get(e, [])) for e in chunk)
    if dialect() == "sqlite":
        # SQLite's planner walks the unique index for an IN (subquery) whatever its
        # statistics: one statement instead of 20 chunks.
        found_names = await rows(
            "SELECT external_userid, name FROM customers WHERE corp_id = ? AND external_userid "
            "IN (SELECT external_userid FROM follow_relations WHERE corp_id = ? AND userid = ?)",
            [corp.id, corp.id, userid],
        )
        if missing:
            found_names += await fetch_in(
                "SELECT external_userid, name FROM customers WHERE corp_id = ?",
                [corp.id],
                "external_userid",
                missing,
            )
    else:
        found_names = await fetch_in(
            "SELECT external_userid, name FROM customers WHERE corp_id = $1",
            [corp.id],
            "external_userid",
            [c.external_userid for c in customers],
        )
    names = {r["external_userid"]: r["name"] for r in found_names}
    for customer in customers:
        customer.name = str(names.get(customer.external_userid) or "")
    return customers


async def _tag_keys(corp: Corp, customers: list[_Customer], tag_group_id: str) -> None:
    """Each customer's grouping tag: the highest-ordered corp tag (of ``tag_group_id``)."""
    tags = await Tag.filter(corp_id=corp.id, deleted=False).values(
        "tag_id", "type", "group_id", "order"
    )
    rank: dict[str, tuple[int, str]] = {}
    for tag in tags:
        if tag["type"] != 1 or (tag_group_id and tag["group_id"] != tag_group_id):
            continue
        rank[tag["tag_id"]] = (-int(tag["order"]), tag["tag_id"])
    for customer in customers:
        usable = [t for t in customer.tag_ids if t in rank]
        customer.key = min(usable, key=rank.__getitem__) if usable else ""


async def _candidates(
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


async def _chat_loads(corp: Corp, userids: Sequence[str]) -> dict[str, int]:
    if not userids:
        return {}
    return {
        row["owner"]: int(row["n"])
        for row in await GroupChat.filter(corp_id=corp.id, dismissed=False, owner__in=list(userids))
        .group_by("owner")
        .annotate(n=Count("id"))
        .values("owner", "n")
    }


def _units(customers: Sequence[_Customer], together: bool) -> list[list[int]]:
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
    customers: list[tuple[_Customer, str]] = field(default_factory=list)
    chats: list[tuple[str, str, str]] = field(default_factory=list)  # chat_id, name, takeover


async def _assign_all(
    corp: Corp,
    handover: Employee,
    options: PlanOptions,
    settings: TransferSettings,
    customers: list[_Customer],
    chats: list[tuple[str, str]],
    *,
    strict: bool = True,
) -> Assignment:
    if options.strategy not in rules.STRATEGIES:
        raise PlanError("bad_strategy", f"strategy must be one of {', '.join(rules.STRATEGIES)}")
    candidates = await _candidates(corp, handover, options, strict=strict)
    if options.keep_tag_together:
        await _tag_keys(corp, customers, options.tag_group_id)
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
    chat_loads = await _chat_loads(corp, candidates)
    chat_owners = assign(
        [[i] for i in range(len(chats))], len(chats), candidates, options.strategy, chat_loads, None
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
    handover = await _handover(corp, handover_userid)
    existing = await open_plan(corp, handover_userid)
    if existing is not None:
        return existing, False
    settings = await settings_for(corp)
    strict = options is not None
    options = options or PlanOptions.defaults(settings)
    customers = await _customers_of(corp, handover_userid, extra_customers)
    chats = await _chats_of(corp, handover_userid, extra_chats)
    assignment = await _assign_all(
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


async def _chats_of(corp: Corp, userid: str, extra: Iterable[str]) -> list[tuple[str, str]]:
    found = (
        await GroupChat.filter(corp_id=corp.id, owner=userid, dismissed=False)
        .order_by("chat_id")
        .values_list("chat_id", "name")
    )
    chats = [(str(c), str(n)) for c, n in found]
    known = {c for c, _ in chats}
    chats.extend((c, "") for c in dict.fromkeys(extra) if c not in known)
    return chats


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
    handover = await _handover(corp, plan.handover_userid)
    settings = await settings_for(corp)
    options = PlanOptions.of_plan(plan)
    all_customers = await _customers_of(corp, plan.handover_userid, new_customers)
    wanted = set(new_customers)
    picked = [c for c in all_customers if c.external_userid in wanted]
    chat_rows = [
        c for c in await _chats_of(corp, plan.handover_userid, new_chats) if c[0] in set(new_chats)
    ]
    assignment = await _assign_all(
        corp, handover, options, settings, picked, chat_rows, strict=False
    )
    async with in_transaction():
        await _insert_items(plan, assignment, now)
        await TransferPlan.filter(id=plan.id).update(version=plan.version + 1, updated_at=now)
    plan.version += 1
    await check_plan(plan, now=now)
    return len(picked) + len(chat_rows)


# -- checking --------------------------------------------------------------------------------


@dataclass
class CheckSummary:
    planned: int = 0
    blocked: Counter[str] = field(default_factory=Counter)
    deferred_chats: Counter[int] = field(default_factory=Counter)  # China day → chats


async def check_plan(plan: TransferPlan, *, now: float) -> CheckSummary:
    """Apply WeCom's rules to the plan's unsent items: block the ones WeCom would refuse,
    unblock the ones whose reason went away, and schedule chats past the daily limit."""
    corp = await Corp.get(id=plan.corp_id)
    handover = await _handover(corp, plan.handover_userid)
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


# -- editing ---------------------------------------------------------------------------------


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
    handover = await _handover(corp, plan.handover_userid)
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
        _Customer(i["target_id"], i["label"], tags.get(i["target_id"], [])) for i in customer_items
    ]
    assignment = await _assign_all(
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


# -- preview ------------------------------------------------------------------------------------


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
