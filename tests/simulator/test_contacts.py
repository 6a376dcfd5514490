"""Directory APIs: departments, members, the member id list; third-party redaction."""

from __future__ import annotations

from tests.support.simulator import (
    add_test_suite,
    corp_token,
    get_json,
    install_suite,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim


async def test_department_list_is_the_subtree() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        everything = await get_json(client, "/cgi-bin/department/list", access_token=token)
        assert everything["errcode"] == 0
        assert {d["id"] for d in everything["department"]} == set(org.departments)
        root = everything["department"][0]
        assert root == {
            "id": 1,
            "name": org.name,
            "parentid": 0,
            "order": org.departments[1].order,
            "department_leader": org.departments[1].leaders,
        }
        sales = next(d for d in org.departments.values() if d.name == "销售部")
        subtree = await get_json(
            client, "/cgi-bin/department/list", access_token=token, id=sales.id
        )
        names = [d["name"] for d in subtree["department"]]
        assert names[0] == "销售部"
        assert "华东销售组" in names
        assert "技术部" not in names
        bad = await get_json(client, "/cgi-bin/department/list", access_token=token, id=999)
        assert bad["errcode"] == 60123


async def test_user_list_with_and_without_children() -> None:
    sim, org, _ = make_sim(employees=40)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        direct = await get_json(client, "/cgi-bin/user/list", access_token=token, department_id=1)
        assert [u["userid"] for u in direct["userlist"]] == [
            e.userid for e in org.employees.values() if 1 in e.departments
        ]
        everyone = await get_json(
            client, "/cgi-bin/user/list", access_token=token, department_id=1, fetch_child=1
        )
        assert len(everyone["userlist"]) == 40
        member = everyone["userlist"][1]
        employee = org.employees[member["userid"]]
        assert member["name"] == employee.name
        assert member["position"] == employee.position
        assert member["department"] == employee.departments
        assert member["status"] == 1
        # New self-built apps get no avatar, gender, mobile or email here (OAuth only).
        assert not {"mobile", "email", "avatar", "gender"} & set(member)
        missing = await get_json(client, "/cgi-bin/user/list", access_token=token)
        assert missing["errcode"] == 60127
        unknown = await get_json(
            client, "/cgi-bin/user/list", access_token=token, department_id=4242
        )
        assert unknown["errcode"] == 60123


async def test_user_get_and_its_errors() -> None:
    sim, org, _ = make_sim()
    employee = next(iter(org.employees.values()))
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = await get_json(
            client, "/cgi-bin/user/get", access_token=token, userid=employee.userid
        )
        assert body["errcode"] == 0
        assert body["userid"] == employee.userid
        assert body["main_department"] == employee.main_department
        nobody = await get_json(client, "/cgi-bin/user/get", access_token=token, userid="ghost")
        assert nobody["errcode"] == 60111
        blank = await get_json(client, "/cgi-bin/user/get", access_token=token)
        assert blank["errcode"] == 41009
        sim.delete_employee(org.corp_id, employee.userid)
        gone = await get_json(
            client, "/cgi-bin/user/get", access_token=token, userid=employee.userid
        )
        assert gone["errcode"] == 60111


async def test_list_id_pages_through_every_member_department_pair() -> None:
    sim, org, _ = make_sim(employees=35)
    extra = next(iter(org.employees.values()))
    extra.departments.append(3)  # someone in two departments shows up twice
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        seen: list[tuple[str, int]] = []
        cursor = ""
        pages = 0
        while True:
            body = await post_json(
                client, "/cgi-bin/user/list_id", {"cursor": cursor, "limit": 10}, access_token=token
            )
            assert body["errcode"] == 0
            assert len(body["dept_user"]) <= 10
            seen.extend((u["userid"], u["department"]) for u in body["dept_user"])
            pages += 1
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert pages == 4
        assert len(seen) == 36 == len(set(seen))
        for limit in (0, 10001):
            bad = await post_json(
                client, "/cgi-bin/user/list_id", {"limit": limit}, access_token=token
            )
            assert bad["errcode"] == 40058
        garbled = await post_json(
            client, "/cgi-bin/user/list_id", {"cursor": "not-a-cursor"}, access_token=token
        )
        assert garbled["errcode"] == 50100


async def test_third_party_apps_get_ids_not_names() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        _, _, token = await install_suite(sim, client, org)
        employee = next(iter(org.employees.values()))
        user = await get_json(
            client, "/cgi-bin/user/get", access_token=token, userid=employee.userid
        )
        assert user["name"] == employee.userid
        assert user["open_userid"] == employee.open_userid
        assert "position" not in user
        departments = await get_json(client, "/cgi-bin/department/list", access_token=token)
        assert all(d["name"] == str(d["id"]) for d in departments["department"])
        ids = await post_json(client, "/cgi-bin/user/list_id", {}, access_token=token)
        assert {"open_userid", "department"} == set(ids["dept_user"][0])
