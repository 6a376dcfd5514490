"""Callbacks caused by people's changes: XML shapes, recipients, delivery and retries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.conftest import (
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_SUITE_AES_KEY,
    TEST_SUITE_ID,
    TEST_SUITE_TOKEN,
)
from tests.support.simulator import SUITE_ID, add_test_suite
from tests.support.world import make_sim
from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.protocol.events import (
    ChangeAuth,
    ChangeContact,
    ChangeExternalChat,
    ChangeExternalContact,
    ChangeExternalTag,
    Event,
    parse_event,
)
from wecom_app.protocol.xml import parse_xml, text
from wecom_app.simulator.emitter import PendingCallback, RecipientKind


def _only(callbacks: list[PendingCallback]) -> Event:
    assert len(callbacks) == 1, callbacks
    return parse_event(parse_xml(callbacks[0].xml()))


def test_customer_adds_employee() -> None:
    sim, org, clock = make_sim()
    userid = next(iter(org.follows_by_user))
    customer = sim.add_customer(org.corp_id, userid, state="expo2024")
    (callback,) = sim.pop_callbacks()
    assert callback.recipient.kind is RecipientKind.SELF_BUILT
    assert callback.recipient.path == f"/callbacks/corp/{org.corp_id}"
    event = callback.event()
    assert isinstance(event, ChangeExternalContact)
    assert event.handler_key == "change_external_contact:add_external_contact"
    assert (event.corp_id, event.user_id) == (org.corp_id, userid)
    assert event.external_user_id == customer.external_userid
    assert event.state == "expo2024"
    assert event.welcome_code
    assert event.create_time == int(clock())
    doc = parse_xml(callback.xml())
    assert text(doc, "FromUserName") == "sys"
    assert text(doc, "MsgType") == "event"
    relation = org.follow(userid, customer.external_userid)
    assert relation is not None
    assert relation.oper_userid == customer.external_userid
    assert customer.name
    assert customer.external_userid.startswith(("wm", "wo"))


def test_second_employee_adds_a_known_customer() -> None:
    sim, org, _ = make_sim()
    first, second = list(org.follows_by_user)[:2]
    customer = sim.add_customer(org.corp_id, first)
    sim.add_customer(org.corp_id, second, customer.external_userid, add_way=2)
    assert {r.userid for r in org.followers(customer.external_userid)} == {first, second}
    assert org.follow(second, customer.external_userid).oper_userid == second  # type: ignore[union-attr]


def test_deletions_in_both_directions() -> None:
    sim, org, _ = make_sim()
    userid = next(iter(org.follows_by_user))
    lost, dropped = [r.external_userid for r in org.customers_of(userid)[:2]]
    by_customer = _only(sim.customer_deletes_employee(org.corp_id, userid, lost))
    by_employee = _only(sim.employee_deletes_customer(org.corp_id, userid, dropped))
    assert isinstance(by_customer, ChangeExternalContact)
    assert by_customer.change_type == "del_follow_user"
    assert by_customer.external_user_id == lost
    assert isinstance(by_employee, ChangeExternalContact)
    assert by_employee.change_type == "del_external_contact"
    assert not by_employee.source
    assert org.follow(userid, lost) is None
    assert org.follow(userid, dropped) is None


def test_employee_edits_customer_in_the_client() -> None:
    sim, org, _ = make_sim()
    relation = org.customers_of(next(iter(org.follows_by_user)))[0]
    tag = next(iter(org.tags))
    event = _only(
        sim.employee_edits_customer(
            org.corp_id, relation.userid, relation.external_userid, remark="老客户", add_tags=[tag]
        )
    )
    assert isinstance(event, ChangeExternalContact)
    assert event.change_type == "edit_external_contact"
    assert relation.remark == "老客户"
    assert tag in relation.tag_ids


def test_directory_changes() -> None:
    sim, org, _ = make_sim()
    created = sim.add_employee(
        org.corp_id, "newbie", name="新同事", departments=[2], position="实习生"
    )
    events = [c.event() for c in sim.pop_callbacks()]
    (create,) = events
    assert isinstance(create, ChangeContact)
    assert create.change_type == "create_user"
    assert (create.user_id, create.user_name, create.position) == ("newbie", "新同事", "实习生")
    assert create.departments == ("2",)
    update = _only(
        sim.update_employee(org.corp_id, "newbie", position="销售顾问", departments=[3, 4])
    )
    assert isinstance(update, ChangeContact)
    assert update.change_type == "update_user"
    assert update.position == "销售顾问"
    assert update.departments == ("3", "4")
    delete = _only(sim.delete_employee(org.corp_id, created.userid))
    assert isinstance(delete, ChangeContact)
    assert delete.change_type == "delete_user"
    assert "newbie" not in org.employees
    assert "newbie" in org.departed


def test_departing_owner_leaves_group_chats_awaiting_inheritance() -> None:
    sim, org, _ = make_sim()
    chat = next(iter(org.group_chats.values()))
    sim.delete_employee(org.corp_id, chat.owner)
    assert int(chat.status) == 1


def test_tag_library_changes() -> None:
    sim, org, _ = make_sim()
    group = sim.create_tag_group(org.corp_id, "重点项目", ["一期", "二期"])
    created = _only(sim.pop_callbacks())
    assert isinstance(created, ChangeExternalTag)
    assert (created.change_type, created.tag_type, created.tag_id) == (
        "create",
        "tag_group",
        group.group_id,
    )
    tag = sim.add_corp_tag(org.corp_id, group.group_id, "三期")
    added = _only(sim.pop_callbacks())
    assert isinstance(added, ChangeExternalTag)
    assert added.tag_id == tag.id
    assert added.tag_type == "tag"
    renamed = _only(sim.rename_corp_tag(org.corp_id, tag.id, "三期工程"))
    assert isinstance(renamed, ChangeExternalTag)
    assert renamed.change_type == "update"
    relation = org.customers_of(next(iter(org.follows_by_user)))[0]
    relation.tag_ids.append(tag.id)
    deleted = _only(sim.delete_corp_tag(org.corp_id, tag.id))
    assert isinstance(deleted, ChangeExternalTag)
    assert deleted.change_type == "delete"
    assert tag.id not in relation.tag_ids
    gone = _only(sim.delete_tag_group(org.corp_id, group.group_id))
    assert isinstance(gone, ChangeExternalTag)
    assert gone.tag_type == "tag_group"


def test_group_chat_changes() -> None:
    sim, org, _ = make_sim()
    owner = next(iter(org.follows_by_user))
    customers = [r.external_userid for r in org.customers_of(owner)[:3]]
    chat = sim.create_group_chat(org.corp_id, owner, customers[:1], name="新项目群")
    created = _only(sim.pop_callbacks())
    assert isinstance(created, ChangeExternalChat)
    assert created.change_type == "create"
    assert created.chat_id == chat.chat_id
    version_before = chat.member_version
    join_callbacks = sim.join_group_chat(org.corp_id, chat.chat_id, customers[1:], join_scene=3)
    versions = parse_xml(join_callbacks[0].xml())
    assert text(versions, "LastMemVer") == version_before
    assert text(versions, "CurMemVer") == chat.member_version != version_before
    joined = _only(join_callbacks)
    assert isinstance(joined, ChangeExternalChat)
    assert (joined.update_detail, joined.join_scene, joined.member_change_count) == (
        "add_member",
        3,
        2,
    )
    assert joined.member_change_list == tuple(customers[1:])
    left = _only(sim.leave_group_chat(org.corp_id, chat.chat_id, customers[:1], quit_scene=1))
    assert isinstance(left, ChangeExternalChat)
    assert (left.update_detail, left.quit_scene, left.member_change_list) == (
        "del_member",
        1,
        (customers[0],),
    )
    renamed = _only(sim.rename_group_chat(org.corp_id, chat.chat_id, "项目交付群"))
    assert isinstance(renamed, ChangeExternalChat)
    assert renamed.update_detail == "change_name"
    dismissed = _only(sim.dismiss_group_chat(org.corp_id, chat.chat_id))
    assert isinstance(dismissed, ChangeExternalChat)
    assert dismissed.change_type == "dismiss"
    assert [m.userid for m in chat.members] == [owner, *customers[1:]]


def test_suite_installs_get_command_callbacks_with_less_detail() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    sim.authorize(SUITE_ID, org.corp_id)
    sim.pop_callbacks()
    sim.add_employee(org.corp_id, "third", name="第三方看不到的名字")
    by_kind = {c.recipient.kind: c for c in sim.pop_callbacks()}
    assert set(by_kind) == {RecipientKind.SELF_BUILT, RecipientKind.SUITE}
    command = by_kind[RecipientKind.SUITE]
    assert command.recipient.path == "/callbacks/suite"
    assert command.recipient.receive_id == SUITE_ID
    doc = parse_xml(command.xml())
    assert text(doc, "SuiteId") == SUITE_ID
    assert text(doc, "InfoType") == "change_contact"
    assert text(doc, "AuthCorpId") == org.corp_id
    assert "Name" not in doc
    assert text(doc, "OpenUserID") == org.employees["third"].open_userid
    event = command.event()
    assert isinstance(event, ChangeContact)
    assert event.corp_id == org.corp_id
    assert event.user_id == "third"
    assert event.change_type == "create_user"
    changed = sim.change_authorization(SUITE_ID, org.corp_id).event()
    assert isinstance(changed, ChangeAuth)
    assert changed.corp_id == org.corp_id
    sim.cancel_authorization(SUITE_ID, org.corp_id)
    sim.pop_callbacks()
    sim.add_customer(org.corp_id, next(iter(org.follows_by_user)))
    assert [c.recipient.kind for c in sim.pop_callbacks()] == [RecipientKind.SELF_BUILT]


def _receiver(
    crypto_for: Callable[[str], CallbackCrypto], answers: list[int], got: list[Event]
) -> Starlette:
    """A stand-in app: verifies, decrypts, and answers per ``answers`` (then success)."""

    async def receive(request: Request) -> Response:
        crypto = crypto_for(request.url.path)
        body = parse_xml(await request.body())
        encrypt = text(body, "Encrypt")
        q = request.query_params
        crypto.verify(q["msg_signature"], q["timestamp"], q["nonce"], encrypt)
        decrypted = crypto.decrypt(encrypt)
        assert decrypted.receive_id == crypto.receive_id
        if answers:
            return PlainTextResponse("busy", status_code=answers.pop(0))
        got.append(parse_event(parse_xml(decrypted.message)))
        return PlainTextResponse("success")

    return Starlette(
        routes=[
            Route("/callbacks/suite", receive, methods=["POST"]),
            Route("/callbacks/corp/{corp_id}", receive, methods=["POST"]),
        ]
    )


async def test_deliver_callbacks_posts_sealed_events_and_retries() -> None:
    sim, org, clock = make_sim(corp_id="wwsimcorp0000001")
    sim.add_suite(TEST_SUITE_ID, secret="s", token=TEST_SUITE_TOKEN, aes_key=TEST_SUITE_AES_KEY)
    sim.push_suite_ticket(TEST_SUITE_ID)
    sim.add_customer(org.corp_id, next(iter(org.follows_by_user)))

    def crypto_for(path: str) -> CallbackCrypto:
        if path == "/callbacks/suite":
            return CallbackCrypto(TEST_SUITE_TOKEN, TEST_SUITE_AES_KEY, TEST_SUITE_ID)
        return CallbackCrypto(TEST_CALLBACK_TOKEN, TEST_AES_KEY, org.corp_id)

    got: list[Event] = []
    answers = [500]  # the first attempt fails; WeCom tries again
    transport = httpx.ASGITransport(app=_receiver(crypto_for, answers, got))
    async with httpx.AsyncClient(transport=transport) as client:
        deliveries = await sim.deliver_callbacks(client, "http://our-app")
    assert [d.report.answered_success for d in deliveries] == [True, True]
    assert deliveries[0].report.attempts == 2
    assert deliveries[0].report.statuses == ["500", "200"]
    assert [e.handler_key for e in got] == [
        "suite_ticket",
        "change_external_contact:add_external_contact",
    ]
    assert sim.pending_callbacks == []
    assert all(e.create_time == int(clock()) for e in got)


async def test_undelivered_callbacks_are_reported_not_kept() -> None:
    sim, org, _ = make_sim()
    sim.add_customer(org.corp_id, next(iter(org.follows_by_user)))
    got: list[Event] = []
    app = _receiver(
        lambda _: CallbackCrypto(TEST_CALLBACK_TOKEN, TEST_AES_KEY, org.corp_id), [503] * 3, got
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        (delivery,) = await sim.deliver_callbacks(client, "http://our-app")
    assert not delivery.report.answered_success
    assert delivery.report.attempts == 3
    assert got == []
    assert sim.pending_callbacks == []


async def test_an_answer_slower_than_wecoms_timeout_is_retried_three_times_in_all() -> None:
    """WeCom gives up on an answer after 5 s and sends again, 3 attempts in all."""
    from wecom_app.simulator import callbacks as sender_module

    assert (sender_module.WECOM_TIMEOUT_S, sender_module.WECOM_ATTEMPTS) == (5.0, 3)
    crypto = CallbackCrypto(TEST_CALLBACK_TOKEN, TEST_AES_KEY, "wwslow")
    delays = [1.0, 1.0]  # the first two attempts answer too late, the third in time
    seen: list[str] = []

    async def slow(request: Request) -> Response:
        await request.body()
        seen.append(request.query_params["nonce"])
        if delays:
            await asyncio.sleep(delays.pop(0))
        return PlainTextResponse("success")

    app = Starlette(routes=[Route("/cb", slow, methods=["POST"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        sender = sender_module.CallbackSender(client, crypto, "http://our-app/cb", timeout_s=0.2)
        report = await sender.send(b"<xml><MsgType>event</MsgType></xml>")
        assert report.answered_success
        assert report.statuses == ["timeout", "timeout", "200"]
        assert len(set(seen)) == 3  # each attempt is sealed afresh

        delays[:] = [1.0, 1.0, 1.0]
        report = await sender.send(b"<xml><MsgType>event</MsgType></xml>")
        assert (report.answered_success, report.attempts) == (False, 3)
        assert report.statuses == ["timeout"] * 3
