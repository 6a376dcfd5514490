"""Operator controls of the simulator: an employee leaves, a customer refuses, time passes."""

from __future__ import annotations

import argparse
import json
from typing import Any

import httpx
import pytest

from wecom_app.commands import simulator
from wecom_app.commands.simulator import cmd_simulator, request_for
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.operator import OperatorError, operator_of, parse_duration
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import SimClock
from wecom_app.simulator.transfer import DONE, REFUSED, RESIGNED, WAITING, transfer_desk

DAY = 86400.0


def _sim() -> Simulator:
    sim = Simulator(clock=SimClock(1_800_000_000.0), seed=3)
    sim.add_org(generate_org(5, customers=80, employees=12, corp_id="wwop0000000001"))
    sim.enable_self_built_app("wwop0000000001")  # so callbacks have somewhere to go
    return sim


def _client(sim: Simulator) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    return httpx.AsyncClient(transport=transport, base_url="http://sim")


def _leaver(sim: Simulator) -> str:
    org = sim.org("wwop0000000001")
    return max(org.employees, key=lambda u: len(org.follows_by_user.get(u, {})))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("+24h", DAY), ("24 h", DAY), ("90m", 5400.0), ("2d", 2 * DAY), ("3600", 3600.0)],
)
def test_durations_read_like_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-1h", "0", "1000d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(OperatorError):
        parse_duration(text)


async def test_leave_over_http_sends_delete_user() -> None:
    sim = _sim()
    leaver = _leaver(sim)
    async with _client(sim) as http:
        answer = await http.post("/operator/leave", json={"userid": leaver})
        assert answer.status_code == 200, answer.text
        assert answer.json()["ok"] is True
        again = await http.post("/operator/leave", json={"userid": leaver})
        assert again.status_code == 400  # already gone
        unknown = await http.post("/operator/leave", json={"userid": "nobody"})
        assert "nobody" in unknown.json()["error"]
        state = (await http.get("/operator")).json()
    org = sim.org("wwop0000000001")
    assert leaver in org.departed
    assert leaver not in org.employees
    assert state["departed"] == {org.corp_id: [leaver]}
    changes = [c for c in sim.pending_callbacks if b"delete_user" in c.xml()]
    assert len(changes) == 1


async def test_a_refusing_customer_and_a_day_later_every_transfer_is_final() -> None:
    sim = _sim()
    org = sim.org("wwop0000000001")
    leaver = _leaver(sim)
    successor = next(u for u in org.employees if u != leaver)
    customers = list(org.follows_by_user[leaver])[:3]
    async with _client(sim) as http:
        await http.post("/operator/leave", json={"userid": leaver})
        refused = await http.post("/operator/refuse", json={"external_userid": customers[0]})
        assert refused.json()["refuse"] is True
        desk = transfer_desk(sim)
        for external_userid in customers:
            assert desk.start(org, RESIGNED, leaver, successor, external_userid) == 0
        records = desk.results(org.corp_id, RESIGNED, leaver, successor)
        assert {r.status for r in records} == {WAITING}
        bad = await http.post("/operator/advance", json={"by": "soon"})
        assert bad.status_code == 400
        moved = await http.post("/operator/advance", json={"by": "+24h"})
        assert moved.json()["settled"] == 3
        assert moved.json()["now"] == 1_800_000_000.0 + DAY
    statuses = {r.external_userid: r.status for r in records}
    assert statuses == {customers[0]: REFUSED, customers[1]: DONE, customers[2]: DONE}
    assert org.follow(successor, customers[1]) is not None
    assert org.follow(successor, customers[0]) is None


async def test_callbacks_go_to_the_app_when_the_operator_knows_where_it_is() -> None:
    sim = _sim()
    received: list[str] = []

    def app(request: httpx.Request) -> httpx.Response:
        received.append(request.url.path)
        return httpx.Response(200, text="success")

    operator = operator_of(sim)
    operator.callback_base = "http://app"
    operator.leave(_leaver(sim))
    async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
        assert await operator.deliver(client) == 1
    assert len(received) == 1
    assert sim.pending_callbacks == []


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    simulator.register(parser.add_subparsers())
    return parser.parse_args(["simulator", *argv])


def test_the_cli_calls_the_simulators_controls(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[str, str, Any]] = []

    def sim(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        status = 400 if body and body.get("userid") == "ghost" else 200
        return httpx.Response(status, json={"ok": status == 200})

    client = httpx.Client(transport=httpx.MockTransport(sim))
    assert cmd_simulator(_args("--url", "http://s", "advance", "+24h"), client) == 0
    assert cmd_simulator(_args("--corp", "wwx", "leave", "ghost"), client) == 1
    assert cmd_simulator(_args("refuse", "wmabc", "--accept"), client) == 0
    assert cmd_simulator(_args("state"), client) == 0
    assert seen == [
        ("POST", "/operator/advance", {"by": "+24h"}),
        ("POST", "/operator/leave", {"corp_id": "wwx", "userid": "ghost"}),
        ("POST", "/operator/refuse", {"external_userid": "wmabc", "refuse": False}),
        ("GET", "/operator", None),
    ]
    assert '"ok": true' in capsys.readouterr().out
    assert request_for(_args("state"))[0] == "GET"


def test_with_several_orgs_the_one_with_an_app_is_meant() -> None:
    sim = _sim()  # its org has a self-built app
    sim.add_org(generate_org(6, customers=5, employees=3, corp_id="wwop0000000002"))
    operator = operator_of(sim)
    assert operator.leave(_leaver(sim)) == "wwop0000000001"
    sim.enable_self_built_app("wwop0000000002")
    with pytest.raises(OperatorError, match="name the org"):
        operator.leave("anyone")
