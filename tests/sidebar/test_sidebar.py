"""The sidebar's API against the simulator: sign-in, profile, edits, history, replies,
group view, JS-SDK config, verify files, the preview's gate.

Each test builds an org in the simulator and the same org in our store (what install
and sync would have written), with generated chat history, and drives the app over
ASGI; WeCom calls go to the simulator, whose state the tests then read.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sidebar.insights import reply_times
from tests.conftest import _truncate_all, make_settings
from tests.support.sidebar import (
    PUBLIC_URL,
    SIM_BASE,
    SidebarWorld,
    assert_wecom_accepts_jsconfig,
    sidebar_world,
)
from wecom_app import transfer
from wecom_app.app import create_app
from wecom_app.kv import KV
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_oauth import issue_code
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.directory import (
    ConsoleRole,
    Customer,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    TimelineEvent,
)
from wecom_app.store.models import Employee
from wecom_app.store.sidebar import CustomerNote, QuickReply

GET_CUSTOMER = "/cgi-bin/externalcontact/get"


@pytest.fixture
async def world(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[SidebarWorld]:
    async with sidebar_world(tmp_path, database, kv) as built:
        yield built


def first_pair(world: SidebarWorld) -> tuple[str, str]:
    """An employee and one of their customers."""
    userid = world.sellers()[0]
    return userid, world.followed_by(userid)[0]


async def profile(client: httpx.AsyncClient, external_userid: str) -> dict[str, Any]:
    response = await client.get(f"/sidebar/api/customers/{external_userid}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# -- sign-in and sessions ---------------------------------------------------------------


async def test_oauth_sign_in_sets_a_session_for_the_member(world: SidebarWorld) -> None:
    userid, external_userid = first_pair(world)
    answer = await world.sign_in(userid)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/sidebar/"
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "wecom_sidebar=" in v
    )
    # http PUBLIC_URL: no Secure (browsers drop Secure cookies on http), so SameSite=Lax.
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    me = await world.http.get("/sidebar/api/session")
    assert me.json()["userid"] == userid
    assert (await world.http.get(f"/sidebar/api/customers/{external_userid}")).status_code == 200


async def test_the_authorize_link_goes_to_wecom_with_an_alphanumeric_state(
    world: SidebarWorld,
) -> None:
    start = await world.http.get(
        "/sidebar/login", params={"corp": world.corp.corp_id, "next": "//evil.example/x"}
    )
    location = urlsplit(start.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == SIM_BASE
    assert location.path == "/connect/oauth2/authorize"
    assert location.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["appid"] == world.corp.corp_id
    assert query["redirect_uri"] == PUBLIC_URL + "/sidebar/oauth/callback"
    assert query["state"].isalnum()
    # The simulated WeCom sign-in page accepts the link as it stands.
    sim_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_simulator_app(world.sim)), base_url=SIM_BASE
    )
    async with sim_http:
        page = await sim_http.get(location.path, params=query)
        assert page.status_code == 200
        userid = world.sellers()[0]
        chosen = await sim_http.get(
            "/connect/oauth2/choose",
            params={**query, "flow": "oauth", "corpid": world.corp.corp_id, "userid": userid},
        )
    back = urlsplit(chosen.headers["location"])
    answer = await world.http.get(back.path + "?" + back.query)
    # An open redirect in `next` was replaced by the sidebar's own page.
    assert answer.status_code == 302
    assert answer.headers["location"] == "/sidebar/"
    assert (await world.http.get("/sidebar/api/session")).json()["userid"] == userid


async def test_a_forged_state_or_a_used_code_signs_nobody_in(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    start = await world.http.get("/sidebar/login", params={"corp": world.corp.corp_id})
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    code = issue_code(world.sim, world.corp.corp_id, world.corp.corp_id, userid)
    forged = await world.http.get(
        "/sidebar/oauth/callback", params={"code": code, "state": "x" + state}
    )
    assert forged.status_code == 400
    assert (await world.http.get("/sidebar/api/session")).status_code == 401
    ok = await world.http.get("/sidebar/oauth/callback", params={"code": code, "state": state})
    assert ok.status_code == 302
    again = await world.http.get("/sidebar/oauth/callback", params={"code": code, "state": state})
    assert again.status_code == 400  # WeCom's 40029: the code was used


async def test_a_resigned_employee_cannot_sign_in(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    await Employee.filter(corp_id=world.corp.id, userid=userid).update(status="resigned")
    answer = await world.sign_in(userid)
    assert answer.status_code == 403
    # and an old session stops working for customers too
    client = world.client_for(userid)
    customer = world.followed_by(userid)[0]
    # and the session itself has ended
    assert (
        await client.get(f"/sidebar/api/customers/{customer}")
    ).status_code == 401  # the session ended


async def test_without_a_session_the_api_says_where_to_sign_in(world: SidebarWorld) -> None:
    answer = await world.http.get(
        "/sidebar/api/customers/wmabc", headers={"X-Sidebar-Page": "/sidebar/?corp=x"}
    )
    assert answer.status_code == 401
    assert answer.headers["x-sidebar-login"].startswith("/sidebar/login?next=%2Fsidebar%2F")
    page = await world.http.get("/sidebar/", params={"corp": world.corp.corp_id})
    assert page.status_code == 302
    assert page.headers["location"].startswith("/sidebar/login?")


async def test_https_deployments_get_samesite_none_secure_cookies(
    tmp_path: Path, database: str, kv: KV
) -> None:
    async with sidebar_world(tmp_path, database, kv, PUBLIC_URL="https://sidebar.example.cn") as w:
        userid = w.sellers()[0]
        # Secure cookies travel over https only: talk to the app as an https site.
        https = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=w.app), base_url="https://sidebar.example.cn"
        )
        async with https:
            answer = await w.sign_in(userid, https)
        cookie = next(
            v
            for k, v in answer.headers.multi_items()
            if k == "set-cookie" and "wecom_sidebar=" in v
        )
        assert "Secure" in cookie
        assert "samesite=none" in cookie.lower()


async def test_writes_need_the_csrf_token(world: SidebarWorld) -> None:
    userid, customer = first_pair(world)
    client = world.client_for(userid)
    answer = await client.post(
        f"/sidebar/api/customers/{customer}/notes",
        json={"text": "hello"},
        headers={"X-CSRF-Token": "wrong"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"] == "csrf"
    assert await CustomerNote.filter(corp_id=world.corp.id).count() == 0


# -- the profile ----------------------------------------------------------------------------


async def test_the_profile_has_the_first_screen_from_our_store(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    calls_before = sum(world.sim.calls.values())
    data = await profile(client, customer_id)
    # Served from the store: WeCom was not asked for anything.
    assert sum(world.sim.calls.values()) == calls_before
    sim_customer = world.org.customers[customer_id]
    relation = world.org.follows_by_user[userid][customer_id]
    assert data["customer"]["name"] == sim_customer.name
    assert data["customer"]["type"] == int(sim_customer.type)
    assert data["relationship"]["remark"] == relation.remark
    assert data["relationship"]["added_at"] == relation.createtime
    assert data["relationship"]["add_way_label"]
    assert {t["id"] for t in data["tags"]["assigned"]} == set(relation.tag_ids)
    assert data["access"]["reason"] == "follower"
    assert next(s["key"] for s in data["pipeline"]) == "new"
    assert len(data["insights"]["active_hours"]) == 24
    assert data["messages"]["items"], "the first page of history is in the profile"
    assert data["consent"]["status"] in ("agree", "disagree")
    assert data["names"][userid]


async def test_insights_match_the_archive(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    rows = await ArchiveMessage.filter(
        corp_id=world.corp.id, external_userid=customer_id, employee_userid=userid
    ).order_by("msgtime", "id")
    data = (await profile(world.client_for(userid), customer_id))["insights"]
    sent = [r for r in rows if r.direction == "to_customer"]
    received = [r for r in rows if r.direction == "from_customer"]
    assert (data["sent"], data["received"]) == (len(sent), len(received))
    assert data["first_contact"] == rows[0].msgtime
    assert data["last_contact"] == rows[-1].msgtime
    last_ours = max(r.msgtime for r in sent)
    assert data["unanswered"] == sum(1 for r in received if r.msgtime > last_ours)
    replies = reply_times([(r.direction, r.msgtime) for r in rows])
    assert data["median_reply_seconds"] == pytest.approx(statistics.median(replies))
    hours = [0] * 24
    for r in received:
        hours[(r.msgtime // 1000 + 8 * 3600) // 3600 % 24] += 1
    assert data["active_hours"] == hours
    assert data["keywords"], "jieba found words in the customer's messages"
    assert all(len(k["word"]) >= 2 for k in data["keywords"])


async def test_a_stale_customer_is_refreshed_from_wecom_once(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    world.org.customers[customer_id].name = "新名字"  # changed in WeCom, no callback yet
    world.clock.advance(31 * 60)  # older than the default 30 minutes
    first = await profile(client, customer_id)
    assert first["refreshing"] is True
    assert first["customer"]["name"] != "新名字"  # served at once from the store
    again = await profile(client, customer_id)  # while the refresh runs: no second call
    await world.sidebar.drain()
    assert world.sim.calls[GET_CUSTOMER] == 1
    assert again["customer"]["name"] != "新名字" or again["refreshing"] is False
    fresh = await profile(client, customer_id)
    assert fresh["customer"]["name"] == "新名字"
    assert fresh["refreshing"] is False
    assert world.sim.calls[GET_CUSTOMER] == 1


async def test_a_customer_added_a_moment_ago_is_looked_up_once(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    new_id = world.sim.add_customer(world.corp.corp_id, userid).external_userid  # no callback yet
    assert not await Customer.filter(corp_id=world.corp.id, external_userid=new_id).exists()
    data = await profile(world.client_for(userid), new_id)
    assert data["customer"]["name"] == world.org.customers[new_id].name
    assert world.sim.calls[GET_CUSTOMER] == 1
    assert await FollowRelation.filter(
        corp_id=world.corp.id, external_userid=new_id, userid=userid, status="active"
    ).exists()


# -- edits ----------------------------------------------------------------------------------


async def test_tags_go_to_wecom_and_into_our_store(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    relation = world.org.follows_by_user[userid][customer_id]
    before = list(relation.tag_ids)
    library = (await client.get("/sidebar/api/tags")).json()["groups"]
    candidates = [t["id"] for g in library for t in g["tags"] if t["id"] not in before]
    add = candidates[0]
    remove = before[:1]
    await profile(client, customer_id)  # cache a profile first: the edit must show anyway
    answer = await client.post(
        f"/sidebar/api/customers/{customer_id}/tags", json={"add": [add], "remove": remove}
    )
    assert answer.status_code == 200, answer.text
    expected = {*before, add} - set(remove)
    assert set(relation.tag_ids) == expected  # WeCom (the simulator) has it
    stored = await FollowRelation.get(
        corp_id=world.corp.id, external_userid=customer_id, userid=userid
    )
    assert set(stored.tag_ids) == expected  # and so do we, without a callback
    data = await profile(client, customer_id)
    assert {t["id"] for t in data["tags"]["assigned"]} == expected
    event = await TimelineEvent.filter(
        corp_id=world.corp.id, external_userid=customer_id, kind="tags_changed"
    ).first()
    assert event is not None
    assert event.detail["added"][0]["id"] == add
    unknown = await client.post(
        f"/sidebar/api/customers/{customer_id}/tags", json={"add": ["nope"]}
    )
    assert unknown.status_code == 400


async def test_remark_and_description_go_to_wecom(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    answer = await client.post(
        f"/sidebar/api/customers/{customer_id}/remark",
        json={"remark": "王总-采购", "description": "年底前决策"},
    )
    assert answer.status_code == 200, answer.text
    relation = world.org.follows_by_user[userid][customer_id]
    assert (relation.remark, relation.description) == ("王总-采购", "年底前决策")
    data = await profile(client, customer_id)
    assert data["relationship"]["remark"] == "王总-采购"
    too_long = await client.post(
        f"/sidebar/api/customers/{customer_id}/remark", json={"remark": "长" * 21}
    )
    assert too_long.status_code == 400
    assert relation.remark == "王总-采购"


async def test_notes_stage_fields_and_reminders(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    base = f"/sidebar/api/customers/{customer_id}"
    note = await client.post(base + "/notes", json={"text": "客户要求下周演示"})
    assert note.status_code == 201
    stage = await client.put(base + "/stage", json={"stage": "quoted"})
    assert stage.status_code == 200
    assert (await client.put(base + "/stage", json={"stage": "nonsense"})).status_code == 400
    # custom fields come from the tenant's settings (an admin sets them)
    await ConsoleRole.create(corp_id=world.corp.id, userid=userid, role="admin")
    settings = await client.put(
        "/sidebar/admin/api/settings",
        json={
            "custom_fields": [
                {"key": "budget", "label": "预算", "type": "number"},
                {"key": "level", "label": "级别", "type": "select", "options": ["A", "B"]},
            ]
        },
    )
    assert settings.status_code == 200, settings.text
    fields = await client.put(base + "/fields", json={"values": {"budget": "5000", "level": "A"}})
    assert fields.status_code == 200, fields.text
    bad = await client.put(base + "/fields", json={"values": {"level": "Z"}})
    assert bad.status_code == 400
    due = int(world.clock()) - 60
    reminder = await client.post(base + "/reminders", json={"text": "回访", "due_at": due})
    assert reminder.status_code == 201
    data = await profile(client, customer_id)
    assert data["notes"][0]["text"] == "客户要求下周演示"
    assert data["notes"][0]["mine"]
    assert data["stage"]["key"] == "quoted"
    assert data["stage"]["name"] == "已报价"
    assert {f["key"]: f["value"] for f in data["fields"]} == {"budget": 5000.0, "level": "A"}
    assert data["reminders"][0]["overdue"] is True
    kinds = {e["kind"] for e in data["timeline"]}
    assert {"note", "stage_changed", "added", "first_message", "last_message"} <= kinds
    # a colleague sees the note but cannot delete it
    other = next(u for u in world.sellers() if u != userid)
    await FollowRelation.create(
        corp_id=world.corp.id, external_userid=customer_id, userid=other, status="active"
    )
    colleague = world.client_for(other)
    note_id = note.json()["id"]
    seen = await profile(colleague, customer_id)
    assert seen["notes"][0]["text"] == "客户要求下周演示"
    assert not seen["notes"][0]["mine"]
    assert (await colleague.delete(f"{base}/notes/{note_id}")).status_code == 404
    assert (await client.delete(f"{base}/notes/{note_id}")).status_code == 200
    done = await client.post(f"{base}/reminders/{reminder.json()['id']}/done")
    assert done.status_code == 200
    assert (await profile(client, customer_id))["reminders"] == []


async def test_a_transfer_carries_reminders_and_opens_the_successor_view(
    world: SidebarWorld,
) -> None:
    predecessor, customer_id = first_pair(world)
    successor = next(
        u for u in world.sellers() if u != predecessor and customer_id not in world.followed_by(u)
    )
    old = world.client_for(predecessor)
    base = f"/sidebar/api/customers/{customer_id}"
    await old.post(base + "/notes", json={"text": "交接前的记录"})
    await old.post(base + "/reminders", json={"text": "续约", "due_at": int(world.clock()) + 86400})
    new = world.client_for(successor)
    assert (await new.get(base)).status_code == 403
    # WeCom completed the transfer; the transfer feature carries our data over.
    relation = world.org.remove_follow(predecessor, customer_id)
    assert relation is not None
    relation.userid = successor
    world.org.add_follow(relation)
    await transfer.carry_over(
        world.corp, customer_id, predecessor, successor, completed_at=int(world.clock())
    )
    data = await profile(new, customer_id)
    assert data["access"]["reason"] == "follower"
    assert data["access"]["predecessors"][0]["userid"] == predecessor
    assert data["notes"][0]["text"] == "交接前的记录"  # notes belong to the customer
    assert data["reminders"][0]["text"] == "续约"  # reminders moved to the successor
    handed = [e for e in data["timeline"] if e["kind"] == "transferred"]
    # The customer's timeline shows the handover on both sides.
    assert sorted((e["detail"]["direction"], e["userid"]) for e in handed) == [
        ("in", successor),
        ("out", predecessor),
    ]
    history = await new.get(base + "/messages", params={"of": "predecessors"})
    items = history.json()["items"]
    assert items
    assert all(m["predecessor"] for m in items)
    assert all(m["employee"] == predecessor for m in items)
    everything = (await new.get(base + "/messages")).json()["items"]
    assert {m["employee"] for m in everything} == {predecessor}  # the successor has none yet
    # The predecessor lost the customer: changes are refused at once; reads once the
    # access decision this process reused for up to 5 seconds has expired.
    refused = await old.post(base + "/notes", json={"text": "too late"})
    assert refused.status_code == 403
    later = world.sidebar.monotonic() + 6
    world.sidebar.monotonic = lambda: later
    assert (await old.get(base)).status_code == 403
    # A tenant may turn the successor view off.
    await ConsoleRole.create(corp_id=world.corp.id, userid=successor, role="admin")
    off = await new.put("/sidebar/admin/api/settings", json={"successor_view": False})
    assert off.status_code == 200
    hidden = await new.get(base + "/messages", params={"of": "predecessors"})
    assert hidden.json()["items"] == []
    assert (await profile(new, customer_id))["messages"]["items"] == []


async def test_the_timeline_shows_groups_joined_and_relations_ended(
    world: SidebarWorld,
) -> None:
    userid, customer_id = first_pair(world)
    chat = next(iter(world.org.group_chats.values()))
    joined_at = int(world.clock()) - 3 * 86400
    await GroupChat.get_or_create(
        corp_id=world.corp.id, chat_id=chat.chat_id, defaults={"name": chat.name}
    )
    await GroupChatMember.filter(
        corp_id=world.corp.id, chat_id=chat.chat_id, userid=customer_id
    ).delete()
    await GroupChatMember.create(
        corp_id=world.corp.id, chat_id=chat.chat_id, userid=customer_id, type=2, join_time=joined_at
    )
    # A colleague who once followed the customer and was deleted by them.
    other = next(u for u in world.sellers() if u != userid)
    ended_at = int(world.clock()) - 86400
    await FollowRelation.filter(
        corp_id=world.corp.id, external_userid=customer_id, userid=other
    ).delete()
    await FollowRelation.create(
        corp_id=world.corp.id,
        external_userid=customer_id,
        userid=other,
        status="deleted_by_customer",
        added_at=ended_at - 86400,
        ended_at=ended_at,
    )
    timeline = (await profile(world.client_for(userid), customer_id))["timeline"]
    groups = [e for e in timeline if e["kind"] == "joined_group"]
    assert {"at": joined_at, "chat_id": chat.chat_id} in [
        {"at": e["at"], "chat_id": e["detail"]["chat_id"]} for e in groups
    ]
    ended = [e for e in timeline if e["userid"] == other and e["at"] == ended_at]
    assert [e["kind"] for e in ended] == ["deleted_by_customer"]
    assert [e["at"] for e in timeline] == sorted((e["at"] for e in timeline), reverse=True)


async def test_history_pages_and_search(world: SidebarWorld) -> None:
    userid, customer_id = first_pair(world)
    client = world.client_for(userid)
    base = f"/sidebar/api/customers/{customer_id}/messages"
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": "5", **({"before": cursor} if cursor else {})}
        page = (await client.get(base, params=params)).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    stored = await ArchiveMessage.filter(
        corp_id=world.corp.id, external_userid=customer_id, employee_userid=userid
    ).order_by("-msgtime", "-id")
    assert seen == [m.id for m in stored]
    word = stored[0].text[:4]
    found = (await client.get(base, params={"q": word})).json()["items"]
    assert found
    assert all(word in m["text"] for m in found)
    assert (await client.get(base, params={"q": "100%_"})).json()["items"] == []
    assert (await client.get(base, params={"before": "junk"})).status_code == 400


# -- quick replies -------------------------------------------------------------------------


async def test_quick_replies_shared_and_personal(world: SidebarWorld) -> None:
    userid, _ = first_pair(world)
    other = next(u for u in world.sellers() if u != userid)
    client, colleague = world.client_for(userid), world.client_for(other)
    mine = await client.post(
        "/sidebar/api/quick-replies",
        json={"group": "我的", "title": "约时间", "content": "您看周三下午方便吗？"},
    )
    assert mine.status_code == 201
    listing = (await client.get("/sidebar/api/quick-replies")).json()
    assert listing["groups"][0]["shared"] is True  # the tenant's set first
    assert any(r["title"] == "约时间" for g in listing["groups"] for r in g["replies"])
    theirs = (await colleague.get("/sidebar/api/quick-replies")).json()
    assert not any(r["title"] == "约时间" for g in theirs["groups"] for r in g["replies"])
    found = (await client.get("/sidebar/api/quick-replies", params={"q": "续费"})).json()
    assert [r["title"] for g in found["groups"] for r in g["replies"]] == ["续费优惠"]
    reply_id = mine.json()["id"]
    assert (await colleague.delete(f"/sidebar/api/quick-replies/{reply_id}")).status_code == 404
    assert (await colleague.post(f"/sidebar/api/quick-replies/{reply_id}/used")).status_code == 404
    assert (await client.post(f"/sidebar/api/quick-replies/{reply_id}/used")).status_code == 200
    assert (await QuickReply.get(id=reply_id)).uses == 1
    # Shared replies are the admins'.
    assert (
        await client.post("/sidebar/admin/api/quick-replies", json={"content": "x"})
    ).status_code == 403
    await ConsoleRole.create(corp_id=world.corp.id, userid=userid, role="admin")
    shared = await client.post(
        "/sidebar/admin/api/quick-replies", json={"group": "活动", "content": "双十一全场八折"}
    )
    assert shared.status_code == 201
    assert any(
        r["content"] == "双十一全场八折"
        for g in (await colleague.get("/sidebar/api/quick-replies")).json()["groups"]
        for r in g["replies"]
    )
    edited = await client.put(
        f"/sidebar/admin/api/quick-replies/{shared.json()['id']}",
        json={"content": "双十二全场八折"},
    )
    assert edited.json()["content"] == "双十二全场八折"
    # an admin cannot edit someone's personal reply through the admin API
    assert (
        await client.put(f"/sidebar/admin/api/quick-replies/{reply_id}", json={"content": "y"})
    ).status_code == 404


# -- group chats ---------------------------------------------------------------------------


async def test_the_group_view(world: SidebarWorld) -> None:
    chat = next(c for c in world.org.group_chats.values() if any(m.type == 2 for m in c.members))
    client = world.client_for(chat.owner)
    answer = await client.get(f"/sidebar/api/groups/{chat.chat_id}")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["group"]["name"] == chat.name
    assert data["group"]["owner"] == chat.owner
    assert data["group"]["notice"] == chat.notice
    customers = {m.userid for m in chat.members if m.type == 2}
    assert {c["external_userid"] for c in data["customers"]} == customers
    assert {e["userid"] for e in data["employees"]} == {
        m.userid for m in chat.members if m.type == 1
    }
    owner_customers = set(world.followed_by(chat.owner))
    for c in data["customers"]:
        assert c["can_view"] == (c["external_userid"] in owner_customers)
    assert data["recent"]
    assert data["activity"]["messages_30d"] >= len(data["recent"])
    assert data["keywords"]
    outsider = next(
        u
        for u in world.org.employees
        if all(m.userid != u for m in chat.members) and u != chat.owner
    )
    refused = await world.client_for(outsider).get(f"/sidebar/api/groups/{chat.chat_id}")
    assert refused.status_code == 403
    assert refused.json() == {"error": "forbidden"}


# -- JS-SDK --------------------------------------------------------------------------------


async def test_jsconfig_signatures_are_accepted_by_wecom(world: SidebarWorld) -> None:
    userid, _ = first_pair(world)
    client = world.client_for(userid)
    page = PUBLIC_URL + "/sidebar/?corp=" + world.corp.corp_id
    answer = await client.get("/sidebar/api/jsconfig", params={"url": page + "#/x"})
    assert answer.status_code == 200, answer.text
    cfg = answer.json()
    c, a = cfg["config"], cfg["agentConfig"]
    assert c["appId"] == world.corp.corp_id
    assert a["agentid"] == "1000002"
    assert "sendChatMessage" in a["jsApiList"]
    assert "getContext" in a["jsApiList"]
    assert_wecom_accepts_jsconfig(world.sim, world.corp.corp_id, page, cfg, "1000002")
    # Tickets are cached: another page load costs WeCom nothing.
    await client.get("/sidebar/api/jsconfig", params={"url": page})
    assert world.sim.calls["/cgi-bin/get_jsapi_ticket"] == 1
    assert world.sim.calls["/cgi-bin/ticket/get"] == 1
    # Only our own sidebar pages are signed.
    for url in ("https://evil.example/sidebar/", PUBLIC_URL + "/console/"):
        assert (await client.get("/sidebar/api/jsconfig", params={"url": url})).status_code == 400
    # After a signature error the page asks for fresh tickets, at most once a minute.
    await client.get("/sidebar/api/jsconfig", params={"url": page, "refresh": "1"})
    await client.get("/sidebar/api/jsconfig", params={"url": page, "refresh": "1"})
    assert world.sim.calls["/cgi-bin/get_jsapi_ticket"] == 2


async def test_the_page_carries_its_config_and_stays_small(world: SidebarWorld) -> None:
    userid, _ = first_pair(world)
    client = world.client_for(userid)
    page = await client.get("/sidebar/", params={"corp": world.corp.corp_id})
    assert page.status_code == 200
    assert "script-src 'self' https://res.wx.qq.com" in page.headers["content-security-policy"]
    start = page.text.index('<script id="boot" type="application/json">') + len(
        '<script id="boot" type="application/json">'
    )
    boot = json.loads(page.text[start : page.text.index("</script>", start)])
    assert boot["userid"] == userid
    assert boot["csrf"]
    assert boot["jsconfig"]["url"] == PUBLIC_URL + "/sidebar/?corp=" + world.corp.corp_id
    total = len(page.content)
    for asset in ("sidebar.js", "sidebar.css"):
        response = await client.get(f"/sidebar/static/{asset}")
        assert response.status_code == 200
        total += len(response.content)
    assert total <= 100 * 1024, f"page weight {total} bytes"


async def test_boot_data_cannot_break_out_of_its_script_element(world: SidebarWorld) -> None:
    userid, _ = first_pair(world)
    await Employee.filter(corp_id=world.corp.id, userid=userid).update(name="</script><b>x")
    page = await world.client_for(userid).get("/sidebar/", params={"corp": world.corp.corp_id})
    assert "</script><b>" not in page.text
    assert "\\u003c/script\\u003e" in page.text


# -- domain verification files ---------------------------------------------------------------


async def test_verify_files_are_uploaded_by_admins_and_served_as_text(world: SidebarWorld) -> None:
    userid, _ = first_pair(world)
    client = world.client_for(userid)
    body = {"filename": "WW_verify_Ab12Cd34Ef56Gh78.txt", "content": "Ab12Cd34Ef56Gh78"}
    assert (await client.post("/sidebar/admin/api/verify-files", json=body)).status_code == 403
    await ConsoleRole.create(corp_id=world.corp.id, userid=userid, role="admin")
    uploaded = await client.post("/sidebar/admin/api/verify-files", json=body)
    assert uploaded.status_code == 201, uploaded.text
    served = await world.http.get("/WW_verify_Ab12Cd34Ef56Gh78.txt")
    assert served.status_code == 200
    assert served.text == "Ab12Cd34Ef56Gh78"
    assert served.headers["content-type"].startswith("text/plain")
    assert (await world.http.get("/WW_verify_Nope.txt")).status_code == 404
    assert (await world.http.get("/WW_verify_a-b.txt")).status_code == 404
    files = {
        "file": ("WW_verify_Zz99Zz99Zz99Zz99.txt", b"Zz99Zz99Zz99Zz99", "text/plain"),
    }
    multipart = await client.post("/sidebar/admin/api/verify-files", files=files)
    assert multipart.status_code == 201, multipart.text
    assert (await world.http.get("/WW_verify_Zz99Zz99Zz99Zz99.txt")).text == "Zz99Zz99Zz99Zz99"
    bad_names = ["../etc/passwd", "WW_verify_x.html", "verify.txt", "WW_verify_.txt"]
    for name in bad_names:
        answer = await client.post(
            "/sidebar/admin/api/verify-files", json={"filename": name, "content": "x"}
        )
        assert answer.status_code == 400, name
    bad_content = await client.post(
        "/sidebar/admin/api/verify-files",
        json={"filename": "WW_verify_Q1.txt", "content": "<script>alert(1)</script> x"},
    )
    assert bad_content.status_code == 400


# -- the preview -------------------------------------------------------------------------------


async def test_the_preview_is_there_against_the_simulator_only(
    world: SidebarWorld, tmp_path: Path, database: str, kv: KV
) -> None:
    page = await world.http.get("/sidebar/preview")
    assert page.status_code == 200
    admin = world.sellers()[0]
    await ConsoleRole.create(corp=world.corp, userid=admin, role="admin")
    directory = (await world.client_for(admin).get("/sidebar/preview/api/directory")).json()
    assert directory["corp_id"] == world.corp.corp_id
    assert directory["employees"]
    start = await world.http.get(
        "/sidebar/login",
        params={"corp": world.corp.corp_id, "as": world.sellers()[0], "next": "/sidebar/"},
    )
    assert urlsplit(start.headers["location"]).path == "/connect/oauth2/choose"
    # Against real WeCom (no simulator answering) the preview does not exist.
    settings = make_settings(tmp_path / "real", database)
    real = Services(settings, kv=kv, run_worker=False, manage_db=False)
    async with real:
        app = create_app(settings, real)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as http:
            assert (await http.get("/sidebar/preview")).status_code == 404
            assert (await http.get("/sidebar/preview/api/directory")).status_code == 404
            start = await http.get(
                "/sidebar/login", params={"corp": world.corp.corp_id, "as": "someone"}
            )
            assert urlsplit(start.headers["location"]).netloc == "open.weixin.qq.com"


async def test_reads_reuse_an_access_decision_only_briefly(
    tmp_path: Path, database: str, kv: KV
) -> None:
    """A relation that ends stops reads within the access cache's few seconds, and at
    once when the cache is off; changes are always decided afresh."""
    for seconds in ("5", "0"):
        async with sidebar_world(
            tmp_path / seconds, database, kv, WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS=seconds
        ) as w:
            userid = next(u for u in w.sellers() if len(w.followed_by(u)) >= 2)
            first, second = w.followed_by(userid)[:2]
            client = w.client_for(userid)
            for customer_id in (first, second):
                assert (
                    await client.get(f"/sidebar/api/customers/{customer_id}")
                ).status_code == 200
                w.org.remove_follow(userid, customer_id)  # the employee deleted the customer
                await FollowRelation.filter(
                    corp_id=w.corp.id, external_userid=customer_id, userid=userid
                ).update(status="deleted_by_employee", ended_at=int(w.clock()))
            # A change is decided afresh; its refusal also drops the reused decision.
            refused = await client.post(f"/sidebar/api/customers/{first}/notes", json={"text": "x"})
            assert refused.status_code == 403
            assert (await client.get(f"/sidebar/api/customers/{first}")).status_code == 403
            # A read may reuse the decision for a few seconds (none when the cache is off).
            read = await client.get(f"/sidebar/api/customers/{second}")
            assert read.status_code == (200 if seconds == "5" else 403)
            later = w.sidebar.monotonic() + 6
            w.sidebar.monotonic = lambda: later  # noqa: B023 - used in this iteration
            assert (await client.get(f"/sidebar/api/customers/{second}")).status_code == 403
        await _truncate_all()
