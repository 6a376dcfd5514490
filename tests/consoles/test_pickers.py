"""The pickers' search endpoint: this tenant's people, departments and customers by
name or id, for admins and compliance staff."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.consoles.test_privilege_audit import signed_in_admin
from wecom_app.services import Services
from wecom_app.store.directory import Customer, Department
from wecom_app.store.models import Corp, Employee

API = "/console/api/people"
TEMPLATES = Path(__file__).resolve().parents[2] / "wecom_app" / "consoles" / "templates"


async def test_search_by_name_or_id_within_the_tenant(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, _csrf = await signed_in_admin(services, client)
    other = await Corp.create(corp_id="wwothercorp00001", name="别家", mode="self_built")
    await Employee.create(corp=other, userid="lihua2", name="李华", status="active")
    await Employee.create(corp=corp, userid="gone", name="李走了", status="resigned")
    await Department.create(corp=corp, dept_id=7, name="华东销售部")
    await Customer.create(corp=corp, external_userid="wmCUSTOMERli0001", name="李女士")

    people = (await client.get(API, params={"kind": "employee", "q": "李"})).json()["hits"]
    assert people == [{"id": "lihua", "name": "李华", "label": "李华 (lihua)"}]
    by_id = (await client.get(API, params={"kind": "employee", "q": "BOSS"})).json()["hits"]
    assert [h["id"] for h in by_id] == ["boss"]
    depts = (await client.get(API, params={"kind": "department", "q": "7"})).json()["hits"]
    assert depts == [{"id": "7", "name": "华东销售部", "label": "华东销售部 (7)"}]
    customers = (await client.get(API, params={"kind": "customer", "q": "女士"})).json()
    assert [h["id"] for h in customers["hits"]] == ["wmCUSTOMERli0001"]
    wild = (await client.get(API, params={"kind": "employee", "q": "%"})).json()["hits"]
    assert wild == []


async def test_bad_searches_are_refused(services: Services, client: httpx.AsyncClient) -> None:
    await signed_in_admin(services, client)
    assert (await client.get(API, params={"kind": "tag"})).status_code == 400
    long = await client.get(API, params={"q": "x" * 65})
    assert long.status_code == 400
    assert long.json()["message"] == "the search is at most 64 characters"
    client.cookies.clear()
    assert (await client.get(API, params={"q": "li"})).status_code == 401


def test_the_free_text_id_fields_are_pickers() -> None:
    marked = {
        "transfers/index.html": 'name="successors" maxlength="2000" data-picker="employee"',
        "transfers/plan.html": 'name="successor" maxlength="64" data-picker="employee"',
        "compliance/alerts.html": 'name="notify" data-picker="employee" data-multiple',
        "compliance/holds.html": 'data-picker="customer" data-picker-kind="kind"',
        "compliance/search.html": 'name="customer" value="{{ params.customer }}" data-picker',
        "roles.html": 'name="scope_userids" maxlength="2000" data-picker="employee"',
    }
    for template, attribute in marked.items():
        assert attribute in (TEMPLATES / template).read_text(), template
    script = (TEMPLATES.parent / "static" / "console.js").read_text()
    assert "input[data-picker]" in script
    assert "/console/api/people?" in script
