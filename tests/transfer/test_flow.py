"""Transfers end to end against the simulator: departure → plan → submit → takeover →
carry-over, and every way it can go wrong on the way (WeCom errors mid-batch, a worker
killed between marking and calling, a lost answer, a successor who leaves, callbacks
that match or replay)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FakeClock
from tests.support.transfer import TransferEnv, build_env, busiest, close_env
from wecom_app.kv import KV
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_message import sent_messages
from wecom_app.simulator.state import GroupChat as SimGroupChat
from wecom_app.store.directory import FollowRelation, GroupChat, TimelineEvent
from wecom_app.store.models import Employee, InboxEvent
from wecom_app.store.transfer import CustomerTransfer, TransferItem, TransferPlan, TransferSettings
from wecom_app.transfer import PlanError, PlanOptions, TransferService, on_transfer_fail, rules
from wecom_app.wecom import RetryPolicy, WeComClient
from wecom_app.wecom_access import WeComAccess

DAY = 86400.0
TRANSFER = "/cgi-bin/externalcontact/transfer_customer"
RESIGNED_TRANSFER = "/cgi-bin/externalcontact/resigned/transfer_customer"


EnvFactory = Callable[..., Awaitable[TransferEnv]]


@pytest.fixture
async def make_env(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[EnvFactory]:
    built: list[TransferEnv] = []

    async def make(**options: Any) -> TransferEnv:
        env, _ = await build_env(tmp_path, database, kv, clock, **options)
        built.append(env)
        return env

    try:
        yield make
    finally:
        for env in built:
            await close_env(env)


@pytest.fixture
async def env(make_env: EnvFactory) -> TransferEnv:
    return await make_env()


def started(env: TransferEnv) -> Counter[str]:
    """How many transfers the simulated WeCom started per customer (all pairs)."""
    counts: Counter[str] = Counter()
    for records in env.desk.records.values():
        for external_userid in records:
            counts[external_userid] += 1
    return counts


async def items(plan: TransferPlan, **filters: object) -> list[TransferItem]:
    return await TransferItem.filter(plan_id=plan.id, **filters).order_by("id")


async def test_a_departure_is_planned_submitted_taken_over_and_carried_over(
    env: TransferEnv,
) -> None:
    org = env.org
    leaver = busiest(org)
    successors = sorted(u for u in org.employees if u != leaver)[:3]
    await TransferSettings.create(
        corp=env.corp, auto_draft=True, successor_userids=successors, admin_userids=[successors[0]]
    )
    before = {
        e: (r.remark, r.description, list(r.tag_ids))
        for e, r in org.follows_by_user[leaver].items()
    }
    shared = {(r.userid, e) for e in before for r in org.followers(e) if r.userid != leaver}
    chats = [c.chat_id for c in org.group_chats.values() if c.owner == leaver]

    env.sim.delete_employee(org.corp_id, leaver)
    await env.deliver()

    plan = await TransferPlan.get(corp=env.corp, handover_userid=leaver)
    assert (plan.status, plan.mode, plan.source) == ("draft", "resigned", "auto")
    planned = await items(plan)
    assert {i.target_id for i in planned if i.kind == "customer"} == set(before)
    assert {i.target_id for i in planned if i.kind == "chat"} == set(chats)
    assert {i.takeover_userid for i in planned} <= set(successors)

    report = await env.service.submit(plan)
    assert report.accepted == len(planned)
    assert env.sim.calls[RESIGNED_TRANSFER] == sum(
        -(-n // 100)
        for n in Counter(i.takeover_userid for i in planned if i.kind == "customer").values()
    )
    # Every successor heard which customers are coming, once.
    told = {m.touser[0] for m in sent_messages(env.sim)}
    assert told == {i.takeover_userid for i in planned}
    assert all(c.owner in successors for c in org.group_chats.values() if c.chat_id in chats)

    env.advance(DAY + 120)
    report = await env.service.run(plan)
    assert report.finished, report.line()
    await plan.refresh_from_db()
    assert plan.status == "done"
    assert plan.open_handover is None
    assert set((await env.statuses(plan)).values()) == {"done"}

    for item in await items(plan, kind="customer"):
        remark, description, tags = before[item.target_id]
        relation = org.follow(item.takeover_userid, item.target_id)
        assert relation is not None
        assert org.follow(leaver, item.target_id) is None
        assert item.reapply == "done"
        # WeCom's takeover time is recorded (and is the carry-over's moment).
        record = env.desk.records[(org.corp_id, "resigned", leaver, item.takeover_userid)]
        assert item.takeover_time == record[item.target_id].takeover_time > 0
        if (item.takeover_userid, item.target_id) in shared:
            # The successor already had the customer: their own remark stays, tags merge.
            assert set(tags) <= set(relation.tag_ids)
            continue
        # The predecessor's remark, description and tags were re-applied in WeCom.
        assert (relation.remark, relation.description) == (remark, description)
        assert sorted(relation.tag_ids) == sorted(tags)
    history = await CustomerTransfer.filter(corp=env.corp).count()
    assert history == len(before)
    ours = await FollowRelation.filter(corp=env.corp, userid=leaver).values_list(
        "status", flat=True
    )
    assert {str(status) for status in ours} == {"transferred"}
    events = await TimelineEvent.filter(corp=env.corp, kind="transferred").count()
    assert events == 2 * len(before)  # both sides
    summary = sent_messages(env.sim, successors[0])[-1].text
    assert "转接完成" in summary
    assert f"已转接 {len(before)}" in summary

    # Running again changes nothing and calls nothing.
    calls = sum(env.sim.calls.values())
    await env.service.run(plan)
    assert sum(env.sim.calls.values()) == calls


async def new_member(env: TransferEnv, userid: str) -> str:
    """A colleague without customers, known to WeCom and (through its callback) to us."""
    env.sim.add_employee(env.org.corp_id, userid, departments=[1])
    await env.deliver()
    return userid


def pair_records(env: TransferEnv, handover: str, takeover: str) -> set[str]:
    return {
        external_userid
        for (corp, mode, h, t), records in env.desk.records.items()
        if (h, t) == (handover, takeover)
        for external_userid in records
    }


class Hook:
    """A ``before_call`` that runs ``action`` on the n-th WeCom call (1-based)."""

    def __init__(self, nth: int, action: Callable[[Sequence[int]], Awaitable[None]]) -> None:
        self.nth = nth
        self.action = action
        self.calls = 0

    async def __call__(self, kind: str, ids: Sequence[int]) -> None:
        self.calls += 1
        if self.calls == self.nth:
            await self.action(ids)


async def test_refusals_and_the_cap_arrive_by_callback_and_end_their_items(
    env: TransferEnv,
) -> None:
    org = env.org
    handover = busiest(org)
    admin = next(u for u in org.employees if u != handover)
    successor = await new_member(env, "newhire")
    customers = list(org.follows_by_user[handover])
    refuser = customers[0]
    env.desk.refusing.add(refuser)
    # WeCom's own limit for the successor leaves room for all but two at takeover time.
    env.desk.caps[successor] = len(customers) - 3
    plan, created = await env.service.plan(
        env.corp,
        handover,
        PlanOptions(strategy="single", successors=(successor,), transfer_success_msg="您好"),
        created_by=admin,
    )
    assert created
    assert plan.mode == "onjob"
    await env.service.submit(plan)

    env.advance(2 * 3600)  # the refusal comes within the hour
    assert await env.deliver() == 1
    (refused,) = await items(plan, status="refused")
    assert refused.target_id == refuser
    assert refused.wecom_status == 3
    assert "refused" in refused.reason
    # A replayed callback matches nothing any more.
    assert not await on_transfer_fail(env.corp, successor, refuser, "customer_refused", 1)

    env.advance(DAY + 120)
    await env.service.run(plan)
    counts = Counter(i.status for i in await items(plan, kind="customer"))
    assert counts == {"done": len(customers) - 3, "refused": 1, "limit": 2}
    limited = await items(plan, status="limit")
    assert all("limit" in i.reason for i in limited)
    await env.deliver()  # the limit callbacks come after the poll ended the items
    assert Counter(i.status for i in await items(plan, kind="customer")) == counts
    await plan.refresh_from_db()
    assert plan.status == "done"
    summary = sent_messages(env.sim, admin)[-1].text
    assert "客户拒绝 1" in summary
    assert "接替成员达上限 2" in summary


async def test_wecom_errors_mid_batch_are_retried_and_nothing_is_sent_twice(
    make_env: EnvFactory,
) -> None:
    env = await make_env(customers=1500, employees=8)
    org = env.org
    handover = busiest(org)
    successor = await new_member(env, "catcher")
    # A customer only our directory knows: WeCom answers 40096 for it.
    await FollowRelation.create(corp=env.corp, userid=handover, external_userid="wmghost0001")
    customers = [*org.follows_by_user[handover], "wmghost0001"]
    assert len(customers) > 200
    hook = Hook(2, lambda ids: _arm(env, TRANSFER, -1))
    env.service.before_call = hook
    plan, _ = await env.service.plan(
        env.corp, handover, PlanOptions(strategy="single", successors=(successor,))
    )

    first = await env.service.submit(plan)
    assert first.accepted == 100
    assert first.retry_later == 100
    assert first.stopped == "errcode -1"
    second = await env.service.run(plan)
    assert second.failed == 1

    assert set(started(env).values()) == {1}
    assert set(started(env)) == set(customers) - {"wmghost0001"}
    (ghost,) = await items(plan, status="failed")
    assert (ghost.target_id, ghost.errcode) == ("wmghost0001", 40096)
    assert "invalid external_userid" in ghost.reason
    assert Counter(i.status for i in await items(plan, kind="customer")) == {
        "waiting": len(customers) - 1,
        "failed": 1,
    }


async def _arm(env: TransferEnv, path: str, errcode: int) -> None:
    env.sim.faults.fail_next(path, errcode)


async def test_a_worker_killed_between_marking_and_calling_never_sends_twice(
    make_env: EnvFactory,
) -> None:
    env = await make_env(customers=1500, employees=8)
    handover = busiest(env.org)
    successor = await new_member(env, "catcher")
    customers = list(env.org.follows_by_user[handover])

    async def die(ids: Sequence[int]) -> None:
        raise RuntimeError("worker killed")

    env.service.before_call = Hook(2, die)
    plan, _ = await env.service.plan(
        env.corp, handover, PlanOptions(strategy="single", successors=(successor,))
    )
    with pytest.raises(RuntimeError):
        await env.service.submit(plan)
    stuck = await items(plan, status="submitting")
    assert len(stuck) == 100
    assert all(i.submit_token and i.submitting_at for i in stuck)

    # Another worker right away: the marked items are someone's call in flight, not
    # to be sent; the rest goes.
    await env.service.run(plan)
    assert len(await items(plan, status="submitting")) == 100
    assert not {i.target_id for i in stuck} & set(started(env))

    # Past the lease, WeCom is asked: it never heard of them, so they go now, once.
    env.advance(rules.SUBMIT_LEASE_S + 1)
    report = await env.service.run(plan)
    assert report.reconciled == 100
    assert env.sim.calls["/cgi-bin/externalcontact/transfer_result"] >= 1
    assert set(started(env)) == set(customers)
    assert set(started(env).values()) == {1}
    assert {i.status for i in await items(plan, kind="customer")} == {"waiting"}


class LoseAnswer(httpx.AsyncBaseTransport):
    """Delivers the n-th request to ``path`` and then loses WeCom's answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, nth: int) -> None:
        self.inner, self.path, self.nth, self.seen = inner, path, nth, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == self.path:
            self.seen += 1
            if self.seen == self.nth:
                await response.aread()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


async def test_a_lost_answer_is_settled_by_asking_wecom_not_by_resending(
    make_env: EnvFactory,
) -> None:
    env = await make_env(customers=1500, employees=8)
    handover = busiest(env.org)
    successor = await new_member(env, "catcher")
    customers = list(env.org.follows_by_user[handover])
    inner = httpx.ASGITransport(app=create_simulator_app(env.sim))
    client = WeComClient(
        transport=LoseAnswer(inner, TRANSFER, 2), retry=RetryPolicy(max_busy_retries=0)
    )
    settings = env.services.settings
    access = WeComAccess(settings, env.services.kv_store, env.services.secrets, client)
    service = TransferService(access, env.services.kv_store, clock=env.clock)
    try:
        plan, _ = await service.plan(
            env.corp, handover, PlanOptions(strategy="single", successors=(successor,))
        )
        first = await service.submit(plan)
        assert first.uncertain == 100
        lost = await items(plan, uncertain=True)
        assert len(lost) == 100
        # WeCom did start those transfers: asking settles them, nothing is sent again.
        second = await service.run(plan)
        assert second.reconciled == 100
        assert set(started(env)) == set(customers)
        assert set(started(env).values()) == {1}
        waiting = await items(plan, status="waiting")
        assert len(waiting) == len(customers)
        assert all(i.accepted_at and not i.uncertain for i in waiting)
    finally:
        await client.aclose()


async def test_a_successor_who_leaves_before_takeover_leaves_nothing_dropped(
    env: TransferEnv,
) -> None:
    org = env.org
    leaver = busiest(org)
    a = await new_member(env, "successor_a")
    b = await new_member(env, "successor_b")
    env.sim.delete_employee(org.corp_id, leaver)
    await env.deliver()
    plan, _ = await env.service.plan(
        env.corp, leaver, PlanOptions(strategy="round_robin", successors=(a, b))
    )
    await env.service.submit(plan)
    to_a = {i.target_id for i in await items(plan, kind="customer", takeover_userid=a)}
    assert to_a

    env.sim.delete_employee(org.corp_id, a)  # leaves before the takeover
    await env.deliver()
    env.advance(DAY + 120)
    await env.service.run(plan)

    ended = await items(plan, kind="customer", takeover_userid=a)
    assert {i.status for i in ended} == {"no_record"}
    assert all("left before taking over" in i.reason for i in ended)
    assert {i.status for i in await items(plan, kind="customer", takeover_userid=b)} == {"done"}
    await plan.refresh_from_db()
    assert plan.status == "done"

    # The customers wait in WeCom again; the reconcile drafts a plan for exactly them,
    # never assigning anyone to the successor who left.
    await TransferSettings.create(corp=env.corp, auto_draft=True, successor_userids=[a, b])
    report = await env.service.reconcile(env.corp)
    assert report.unassigned_customers == len(to_a)
    drafts = {
        p.handover_userid: p for p in await TransferPlan.filter(corp=env.corp, status="draft")
    }
    retry = await items(drafts[leaver], kind="customer")
    assert {i.target_id for i in retry} == to_a
    assert {i.takeover_userid for i in retry} == {b}
    # The chats that went to the successor at once are theirs to hand over now.
    chats_of_a = {i.target_id for i in await items(plan, kind="chat", takeover_userid=a)}
    assert set(drafts) == ({leaver, a} if chats_of_a else {leaver})
    if chats_of_a:
        assert {i.target_id for i in await items(drafts[a])} == chats_of_a


async def test_a_plan_edited_while_it_runs_sends_each_item_once_to_its_current_successor(
    make_env: EnvFactory,
) -> None:
    env = await make_env(customers=1500, employees=8)
    handover = busiest(env.org)
    x = await new_member(env, "first_choice")
    y = await new_member(env, "second_choice")
    plan, _ = await env.service.plan(
        env.corp, handover, PlanOptions(strategy="single", successors=(x,))
    )
    ids = [i.id for i in await items(plan, kind="customer")]
    edits = []

    async def edit(sending: Sequence[int]) -> None:
        # An admin moves 10 items in flight and 10 not yet sent to another successor.
        result = await env.service.edit(plan, [*ids[:10], *ids[150:160]], takeover=y)
        edits.append(result)

    env.service.before_call = Hook(1, edit)
    await env.service.submit(plan)
    (result,) = edits
    assert result.changed == 10
    assert sorted(result.not_editable) == sorted(str(i) for i in ids[:10])
    await env.service.run(plan)

    moved = {i.target_id for i in await items(plan) if i.id in set(ids[150:160])}
    assert pair_records(env, handover, y) == moved
    customers = {i.target_id for i in await items(plan, kind="customer")}
    assert pair_records(env, handover, x) == customers - moved
    assert set(started(env).values()) == {1}
    assert {i.status for i in await items(plan, kind="customer")} == {"waiting"}


async def test_unknown_people_items_and_closed_plans_are_refused_plainly(
    env: TransferEnv,
) -> None:
    handover = busiest(env.org)
    other = next(u for u in env.org.employees if u != handover)
    with pytest.raises(PlanError) as error:
        await env.service.plan(env.corp, "nobody")
    assert error.value.code == "unknown_employee"
    with pytest.raises(PlanError) as error:
        await env.service.plan(env.corp, handover, PlanOptions(successors=("ghost",)))
    assert (error.value.code, error.value.details) == ("unknown_employee", ["ghost"])
    with pytest.raises(PlanError) as error:
        await env.service.plan(env.corp, handover, PlanOptions(successors=(handover,)))
    assert error.value.code == "same_person"
    plan, _ = await env.service.plan(env.corp, handover, PlanOptions(successors=(other,)))
    again, created = await env.service.plan(env.corp, handover)
    assert (again.id, created) == (plan.id, False)  # one open plan per employee
    with pytest.raises(PlanError) as error:
        await env.service.edit(plan, ["wmnotinplan", 999999], takeover=other)
    assert error.value.code == "unknown_item"
    assert set(error.value.details) == {"wmnotinplan", "999999"}
    with pytest.raises(PlanError) as error:
        await env.service.edit(plan, [], takeover=handover)
    assert error.value.code == "same_person"
    with pytest.raises(PlanError) as error:
        await env.service.submit(plan, expect_version=plan.version + 1)
    assert error.value.code == "stale_version"
    await env.service.cancel(plan)
    await plan.refresh_from_db()
    assert plan.status == "cancelled"
    with pytest.raises(PlanError) as error:
        await env.service.submit(plan)
    assert error.value.code == "plan_closed"
    assert not started(env)

    # A transfer_fail for a transfer we never started is acknowledged and changes nothing.
    env.sim.callbacks.emit(
        env.org.corp_id,
        "change_external_contact",
        "transfer_fail",
        {"UserID": other, "ExternalUserID": "wmunknown", "FailReason": "customer_refused"},
    )
    await env.deliver()
    assert await InboxEvent.filter(change_type="transfer_fail", status="done").count() == 1
    (event,) = await TimelineEvent.filter(corp=env.corp, kind="transfer_failed")
    assert (event.external_userid, event.detail["reason"]) == ("wmunknown", "customer_refused")


async def test_the_90_day_rule_is_checked_before_submitting(env: TransferEnv) -> None:
    handover = busiest(env.org)
    successor = await new_member(env, "catcher")
    twice, known_only_to_wecom, *_ = list(env.org.follows_by_user[handover])
    now = env.clock()
    for days_ago, holder in ((40, "someone"), (10, "someone_else")):
        # Two earlier plans of ours moved this customer on-job within 90 days.
        old = await TransferPlan.create(
            corp=env.corp,
            handover_userid=holder,
            mode="onjob",
            status="done",
            strategy="single",
            created_at=now - days_ago * DAY,
            updated_at=now,
        )
        await TransferItem.create(
            plan=old,
            corp=env.corp,
            kind="customer",
            target_id=twice,
            mode="onjob",
            status="done",
            accepted_at=now - days_ago * DAY,
            takeover_userid=holder,
        )
    # Transfers made in WeCom's own console: only WeCom knows (40128 when sent).
    env.desk.onjob_history[(env.org.corp_id, known_only_to_wecom)] = [now - 5 * DAY, now - 6 * DAY]
    plan, _ = await env.service.plan(
        env.corp, handover, PlanOptions(strategy="single", successors=(successor,))
    )
    preview = await env.service.preview(plan)
    assert preview["blocked"]["by_reason"] == {"too_often": 1}
    (blocked,) = preview["blocked"]["items"]
    assert blocked["target_id"] == twice
    assert "eligible again from " + rules.when(now - 40 * DAY + 90 * DAY) in blocked["reason"]

    await env.service.submit(plan)
    assert twice not in started(env)
    (failed,) = await items(plan, status="failed")
    assert (failed.target_id, failed.errcode) == (known_only_to_wecom, 40128)
    assert "transferred too often" in failed.reason


async def test_group_chats_past_300_a_day_wait_for_the_next_day(env: TransferEnv) -> None:
    org = env.org
    leaver = busiest(org)
    successor = await new_member(env, "catcher")
    now = int(env.clock())
    total = 320 + sum(1 for c in org.group_chats.values() if c.owner == leaver)
    for number in range(320):
        chat = SimGroupChat(f"wrbulk{number:05d}", f"群{number}", leaver, now)
        org.group_chats[chat.chat_id] = chat
        await GroupChat.create(corp=env.corp, chat_id=chat.chat_id, name=chat.name, owner=leaver)
    env.sim.delete_employee(org.corp_id, leaver)
    await env.deliver()
    plan, _ = await env.service.plan(
        env.corp, leaver, PlanOptions(strategy="single", successors=(successor,))
    )
    preview = await env.service.preview(plan)
    assert sum(preview["deferred_chats"].values()) == total - 300

    await env.service.submit(plan)
    chats = await items(plan, kind="chat")
    assert Counter(i.status for i in chats) == {"done": 300, "planned": total - 300}
    # The successor hears now, including the chats that come tomorrow; once.
    (notice,) = sent_messages(env.sim, successor)
    assert f"另有 {total - 300} 个客户群" in notice.text
    calls = env.sim.calls["/cgi-bin/externalcontact/groupchat/transfer"]
    await env.service.run(plan)
    assert env.sim.calls["/cgi-bin/externalcontact/groupchat/transfer"] == calls  # same day
    env.advance(DAY)
    await env.service.run(plan)
    assert {i.status for i in await items(plan, kind="chat")} == {"done"}
    assert not await items(plan, status="failed")  # WeCom never had to refuse one
    assert all(org.group_chats[i.target_id].owner == successor for i in chats)
    assert len(sent_messages(env.sim, successor)) == 1


async def test_the_reconcile_catches_departures_whose_callbacks_never_came(
    env: TransferEnv,
) -> None:
    org = env.org
    leaver = busiest(org)
    await TransferSettings.create(corp=env.corp, auto_draft=True)
    env.sim.delete_employee(org.corp_id, leaver)
    env.sim.pop_callbacks()  # lost
    # Someone who leaves with group chats only, one of which we never heard about.
    chats_only = await new_member(env, "chatowner")
    member = next(iter(org.customers))
    hidden = env.sim.create_group_chat(org.corp_id, chats_only, [member], name="只有群")
    env.sim.pop_callbacks()
    env.sim.delete_employee(org.corp_id, chats_only)
    await env.deliver()  # known to have left, with nothing we know of to hand over
    assert not await TransferPlan.filter(corp=env.corp).exists()

    report = await env.service.reconcile(env.corp)

    assert report.marked_resigned == [leaver]
    assert (await Employee.get(corp=env.corp, userid=leaver)).status == "resigned"
    assert report.chats_added == 1
    plans = {p.handover_userid: p for p in await TransferPlan.filter(corp=env.corp)}
    assert set(plans) == {leaver, chats_only}
    assert {i.target_id for i in await items(plans[chats_only])} == {hidden.chat_id}
    theirs = {i.target_id for i in await items(plans[leaver], kind="customer")}
    assert theirs == set(org.follows_by_user[leaver])
    # A second reconcile finds the open plans and adds nothing.
    again = await env.service.reconcile(env.corp)
    assert (again.plans_drafted, again.items_added) == ([], 0)


async def test_a_leaver_gone_more_than_a_year_cannot_hand_customers_over(
    env: TransferEnv,
) -> None:
    org = env.org
    leaver = busiest(org)
    successor = await new_member(env, "catcher")
    env.sim.delete_employee(org.corp_id, leaver)
    await env.deliver()
    env.advance(400 * DAY)
    plan, _ = await env.service.plan(
        env.corp, leaver, PlanOptions(strategy="single", successors=(successor,))
    )
    preview = await env.service.preview(plan)
    customers = len(org.follows_by_user[leaver])
    assert preview["blocked"]["by_reason"] == {"left_too_long": customers}
    await env.service.submit(plan)
    assert env.sim.calls[RESIGNED_TRANSFER] == 0
    assert {i.status for i in await items(plan, kind="customer")} == {"blocked"}
