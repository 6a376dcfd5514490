"""Plans from our directory: strategies, caps, tag groups, the rules checked before
submitting, edits, and the time it takes to plan 10,000 customers. Database only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from wecom_app.store.directory import Customer, FollowRelation, GroupChat, Tag
from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem, TransferPlan, TransferSettings
from wecom_app.transfer import PlanError, PlanOptions, rules
from wecom_app.transfer.assignment import assign
from wecom_app.transfer.drafting import create_plan
from wecom_app.transfer.editing import edit_items, replan
from wecom_app.transfer.preview import preview

NOW = 1_700_000_000.0
DAY = 86400.0


# -- the assignment itself ------------------------------------------------------------


def test_single_and_round_robin_ignore_loads() -> None:
    units = [[0], [1, 2], [3]]
    assert assign(units, 4, ["a", "b"], rules.SINGLE, {"a": 9}, None) == ["a"] * 4
    assert assign(units, 4, ["a", "b"], rules.ROUND_ROBIN, {}, None) == ["a", "b", "b", "a"]


def test_least_loaded_evens_out_and_never_passes_a_cap() -> None:
    units = [[i] for i in range(10)]
    chosen = assign(units, 10, ["a", "b", "c"], rules.LEAST_LOADED, {"a": 5, "b": 0, "c": 3}, None)
    after = Counter(chosen)
    totals = {u: after[u] + base for u, base in {"a": 5, "b": 0, "c": 3}.items()}
    assert max(totals.values()) - min(totals.values()) <= 1

    capped = assign(units, 10, ["a", "b"], rules.LEAST_LOADED, {"a": 0, "b": 0}, {"a": 3, "b": 4})
    assert Counter(capped) == {"a": 3, "b": 4, "": 3}  # nobody has room for the rest


def test_a_tag_group_moves_together_unless_nobody_has_room() -> None:
    units = [[0, 1, 2, 3], [4], [5]]
    chosen = assign(units, 6, ["a", "b"], rules.LEAST_LOADED, {"a": 0, "b": 1}, {"a": 10, "b": 10})
    assert len({chosen[i] for i in (0, 1, 2, 3)}) == 1
    split = assign([[0, 1, 2, 3]], 4, ["a", "b"], rules.LEAST_LOADED, {}, {"a": 2, "b": 2})
    assert Counter(split) == {"a": 2, "b": 2}


# -- plans from the directory -----------------------------------------------------------


async def org(
    customers: int = 30, *, departments: dict[str, list[str]] | None = None
) -> tuple[Corp, list[str]]:
    """A corp whose ``leaver`` follows ``customers`` customers; colleagues a, b, c."""
    corp = await Corp.create(corp_id="wwplannercorp001", mode="self_built")
    departments = departments or {"leaver": ["1"], "a": ["1"], "b": ["1"], "c": ["2"]}
    await Employee.bulk_create(
        [
            Employee(corp=corp, userid=u, name=u.upper(), departments=d, main_department=d[0])
            for u, d in departments.items()
        ]
    )
    externals = [f"wmcustomer{n:06d}" for n in range(customers)]
    await Customer.bulk_create(
        [Customer(corp=corp, external_userid=e, name=f"客户{n}") for n, e in enumerate(externals)],
        batch_size=1000,
    )
    await FollowRelation.bulk_create(
        [FollowRelation(corp=corp, external_userid=e, userid="leaver") for e in externals],
        batch_size=1000,
    )
    return corp, externals


async def loads(corp: Corp, counts: dict[str, int]) -> None:
    await FollowRelation.bulk_create(
        [
            FollowRelation(corp=corp, external_userid=f"wmload{u}{n:06d}", userid=u)
            for u, count in counts.items()
            for n in range(count)
        ],
        batch_size=1000,
    )


async def takeovers(plan: TransferPlan) -> Counter[str]:
    found = await TransferItem.filter(plan=plan, kind="customer").values_list(
        "takeover_userid", flat=True
    )
    return Counter(str(userid) for userid in found)


async def test_least_loaded_counts_current_customers_and_respects_the_cap(database: str) -> None:
    corp, _ = await org(30)
    await loads(corp, {"a": 20, "b": 5})
    await TransferSettings.create(corp=corp, customer_cap=40, member_caps={"b": 12})

    plan, created = await create_plan(
        corp, "leaver", PlanOptions(successors=("a", "b", "c")), now=NOW
    )

    assert created
    # a: 20 + x ≤ 40; b: 5 + y ≤ 12 → 7; c takes the rest, evening out with a.
    got = await takeovers(plan)
    assert got["b"] == 7
    assert got["a"] + got["b"] + got["c"] == 30
    assert abs((20 + got["a"]) - got["c"]) <= 1


async def test_same_department_picks_active_colleagues_of_the_leavers_department(
    database: str,
) -> None:
    corp, _ = await org(12)
    await Employee.create(
        corp=corp, userid="gone", departments=["1"], main_department="1", status="resigned"
    )
    plan, _ = await create_plan(
        corp, "leaver", PlanOptions(strategy=rules.SAME_DEPARTMENT), now=NOW
    )
    assert set(await takeovers(plan)) == {"a", "b"}  # c is in department 2, "gone" left


async def test_customers_sharing_a_tag_go_to_one_successor(database: str) -> None:
    corp, externals = await org(20)
    await Tag.bulk_create(
        [
            Tag(corp=corp, tag_id="et_east", group_id="region", name="华东", type=1),
            Tag(corp=corp, tag_id="et_south", group_id="region", name="华南", type=1),
            Tag(corp=corp, tag_id="et_vip", group_id="level", name="VIP", type=1),
        ]
    )
    for n, external in enumerate(externals):
        tags = ["et_vip", "et_east" if n % 2 else "et_south"]
        await FollowRelation.filter(corp=corp, external_userid=external).update(tag_ids=tags)

    plan, _ = await create_plan(
        corp,
        "leaver",
        PlanOptions(successors=("a", "b"), keep_tag_together=True, tag_group_id="region"),
        now=NOW,
    )

    rows = await TransferItem.filter(plan=plan).values("group_key", "takeover_userid")
    by_key: dict[str, set[str]] = {}
    for row in rows:
        by_key.setdefault(row["group_key"], set()).add(row["takeover_userid"])
    assert set(by_key) == {"et_east", "et_south"}
    assert all(len(owners) == 1 for owners in by_key.values())
    assert by_key["et_east"] != by_key["et_south"]  # least-loaded spreads the groups


async def test_rules_are_checked_again_before_submitting(database: str) -> None:
    corp, externals = await org(10)
    plan, _ = await create_plan(
        corp, "leaver", PlanOptions(strategy=rules.ROUND_ROBIN, successors=("a", "b")), now=NOW
    )
    shown = await preview(plan, now=NOW)
    assert shown["customers"]["planned"] == 10

    # b leaves after the plan was drafted: b's items are blocked, not silently dropped.
    await Employee.filter(corp=corp, userid="b").update(status="resigned")
    shown = await preview(plan, now=NOW)
    assert shown["blocked"]["by_reason"] == {"takeover_resigned": 5}
    assert {i["takeover_userid"] for i in shown["blocked"]["items"]} == {"b"}

    # Reassigning them to a unblocks them; assigning to b again is refused.
    blocked = [i["id"] for i in shown["blocked"]["items"]]
    with pytest.raises(PlanError) as error:
        await edit_items(plan, blocked, now=NOW, takeover="b")
    assert error.value.code == "successor_inactive"
    result = await edit_items(plan, blocked, now=NOW, takeover="a", expect_version=plan.version)
    assert result.changed == 5
    shown = await preview(plan, now=NOW)
    assert shown["customers"]["planned"] == 10
    assert shown["plan"]["version"] == result.version

    # Excluding takes items out; including puts them back.
    await edit_items(plan, externals[:2], now=NOW, exclude=True)
    assert (await preview(plan, now=NOW))["customers"]["cancelled"] == 2
    await edit_items(plan, externals[:2], now=NOW, include=True)
    assert (await preview(plan, now=NOW))["customers"]["planned"] == 10


async def test_a_cap_too_small_blocks_the_overflow_with_a_reason(database: str) -> None:
    corp, _ = await org(10)
    await loads(corp, {"a": 6})
    await TransferSettings.create(corp=corp, customer_cap=10)
    plan, _ = await create_plan(
        corp, "leaver", PlanOptions(strategy=rules.SINGLE, successors=("a",)), now=NOW
    )
    shown = await preview(plan, now=NOW)
    assert shown["blocked"]["by_reason"] == {"over_cap": 6}
    assert "limit 10" in shown["blocked"]["items"][0]["reason"]
    (a,) = shown["successors"]
    assert (a["userid"], a["current_customers"], a["cap"], a["planned"]) == ("a", 6, 10, 4)


async def test_replanning_reassigns_only_unsent_items(database: str) -> None:
    corp, _ = await org(10)
    plan, _ = await create_plan(
        corp, "leaver", PlanOptions(strategy=rules.SINGLE, successors=("a",)), now=NOW
    )
    sent = await TransferItem.filter(plan=plan).order_by("id").first()
    assert sent is not None
    await TransferItem.filter(id=sent.id).update(status="waiting")
    await replan(plan, PlanOptions(strategy=rules.SINGLE, successors=("b",)), now=NOW)
    got = await takeovers(plan)
    assert got == {"a": 1, "b": 9}
    await plan.refresh_from_db()
    assert plan.options["successors"] == ["b"]


async def test_an_automatic_draft_skips_default_successors_who_left(database: str) -> None:
    corp, _ = await org(6)
    await Employee.filter(corp=corp, userid="a").update(status="resigned")
    await TransferSettings.create(corp=corp, successor_userids=["a", "b", "nobody"])
    plan, _ = await create_plan(corp, "leaver", None, now=NOW, source="auto")
    assert set(await takeovers(plan)) == {"b"}


async def test_planning_10000_customers(database: str) -> None:
    """10,000 customers and 500 chats in one plan (bench/transfer.py times it)."""
    corp, _ = await org(10_000)
    await loads(corp, {"a": 1500, "b": 200, "c": 3000})
    await GroupChat.bulk_create(
        [GroupChat(corp=corp, chat_id=f"wrchat{n:05d}", owner="leaver") for n in range(500)]
    )
    await Employee.filter(corp=corp, userid="leaver").update(
        status="resigned", resigned_at=datetime.fromtimestamp(NOW - DAY, tz=UTC)
    )

    plan, _ = await create_plan(corp, "leaver", PlanOptions(successors=("a", "b", "c")), now=NOW)
    assert await TransferItem.filter(plan=plan).count() == 10_500
    got = await takeovers(plan)
    assert sum(got.values()) == 10_000
    # Least-loaded: everyone ends within one customer of each other.
    totals = [got["a"] + 1500, got["b"] + 200, got["c"] + 3000]
    assert max(totals) - min(totals) <= 1
    shown = await preview(plan, now=NOW)
    assert shown["customers"]["planned"] == 10_000
    assert shown["chats"]["planned"] == 500
    assert sum(shown["deferred_chats"].values()) == 0  # ≤ 300 per successor
