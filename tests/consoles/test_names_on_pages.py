"""The roles page shows people and departments by name, the id secondary."""

from __future__ import annotations

import re

import httpx

from tests.consoles.test_privilege_audit import signed_in_admin
from wecom_app.services import Services
from wecom_app.store.directory import Department
from wecom_app.store.models import Employee
from wecom_app.store.transfer import TransferPlan


async def test_roles_show_members_departments_and_granters_by_name(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, csrf = await signed_in_admin(services, client)
    await Department.create(corp=corp, dept_id=7, name="华东销售部")
    await Department.create(corp=corp, dept_id=8, name="")  # WeCom gave no name
    await Employee.create(corp=corp, userid="wangwu", name="王五", status="active")
    await Employee.create(corp=corp, userid="noname", name="", status="active")
    form = {
        "csrf_token": csrf,
        "userid": "lihua",
        "role": "manager",
        "departments": ["7", "8"],
        "scope_userids": "wangwu,noname",
    }
    assert (await client.post("/console/roles", data=form)).status_code == 303

    page = (await client.get("/console/roles")).text
    row = next(r for r in page.split("<tr>") if "manager" in r and "lihua" in r)
    assert '<span class="name">李华</span> <span class="muted id">lihua</span>' in row
    assert '<span class="name">华东销售部</span> <span class="muted id">7</span>' in row
    assert '<span class="id">8</span>' in row  # no name: the id once, not "8 (8)"
    assert '<span class="name">王五</span>' in row
    assert '<span class="id">noname</span>' in row
    assert '<span class="name">老板</span> <span class="muted id">boss</span>' in row
    options = re.findall(r"<option value=\"[^\"]*\">([^<]*)</option>", page)
    assert "华东销售部 (7)" in options
    assert "8" in options
    assert "8 (8)" not in options
    assert "noname (noname)" not in options


async def test_transfer_pages_name_the_employee_handed_over(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, _csrf = await signed_in_admin(services, client)
    await Employee.create(corp=corp, userid="zhaoliu", name="赵六", status="resigned")
    plan = await TransferPlan.create(
        corp=corp,
        handover_userid="zhaoliu",
        mode="resigned",
        strategy="least_loaded",
        created_at=services.clock(),
        updated_at=services.clock(),
    )
    index = (await client.get("/console/transfers")).text
    assert '<span class="name">赵六</span> <span class="muted id">zhaoliu</span>' in index
    shown = await client.get(f"/console/transfers/{plan.id}")
    assert shown.status_code == 200
    assert "赵六 (zhaoliu)</h1>" in shown.text


def test_a_search_hit_names_the_customer_and_the_group_with_their_ids() -> None:
    from types import SimpleNamespace

    from wecom_app.consoles import render

    def shown(**fields: object) -> str:
        base: dict[str, object] = {
            "id": 1, "hit": True, "recalled": False, "time_text": "2026-12-08 10:00",
            "sender": "lihua", "roomid": "", "external_userid": "", "direction": "out",
            "msgtype": "text", "status": "ok", "recalled_by": "", "html": "你好",
            "media": None, "conversation": "c",
        }  # fmt: skip
        m = SimpleNamespace(**(base | fields))
        source = '{% from "compliance/_message.html" import message %}{{ message(m, names) }}'
        template = render.templates().from_string(source)
        names = {"lihua": "李华", "wmCUSTOMER000001": "王女士", "wrROOM0001": "售后群"}
        return template.render(m=m, names=names, lang="zh_Hans")

    with_customer = shown(external_userid="wmCUSTOMER000001")
    assert '<span class="name">王女士</span> <span class="muted id">wmCUSTOMER000001</span>' in (
        with_customer
    )
    in_group = shown(roomid="wrROOM0001")
    assert '<span class="name">售后群</span> <span class="muted id">wrROOM0001</span>' in in_group
    unknown = shown(external_userid="wmNONAME00000001")
    assert '<span class="id">wmNONAME00000001</span>' in unknown
