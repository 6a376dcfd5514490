"""Customer contact APIs: formats, cursors, page sizes, limits and errcodes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tests.support.simulator import (
    add_test_suite,
    corp_token,
    get_json,
    install_suite,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim
from wecom_app.simulator.state import Customer, CustomerType, FollowRelation, Org

EXTERNAL = "/cgi-bin/externalcontact"


def _busiest(org: Org) -> str:
    return max(org.follows_by_user, key=lambda u: len(org.follows_by_user[u]))


async def _batch_all(
    client: httpx.AsyncClient, token: str, userids: list[str], limit: int
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    cursor, calls = "", 0
    while True:
        body = await post_json(
            client,
            f"{EXTERNAL}/batch/get_by_user",
            {"userid_list": userids, "cursor": cursor, "limit": limit},
            access_token=token,
        )
        assert body["errcode"] == 0, body
        page_size = 50 if limit <= 0 else min(limit, 100)  # WeCom's default and cap
        assert len(body["external_contact_list"]) <= page_size
        items.extend(body["external_contact_list"])
        calls += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items, calls


async def test_follow_user_list_and_customer_list() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        follow = await get_json(client, f"{EXTERNAL}/get_follow_user_list", access_token=token)
        assert follow["follow_user"] == [
            e.userid for e in org.employees.values() if e.customer_contact
        ]
        seller = _busiest(org)
        listed = await get_json(client, f"{EXTERNAL}/list", access_token=token, userid=seller)
        assert listed["external_userid"] == list(org.follows_by_user[seller])
        idle = next(u for u in org.employees if u not in org.follows_by_user)
        none = await get_json(client, f"{EXTERNAL}/list", access_token=token, userid=idle)
        assert none["errcode"] == 84061
        ghost = await get_json(client, f"{EXTERNAL}/list", access_token=token, userid="ghost")
        assert ghost["errcode"] == 60111


async def test_get_customer_format() -> None:
    sim, org, _ = make_sim(customers=600)
    relation = next(
        r
        for rels in org.follows_by_user.values()
        for r in rels.values()
        if r.tag_ids and r.state and org.customers[r.external_userid].unionid
    )
    customer = org.customers[relation.external_userid]
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = await get_json(
            client, f"{EXTERNAL}/get", access_token=token, external_userid=customer.external_userid
        )
    assert body["errcode"] == 0
    assert "next_cursor" not in body
    contact = body["external_contact"]
    assert contact == {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "type": 1,
        "gender": customer.gender,
        "avatar": customer.avatar,
        "unionid": customer.unionid,
    }
    mine = next(f for f in body["follow_user"] if f["userid"] == relation.userid)
    assert mine["createtime"] == relation.createtime
    assert mine["add_way"] == relation.add_way
    assert mine["state"] == relation.state
    assert mine["oper_userid"] == relation.oper_userid
    assert [t["tag_id"] for t in mine["tags"]] == relation.tag_ids
    first = org.tags[relation.tag_ids[0]]
    assert mine["tags"][0] == {
        "group_name": org.tag_groups[first.group_id].group_name,
        "tag_name": first.name,
        "type": 1,
        "tag_id": first.id,
    }
    assert mine["remark_mobiles"] == relation.remark_mobiles


async def test_get_customer_errors_and_wecom_customer_fields() -> None:
    sim, org, _ = make_sim()
    company_customer = next(c for c in org.customers.values() if c.type == CustomerType.WECOM)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = await get_json(
            client,
            f"{EXTERNAL}/get",
            access_token=token,
            external_userid=company_customer.external_userid,
        )
        contact = body["external_contact"]
        assert contact["type"] == 2
        assert contact["corp_name"] == company_customer.corp_name
        assert contact["corp_full_name"] == company_customer.corp_full_name
        assert contact["position"] == company_customer.position
        missing = await get_json(client, f"{EXTERNAL}/get", access_token=token)
        assert missing["errcode"] == 41035
        unknown = await get_json(
            client, f"{EXTERNAL}/get", access_token=token, external_userid="wmnobody"
        )
        assert unknown["errcode"] == 40096


async def test_get_customer_pages_followers_past_five_hundred() -> None:
    sim, org, _ = make_sim(employees=30)
    shared = Customer(external_userid="wm" + "s" * 30, name="共享客户")
    org.customers[shared.external_userid] = shared
    for number in range(1, 1201):
        userid = f"helper{number}"
        sim.add_employee(org.corp_id, userid, name=f"员工{number}")
        org.add_follow(
            FollowRelation(userid=userid, external_userid=shared.external_userid, createtime=number)
        )
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        seen: list[str] = []
        cursor = ""
        while True:
            body = await get_json(
                client,
                f"{EXTERNAL}/get",
                access_token=token,
                external_userid=shared.external_userid,
                cursor=cursor,
            )
            assert len(body["follow_user"]) <= 500
            seen.extend(f["userid"] for f in body["follow_user"])
            cursor = body.get("next_cursor", "")
            if not cursor:
                break
    assert len(seen) == 1200 == len(set(seen))


async def test_batch_get_by_user_returns_every_relation_once() -> None:
    sim, org, _ = make_sim(customers=2000, employees=30)
    userids = list(org.employees)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        items, calls = await _batch_all(client, token, userids, limit=100)
        default_items, default_calls = await _batch_all(client, token, userids, limit=0)
        clamped_items, clamped_calls = await _batch_all(client, token, userids, limit=5000)
    pairs = Counter(
        (i["follow_info"]["userid"], i["external_contact"]["external_userid"]) for i in items
    )
    assert len(pairs) == org.relation_count()
    assert max(pairs.values()) == 1
    assert calls >= org.relation_count() // 100
    assert len(default_items) == len(items)
    assert default_calls > calls
    assert len(clamped_items) == len(items)
    assert clamped_calls == calls
    info = items[0]["follow_info"]
    relation = org.follow(info["userid"], items[0]["external_contact"]["external_userid"])
    assert relation is not None
    assert info["tag_id"] == relation.tag_ids
    assert {
        "userid",
        "remark",
        "description",
        "createtime",
        "tag_id",
        "oper_userid",
        "add_way",
    } <= set(info)


async def test_batch_get_by_user_limits_and_errors() -> None:
    sim, org, _ = make_sim()
    path = f"{EXTERNAL}/batch/get_by_user"
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        too_many = [f"user{n}" for n in range(101)]
        body = await post_json(client, path, {"userid_list": too_many}, access_token=token)
        assert body["errcode"] == 40058
        empty = await post_json(client, path, {"userid_list": []}, access_token=token)
        assert empty["errcode"] == 41009
        wrong_type = await post_json(client, path, {"userid_list": "zhangsan"}, access_token=token)
        assert wrong_type["errcode"] == 40058
        garbled = await post_json(
            client, path, {"userid_list": [_busiest(org)], "cursor": "zzz"}, access_token=token
        )
        assert garbled["errcode"] == 50100
        unknown_only = await post_json(client, path, {"userid_list": ["ghost"]}, access_token=token)
        assert unknown_only["external_contact_list"] == []
        assert unknown_only["next_cursor"] == ""


async def test_corp_tag_list_with_and_without_filters() -> None:
    sim, org, _ = make_sim()
    group = next(iter(org.tag_groups.values()))
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        everything = await post_json(
            client, f"{EXTERNAL}/get_corp_tag_list", {}, access_token=token
        )
        assert len(everything["tag_group"]) == len(org.tag_groups)
        first = everything["tag_group"][0]
        assert set(first) == {"group_id", "group_name", "create_time", "order", "tag"}
        assert set(first["tag"][0]) == {"id", "name", "create_time", "order"}
        orders = [g["order"] for g in everything["tag_group"]]
        assert orders == sorted(orders, reverse=True)

        sim.delete_corp_tag(org.corp_id, group.tag_ids[0])
        by_group = await post_json(
            client,
            f"{EXTERNAL}/get_corp_tag_list",
            {"group_id": [group.group_id], "tag_id": [group.tag_ids[1]]},
            access_token=token,
        )
        (only,) = by_group["tag_group"]
        assert only["group_id"] == group.group_id
        assert only["deleted"] is False
        assert len(only["tag"]) == len(group.tag_ids)  # group_id wins over tag_id
        deleted = {t["id"]: t["deleted"] for t in only["tag"]}
        assert deleted[group.tag_ids[0]] is True
        unfiltered = await post_json(
            client, f"{EXTERNAL}/get_corp_tag_list", {}, access_token=token
        )
        live = next(g for g in unfiltered["tag_group"] if g["group_id"] == group.group_id)
        assert group.tag_ids[0] not in {t["id"] for t in live["tag"]}
        by_tag = await post_json(
            client,
            f"{EXTERNAL}/get_corp_tag_list",
            {"tag_id": [group.tag_ids[1]]},
            access_token=token,
        )
        assert [t["id"] for t in by_tag["tag_group"][0]["tag"]] == [group.tag_ids[1]]


async def test_mark_tag_and_remark_change_the_world_without_callbacks() -> None:
    sim, org, _ = make_sim()
    userid = _busiest(org)
    relation = org.customers_of(userid)[0]
    tag_ids = list(org.tags)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        sim.pop_callbacks()
        marked = await post_json(
            client,
            f"{EXTERNAL}/mark_tag",
            {
                "userid": userid,
                "external_userid": relation.external_userid,
                "add_tag": tag_ids[:2],
                "remove_tag": [],
            },
            access_token=token,
        )
        assert marked == {"errcode": 0, "errmsg": "ok"}
        assert set(tag_ids[:2]) <= set(relation.tag_ids)
        remarked = await post_json(
            client,
            f"{EXTERNAL}/remark",
            {
                "userid": userid,
                "external_userid": relation.external_userid,
                "remark": "王总-华东大客户",
                "description": "年底续约",
                "remark_mobiles": ["13800000000"],
            },
            access_token=token,
        )
        assert remarked["errcode"] == 0
        assert relation.remark == "王总-华东大客户"
        assert relation.description == "年底续约"
        assert relation.remark_mobiles == ["13800000000"]
        assert sim.pending_callbacks == []  # API changes cause no callback


async def test_mark_tag_and_remark_errors() -> None:
    sim, org, _ = make_sim()
    userid = _busiest(org)
    external_userid = org.customers_of(userid)[0].external_userid
    stranger = next(e for e in org.customers if org.follow(userid, e) is None)
    base = {"userid": userid, "external_userid": external_userid}
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)

        async def remark(payload: dict[str, Any]) -> int:
            body = await post_json(client, f"{EXTERNAL}/remark", payload, access_token=token)
            errcode: int = body["errcode"]
            return errcode

        async def mark(payload: dict[str, Any]) -> int:
            body = await post_json(client, f"{EXTERNAL}/mark_tag", payload, access_token=token)
            errcode: int = body["errcode"]
            return errcode

        assert await remark({**base, "remark": "字" * 20}) == 0
        assert await remark({**base, "remark": "字" * 21}) == 40058
        assert await remark({**base, "description": "述" * 151}) == 40058
        assert await remark({**base, "remark_company": "公" * 21}) == 40058
        assert await remark(base) == 40058
        assert await remark({**base, "userid": ""}) == 41009
        assert await remark({**base, "external_userid": ""}) == 41035
        assert await remark({**base, "external_userid": "wmghost"}) == 40096
        assert await remark({**base, "external_userid": stranger, "remark": "x"}) == 84061
        assert await mark({**base, "add_tag": ["etnosuchtag"]}) == 40068
        assert await mark(base) == 40058
        assert await mark({**base, "userid": "ghost", "add_tag": list(org.tags)[:1]}) == 60111


async def test_groupchat_list_filters_and_pages() -> None:
    sim, org, _ = make_sim(customers=2000)
    path = f"{EXTERNAL}/groupchat/list"
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        seen: list[str] = []
        cursor = ""
        while True:
            body = await post_json(client, path, {"limit": 7, "cursor": cursor}, access_token=token)
            assert body["errcode"] == 0
            assert len(body["group_chat_list"]) <= 7
            seen.extend(c["chat_id"] for c in body["group_chat_list"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == list(org.group_chats)
        owner = next(iter(org.group_chats.values())).owner
        owned = await post_json(
            client,
            path,
            {"limit": 1000, "owner_filter": {"userid_list": [owner]}},
            access_token=token,
        )
        assert {c["chat_id"] for c in owned["group_chat_list"]} == {
            c.chat_id for c in org.group_chats.values() if c.owner == owner
        }
        sim.delete_employee(org.corp_id, owner)
        unfiltered = await post_json(
            client, path, {"limit": 1000, "status_filter": 1}, access_token=token
        )
        assert unfiltered["group_chat_list"] == []  # a leaver is outside the visible range
        waiting = await post_json(
            client,
            path,
            {"limit": 1000, "status_filter": 1, "owner_filter": {"userid_list": [owner]}},
            access_token=token,
        )
        assert waiting["group_chat_list"]
        assert all(c["status"] == 1 for c in waiting["group_chat_list"])
        for bad in ({"limit": 0}, {"limit": 1001}, {}, {"limit": 10, "status_filter": 9}):
            body = await post_json(client, path, bad, access_token=token)
            assert body["errcode"] == 40058, bad
        too_many_owners = {"limit": 10, "owner_filter": {"userid_list": ["u"] * 101}}
        assert (await post_json(client, path, too_many_owners, access_token=token))[
            "errcode"
        ] == 40058


async def test_groupchat_list_needs_owner_filter_in_big_orgs() -> None:
    sim, org, _ = make_sim(customers=100, employees=1001)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = await post_json(
            client, f"{EXTERNAL}/groupchat/list", {"limit": 10}, access_token=token
        )
    assert body["errcode"] == 81017


async def test_groupchat_get_format_and_errors() -> None:
    sim, org, _ = make_sim()
    chat = next(iter(org.group_chats.values()))
    path = f"{EXTERNAL}/groupchat/get"
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = await post_json(
            client, path, {"chat_id": chat.chat_id, "need_name": 1}, access_token=token
        )
        group = body["group_chat"]
        assert set(group) == {
            "chat_id", "name", "owner", "create_time", "notice", "member_list", "admin_list",
            "member_version",
        }  # fmt: skip
        assert group["owner"] == chat.owner
        assert group["name"] == chat.name
        assert [m["userid"] for m in group["member_list"]] == [m.userid for m in chat.members]
        owner = group["member_list"][0]
        assert owner["type"] == 1
        assert owner["name"] == org.employees[chat.owner].name
        customer = next(m for m in group["member_list"] if m["type"] == 2)
        assert customer["name"] == org.customers[customer["userid"]].name
        assert customer["invitor"] == {"userid": chat.owner}
        assert group["admin_list"] == [{"userid": a} for a in chat.admin_list]
        nameless = await post_json(client, path, {"chat_id": chat.chat_id}, access_token=token)
        assert "name" not in nameless["group_chat"]["member_list"][0]
        unknown = await post_json(client, path, {"chat_id": "wrnope"}, access_token=token)
        assert unknown["errcode"] == 40050
        sim.dismiss_group_chat(org.corp_id, chat.chat_id)
        dismissed = await post_json(client, path, {"chat_id": chat.chat_id}, access_token=token)
        assert dismissed["errcode"] == 49008


async def test_third_party_apps_get_unionid_but_no_other_private_fields() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    relation = next(
        r
        for rels in org.follows_by_user.values()
        for r in rels.values()
        if org.customers[r.external_userid].unionid and r.remark_mobiles
    )
    async with wecom_client(sim) as client:
        _, _, token = await install_suite(sim, client, org)
        body = await get_json(
            client, f"{EXTERNAL}/get", access_token=token, external_userid=relation.external_userid
        )
        contact = body["external_contact"]
        assert contact["gender"] == 0
        # Third-party apps do get unionid (issue 14, item 5); not the avatar.
        assert contact["unionid"] == org.customers[relation.external_userid].unionid
        assert "avatar" not in contact
        assert all("remark_mobiles" not in f for f in body["follow_user"])
        batch = await post_json(
            client,
            f"{EXTERNAL}/batch/get_by_user",
            {"userid_list": [relation.userid], "limit": 100},
            access_token=token,
        )
        for item in batch["external_contact_list"]:
            contact = item["external_contact"]
            assert contact.get("unionid", "") == org.customers[contact["external_userid"]].unionid
        assert all("remark_mobiles" not in i["follow_info"] for i in batch["external_contact_list"])
