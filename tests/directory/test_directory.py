"""Incremental updates from callbacks, after a full sync: customers, relations, tags,
group chats and departments, each change with its timeline entry, replays harmless."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.callbacks import post_event
from tests.support.sync import assert_matches_org
from tests.support.world import App, make_sim, running_app
from wecom_app import signals, sync
from wecom_app.config import Settings
from wecom_app.directory.upsert import column
from wecom_app.kv import KV
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store import inbox
from wecom_app.store.directory import (
    Customer,
    Department,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    Tag,
    TimelineEvent,
)
from wecom_app.store.models import Corp, InboxEvent


@asynccontextmanager
async def synced(
    settings: Settings, kv: KV, clock: FakeClock, *, customers: int = 300, employees: int = 20
) -> AsyncIterator[tuple[App, Simulator, Org, Corp]]:
    sim, world, _ = make_sim(clock, customers=customers, employees=employees)
    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "done", run.error
        yield app, sim, world, await Corp.get(corp_id=TEST_CORP_ID)


@asynccontextmanager
async def relation_changes() -> AsyncIterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    async def receiver(**kwargs: Any) -> None:
        seen.append(kwargs)

    signals.relation_changed.connect(receiver)
    try:
        yield seen
    finally:
        signals.relation_changed.disconnect(receiver)


def seller(org: Org) -> str:
    return next(e.userid for e in org.active_employees() if e.customer_contact)


async def kinds(corp: Corp, external_userid: str) -> list[str]:
    rows = await TimelineEvent.filter(corp_id=corp.id, external_userid=external_userid).order_by(
        "id"
    )
    return [r.kind for r in rows]


async def replay_everything(app: App) -> None:
    ids = await column(InboxEvent.all(), "id")
    await inbox.replay([int(i) for i in ids], status=None, now=app.services.clock())
    assert app.runtime.worker is not None
    await app.runtime.worker.drain()


async def test_a_new_customer_is_fetched_and_logged_once(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp), relation_changes() as seen:
        clock.advance(60)
        userid = seller(org)
        customer = sim.add_customer(
            TEST_CORP_ID, userid, state="expo2024", remark="老客户介绍", add_way=3
        )
        await app.deliver(sim)
        stored = await Customer.get(corp_id=corp.id, external_userid=customer.external_userid)
        assert (stored.name, stored.status) == (customer.name, "active")
        relation = await FollowRelation.get(
            corp_id=corp.id, userid=userid, external_userid=customer.external_userid
        )
        assert (relation.state, relation.remark, relation.add_way) == ("expo2024", "老客户介绍", 3)
        assert await kinds(corp, customer.external_userid) == ["added"]
        entry = await TimelineEvent.get(corp_id=corp.id, external_userid=customer.external_userid)
        assert (entry.userid, entry.detail["state"]) == (userid, "expo2024")
        assert [(s["userid"], s["change"]) for s in seen] == [(userid, "added")]

        # Replaying every callback (and a sync) adds nothing.
        await replay_everything(app)
        assert (await sync.run_sync(app.services, TEST_CORP_ID, full=True)).status == "done"
        assert await kinds(corp, customer.external_userid) == ["added"]
        assert len(seen) == 1
        await assert_matches_org(TEST_CORP_ID, org)


async def test_edits_log_tag_and_remark_changes(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp):
        relation = next(
            r
            for by in org.follows_by_user.values()
            for r in by.values()
            if r.tag_ids and r.userid in org.employees
        )
        removed = relation.tag_ids[0]
        added = next(t for t in org.tags if t not in relation.tag_ids)
        clock.advance(60)
        sim.employee_edits_customer(
            TEST_CORP_ID,
            relation.userid,
            relation.external_userid,
            remark="重点跟进",
            add_tags=[added],
            remove_tags=[removed],
        )
        await app.deliver(sim)
        stored = await FollowRelation.get(
            corp_id=corp.id, userid=relation.userid, external_userid=relation.external_userid
        )
        assert set(stored.tag_ids) == set(relation.tag_ids)
        assert stored.remark == "重点跟进"
        tags = await TimelineEvent.get(
            corp_id=corp.id, external_userid=relation.external_userid, kind="tags_changed"
        )
        assert tags.detail["added"] == [{"id": added, "name": org.tags[added].name}]
        assert tags.detail["removed"] == [{"id": removed, "name": org.tags[removed].name}]
        edited = await TimelineEvent.get(
            corp_id=corp.id, external_userid=relation.external_userid, kind="edited"
        )
        assert edited.detail["remark"][1] == "重点跟进"
        await replay_everything(app)
        changes = TimelineEvent.filter(corp_id=corp.id, kind__in=["tags_changed", "edited"])
        assert await changes.count() == 2


async def test_deletions_by_either_side_and_transfers(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with (
        synced(settings, kv, clock, customers=400) as (app, sim, org, corp),
        relation_changes() as seen,
    ):
        singles = [
            (u, e)
            for u, by in org.follows_by_user.items()
            if u in org.employees
            for e in by
            if len(org.followers(e)) == 1
        ]
        (u1, e1), (u2, e2), (u3, e3) = singles[:3]
        clock.advance(60)
        sim.employee_deletes_customer(TEST_CORP_ID, u1, e1)
        sim.customer_deletes_employee(TEST_CORP_ID, u2, e2)
        # A finished transfer: WeCom deletes the handover member's relation with
        # Source=DELETE_BY_TRANSFER (the simulator's transfer feature is not ours).
        org.remove_follow(u3, e3)
        sim.callbacks.emit(
            TEST_CORP_ID,
            "change_external_contact",
            "del_external_contact",
            {"UserID": u3, "ExternalUserID": e3, "Source": "DELETE_BY_TRANSFER"},
        )
        await app.deliver(sim)
        for userid, external_userid, status in (
            (u1, e1, "deleted_by_employee"),
            (u2, e2, "deleted_by_customer"),
            (u3, e3, "transferred"),
        ):
            relation = await FollowRelation.get(
                corp_id=corp.id, userid=userid, external_userid=external_userid
            )
            assert relation.status == status
            assert relation.ended_at == int(clock())
            assert await kinds(corp, external_userid) == ["added", status]
        assert (await Customer.get(corp_id=corp.id, external_userid=e1)).status == "deleted"
        assert sorted(s["change"] for s in seen) == [
            "deleted_by_customer",
            "deleted_by_employee",
            "transferred",
        ]
        # A full sync afterwards agrees, and keeps the precise reasons.
        assert (await sync.run_sync(app.services, TEST_CORP_ID, full=True)).status == "done"
        await assert_matches_org(TEST_CORP_ID, org)
        relation = await FollowRelation.get(corp_id=corp.id, userid=u3, external_userid=e3)
        assert relation.status == "transferred"
        await replay_everything(app)
        assert len(seen) == 3


async def test_a_late_delete_does_not_end_a_newer_relation(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp):
        userid = seller(org)
        customer = sim.add_customer(TEST_CORP_ID, userid)
        old_delete_at = int(clock())
        sim.employee_deletes_customer(TEST_CORP_ID, userid, customer.external_userid)
        clock.advance(60)
        sim.add_customer(TEST_CORP_ID, userid, customer.external_userid)  # added again
        pending = sim.pop_callbacks()
        # The second add arrives before the delete (a retry of the delete came late).
        sim.callbacks.pending.extend([pending[0], pending[2], pending[1]])
        await app.deliver(sim)
        relation = await FollowRelation.get(
            corp_id=corp.id, userid=userid, external_userid=customer.external_userid
        )
        assert relation.status == "active"
        assert relation.added_at > old_delete_at


async def test_half_added_customers_are_logged(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp):
        userid = seller(org)
        stranger = sim.people.customer()
        org.customers[stranger.external_userid] = stranger
        sim.callbacks.emit(
            TEST_CORP_ID,
            "change_external_contact",
            "add_half_external_contact",
            {"UserID": userid, "ExternalUserID": stranger.external_userid, "State": "qr"},
        )
        await app.deliver(sim)
        entry = await TimelineEvent.get(corp_id=corp.id, external_userid=stranger.external_userid)
        assert (entry.kind, entry.userid, entry.detail["state"]) == ("half_added", userid, "qr")
        assert not await FollowRelation.filter(
            corp_id=corp.id, external_userid=stranger.external_userid
        ).exists()


async def test_tag_library_changes_reread_the_list(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp):
        used = next(
            t
            for t in org.tags
            if any(t in r.tag_ids for by in org.follows_by_user.values() for r in by.values())
        )
        renamed = next(t for t in org.tags if t != used)
        sim.delete_corp_tag(TEST_CORP_ID, used)
        sim.rename_corp_tag(TEST_CORP_ID, renamed, "高意向-改")
        group = sim.create_tag_group(TEST_CORP_ID, "活动", ["双十一", "年货节"])
        await app.deliver(sim)
        assert (await Tag.get(corp_id=corp.id, tag_id=used)).deleted
        assert (await Tag.get(corp_id=corp.id, tag_id=renamed)).name == "高意向-改"
        assert await Tag.filter(corp_id=corp.id, group_id=group.group_id).count() == 2
        # The deleted tag left every relation (WeCom sends no per-customer callback).
        for relation in await FollowRelation.filter(corp_id=corp.id):
            assert used not in relation.tag_ids
        assert (await sync.run_sync(app.services, TEST_CORP_ID, full=True)).status == "done"
        await assert_matches_org(TEST_CORP_ID, org)


async def test_group_chat_lifecycle(settings: Settings, kv: KV, clock: FakeClock) -> None:
    async with synced(settings, kv, clock) as (app, sim, org, corp):
        owner = seller(org)
        customers = [r.external_userid for r in org.customers_of(owner)][:3]
        clock.advance(60)
        chat = sim.create_group_chat(TEST_CORP_ID, owner, customers[:2], name="新品体验群")
        await app.deliver(sim)
        stored = await GroupChat.get(corp_id=corp.id, chat_id=chat.chat_id)
        assert (stored.name, stored.owner, stored.member_count) == ("新品体验群", owner, 3)
        assert (await kinds(corp, customers[0]))[-1] == "joined_group"

        clock.advance(60)
        sim.join_group_chat(TEST_CORP_ID, chat.chat_id, [customers[2]], join_scene=3)
        sim.leave_group_chat(TEST_CORP_ID, chat.chat_id, [customers[0]])
        sim.rename_group_chat(TEST_CORP_ID, chat.chat_id, "新品体验2群")
        await app.deliver(sim)
        members = set(
            await column(GroupChatMember.filter(corp_id=corp.id, chat_id=chat.chat_id), "userid")
        )
        assert members == {owner, customers[1], customers[2]}
        assert (await GroupChat.get(corp_id=corp.id, chat_id=chat.chat_id)).name == "新品体验2群"
        assert (await kinds(corp, customers[0]))[-1] == "left_group"
        joined = [
            e
            for e in await TimelineEvent.filter(
                corp_id=corp.id, external_userid=customers[2], kind="joined_group"
            )
            if e.detail["chat_id"] == chat.chat_id
        ]
        assert [e.detail["join_scene"] for e in joined] == [3]

        clock.advance(60)
        sim.dismiss_group_chat(TEST_CORP_ID, chat.chat_id)
        await app.deliver(sim)
        assert (await GroupChat.get(corp_id=corp.id, chat_id=chat.chat_id)).dismissed
        left = [
            e.detail["reason"]
            for e in await TimelineEvent.filter(
                corp_id=corp.id, external_userid=customers[1], kind="left_group"
            )
            if e.detail["chat_id"] == chat.chat_id
        ]
        assert left == ["dismissed"]
        before = await TimelineEvent.filter(corp_id=corp.id).count()
        await replay_everything(app)
        assert await TimelineEvent.filter(corp_id=corp.id).count() == before


async def test_department_changes(settings: Settings, kv: KV, clock: FakeClock) -> None:
    async with synced(settings, kv, clock) as (app, _sim, _org, corp):

        def party(change: str, **fields: str) -> dict[str, str | int | list[str]]:
            return {
                "ToUserName": TEST_CORP_ID,
                "FromUserName": "sys",
                "CreateTime": int(clock()),
                "MsgType": "event",
                "Event": "change_contact",
                "ChangeType": change,
                **fields,
            }

        for fields in (
            party("create_party", Id="900", Name="华东大区", ParentId="1", Order="10"),
            party("update_party", Id="900", Name="华东一区"),
            party("create_party", Id="901", Name="临时组", ParentId="900"),
            party("delete_party", Id="901"),
        ):
            response = await post_event(app.http, fields, clock)
            assert response.text == ""
        assert app.runtime.worker is not None
        await app.runtime.worker.drain()
        department = await Department.get(corp_id=corp.id, dept_id=900)
        assert (department.name, department.parent_id, department.order) == ("华东一区", 1, 10)
        assert not await Department.filter(corp_id=corp.id, dept_id=901).exists()
