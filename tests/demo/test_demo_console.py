"""The demo's operator console: buttons that make WeCom's world move."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette

from wecom_app.demo.console import demo_console
from wecom_app.services import Services
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.operator import operator_of
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import SimClock
from wecom_app.simulator.transfer import transfer_desk

CORP = "wwdemoconsole001"


def _said(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)["said"][0]


async def test_the_buttons_leave_refuse_and_advance(services: Services) -> None:
    sim = Simulator(clock=SimClock(1_800_000_000.0), seed=9)
    org = sim.add_org(generate_org(9, customers=20, employees=6, corp_id=CORP))
    app = Starlette(routes=[demo_console(services, sim, CORP)])
    leaver = next(iter(org.employees))
    customer = next(iter(org.customers))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:
        page = await http.get("/demo/")
        assert page.status_code == 200
        assert org.employees[leaver].name in page.text
        assert "+24 h" in page.text
        said = _said(await http.post("/demo/leave", data={"userid": leaver}))
        assert said.startswith(f"{leaver} left")
        assert leaver in org.departed
        again = _said(await http.post("/demo/leave", data={"userid": leaver}))
        assert again.startswith("refused:")
        _said(await http.post("/demo/refuse", data={"external_userid": customer}))
        assert customer in transfer_desk(sim).refusing
        before = sim.clock()
        moved = _said(await http.post("/demo/advance", data={"by": "+24h"}))
        assert "24 h" in moved
        assert sim.clock() == before + 86400
        foreign = await http.post(
            "/demo/advance", data={"by": "+24h"}, headers={"origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        assert sim.clock() == before + 86400
        shown = await http.get("/demo/", params={"said": "<b>x</b>"})
        assert "&lt;b&gt;x&lt;/b&gt;" in shown.text
    assert operator_of(sim).callback_base == ""  # nowhere to deliver: callbacks stay queued
    assert (
        any(b"delete_user" in c.xml() for c in sim.pending_callbacks) or not sim.pending_callbacks
    )
