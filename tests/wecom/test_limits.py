"""WeCom's per-IP call limits and its per-member app-message limit, in the simulator and
in the client's pacing (issue 14, item 8)."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.simulator import (
    CORP_SECRET,
    WECOM,
    corp_token,
    get_json,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_message import dropped_messages, sent_messages
from wecom_app.simulator.generator import generate_org
from wecom_app.wecom.client import WeComClient
from wecom_app.wecom.message import MessageAPI
from wecom_app.wecom.ratelimit import WECOM_MESSAGES_PER_MEMBER, WECOM_PER_IP_API

USERS = "/cgi-bin/department/list"


async def test_the_simulator_counts_one_ip_over_every_corp() -> None:
    sim, org, clock = make_sim(employees=5, customers=10)
    other = sim.add_org(generate_org(12, customers=10, employees=5, corp_id="wwsecondcorp00001"))
    sim.enable_self_built_app(other.corp_id, secret=CORP_SECRET)
    assert (sim.limits.ip_per_minute, sim.limits.ip_per_hour) == WECOM_PER_IP_API
    sim.limits.ip_per_minute = 3  # WeCom's 20,000, made small
    async with wecom_client(sim) as client:
        tokens = [await corp_token(client, org), await corp_token(client, other)]
        answers = [
            (await get_json(client, USERS, access_token=tokens[n % 2]))["errcode"] for n in range(4)
        ]
        # Each corp made two calls, well under its own limit: the IP's third call was
        # the last one allowed.
        assert answers == [0, 0, 0, 45009]
        clock.advance(60)
        assert (await get_json(client, USERS, access_token=tokens[0]))["errcode"] == 0


async def test_the_simulator_drops_app_messages_past_30_a_minute_per_member() -> None:
    sim, org, clock = make_sim(employees=5, customers=10)
    assert org.app is not None
    member = next(iter(org.employees))
    per_minute, _ = WECOM_MESSAGES_PER_MEMBER
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        body = {"touser": member, "msgtype": "text", "agentid": org.app.agent_id}
        for number in range(per_minute + 1):
            text = {"content": f"第 {number} 条"}
            answer = await post_json(
                client, "/cgi-bin/message/send", {**body, "text": text}, access_token=token
            )
            assert answer["errcode"] == 0  # WeCom says nothing about the drop
        assert len(sent_messages(sim, member)) == per_minute
        assert len(dropped_messages(sim, member)) == 1
        clock.advance(60)
        await post_json(
            client,
            "/cgi-bin/message/send",
            {**body, "text": {"content": "later"}},
            access_token=token,
        )
        assert len(sent_messages(sim, member)) == per_minute + 1


class FixedToken:
    def __init__(self, token: str, corp_id: str) -> None:
        self.token, self.corp_id = token, corp_id

    @property
    def param(self) -> str:
        return "access_token"

    @property
    def scope(self) -> str:
        return self.corp_id

    async def get(self) -> str:
        return self.token

    async def invalidate(self, token: str) -> None:
        return None


async def test_the_client_paces_messages_so_none_is_dropped() -> None:
    sim, org, clock = make_sim(employees=5, customers=10)
    assert org.app is not None
    member = next(iter(org.employees))

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    async with wecom_client(sim) as raw:
        token = await corp_token(raw, org)
    client = WeComClient(base_url=WECOM, transport=transport, clock=clock, sleep=sleep)
    try:
        api = MessageAPI(client, FixedToken(token, org.corp_id), org.app.agent_id)
        started = clock()
        for number in range(45):
            await api.send_text([member], f"提醒 {number}")
        assert dropped_messages(sim, member) == []
        assert len(sent_messages(sim, member)) == 45
        assert clock() - started >= 60  # paced below 30 a minute, not sent at once
    finally:
        await client.aclose()
