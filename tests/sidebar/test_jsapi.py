"""JS-SDK signatures and tickets: the official vector, the client's cache, the simulator.

The signature is checked against WeChat's published example (shared/vectors); the
ticket client against the simulator, which enforces WeCom's hourly fetch limits and
tells whether the client would accept a signature.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import SECRET_KEY, VECTORS
from wecom_app.kv import KV
from wecom_app.protocol import jsapi
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_jsapi import jsapi_state
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import SimClock
from wecom_app.wecom import (
    AuthorizedCorpTokenProvider,
    CorpTokenProvider,
    RateLimited,
    ServiceAPI,
    SuiteTokenProvider,
    WeComClient,
)
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom.jsapi import AGENT_TICKET_PATH, CORP_TICKET_PATH, JsapiAPI, JsapiTickets

CORP_SECRET = "corp-secret-for-jsapi-tests"
PAGE = "https://sidebar.example.cn/sidebar/?corp=ww1"


def _vectors() -> list[dict[str, str]]:
    data = json.loads((VECTORS / "jsapi_signature.json").read_text())
    vectors: list[dict[str, str]] = data["vectors"]
    assert vectors, "the vector file lists no vectors"
    return vectors


# -- the sans-I/O signature ---------------------------------------------------------------


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["source"])
def test_signature_matches_the_official_vector(vector: dict[str, str]) -> None:
    got = jsapi.signature(
        vector["jsapi_ticket"], vector["noncestr"], vector["timestamp"], vector["url"]
    )
    assert got == vector["signature"]
    assert jsapi.verify(
        vector["jsapi_ticket"], vector["noncestr"], vector["timestamp"], vector["url"], got
    )


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["source"])
def test_the_fragment_is_not_signed_but_everything_else_is(vector: dict[str, str]) -> None:
    ticket, nonce, ts, url = (
        vector["jsapi_ticket"],
        vector["noncestr"],
        vector["timestamp"],
        vector["url"],
    )
    assert jsapi.signature(ticket, nonce, ts, url + "#/customer/wm1") == vector["signature"]
    assert jsapi.page_url(url + "#a#b") == url
    # Any other change to the inputs changes the signature.
    assert jsapi.signature(ticket, nonce, ts, url + "&x=1") != vector["signature"]
    assert jsapi.signature(ticket, nonce + "x", ts, url) != vector["signature"]
    assert jsapi.signature(ticket, nonce, str(int(ts) + 1), url) != vector["signature"]
    assert jsapi.signature(ticket + "x", nonce, ts, url) != vector["signature"]
    assert not jsapi.verify(ticket, nonce, ts, url, "0" * 40)


def test_sign_page_uses_the_given_time_and_a_fresh_nonce() -> None:
    first = jsapi.sign_page("T", PAGE + "#frag", timestamp=1_700_000_000)
    second = jsapi.sign_page("T", PAGE, timestamp=1_700_000_000)
    assert first.url == PAGE
    assert first.timestamp == 1_700_000_000
    assert re.fullmatch(r"[A-Za-z0-9]{16}", first.noncestr)
    assert first.noncestr != second.noncestr
    assert first.signature == jsapi.signature("T", first.noncestr, 1_700_000_000, PAGE)


# -- tickets against the simulator ---------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.clock = SimClock(1_700_000_000.0)
        self.sim = Simulator(clock=self.clock, seed=11)
        self.org = self.sim.add_org(generate_org(11, customers=20, employees=5))
        self.app = self.sim.enable_self_built_app(self.org.corp_id, secret=CORP_SECRET)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def client(world: World) -> AsyncIterator[WeComClient]:
    wecom = WeComClient(transport=httpx.ASGITransport(app=create_simulator_app(world.sim)))
    yield wecom
    await wecom.aclose()


@pytest.fixture
def tokens(world: World, client: WeComClient, kv: KV) -> CorpTokenProvider:
    return CorpTokenProvider(
        client,
        kv,
        SecretBox(SECRET_KEY),
        corp_id=world.org.corp_id,
        corp_secret=CORP_SECRET,
        clock=world.clock,
    )


def tickets_for(world: World, client: WeComClient, kv: KV, **options: int) -> JsapiTickets:
    return JsapiTickets(client, kv, SecretBox(SECRET_KEY), clock=world.clock, **options)


async def test_signatures_from_our_tickets_are_accepted_by_the_simulator(
    world: World, client: WeComClient, kv: KV, tokens: CorpTokenProvider
) -> None:
    tickets = tickets_for(world, client, kv)
    agent_id = str(world.app.agent_id)
    corp_ticket = await tickets.corp(tokens, world.org.corp_id, agent_id).get()
    agent_ticket = await tickets.agent(tokens, world.org.corp_id, agent_id).get()
    assert corp_ticket != agent_ticket
    state = jsapi_state(world.sim)
    ts = int(world.clock())

    config = jsapi.sign_page(corp_ticket, PAGE, timestamp=ts)
    agent = jsapi.sign_page(agent_ticket, PAGE, timestamp=ts)
    corp_id = world.org.corp_id
    assert state.check("config", corp_id, PAGE, config.noncestr, str(ts), config.signature) == 0
    assert (
        state.check(
            "agent_config", corp_id, PAGE, agent.noncestr, str(ts), agent.signature, agent_id
        )
        == 0
    )
    # The corp ticket in wx.agentConfig is WeCom's 42012; a wrong URL is 40093.
    assert (
        state.check(
            "agent_config", corp_id, PAGE, config.noncestr, str(ts), config.signature, agent_id
        )
        == 42012
    )
    other = PAGE.replace("corp=ww1", "corp=ww2")
    assert state.check("config", corp_id, other, config.noncestr, str(ts), config.signature) == (
        40093
    )


async def test_tickets_are_fetched_once_and_shared_through_the_kv_store(
    world: World, client: WeComClient, kv: KV, tokens: CorpTokenProvider
) -> None:
    agent_id = str(world.app.agent_id)
    first = tickets_for(world, client, kv)
    results = await asyncio.gather(
        *(first.corp(tokens, world.org.corp_id, agent_id).get() for _ in range(20))
    )
    assert len(set(results)) == 1
    assert world.sim.calls[CORP_TICKET_PATH] == 1
    # Another process (another JsapiTickets over the same KV store) reads the cache.
    second = tickets_for(world, client, kv)
    assert await second.corp(tokens, world.org.corp_id, agent_id).get() == results[0]
    assert world.sim.calls[CORP_TICKET_PATH] == 1
    # Sealed at rest: the KV store never holds the ticket in plaintext.
    raw = await kv.get(f"jsapi-ticket:corp:{world.org.corp_id}:{agent_id}")
    assert raw is not None
    assert results[0].encode() not in raw


async def test_an_expired_ticket_is_fetched_again(
    world: World, client: WeComClient, kv: KV, tokens: CorpTokenProvider
) -> None:
    tickets = tickets_for(world, client, kv)
    provider = tickets.agent(tokens, world.org.corp_id, str(world.app.agent_id))
    old = await provider.get()
    world.clock.advance(7200)  # the token expired too; both are fetched again
    new = await provider.get()
    assert new != old
    assert world.sim.calls[AGENT_TICKET_PATH] == 2


async def test_our_hourly_budget_stops_fetches_before_wecom_would(
    world: World, client: WeComClient, kv: KV, tokens: CorpTokenProvider
) -> None:
    tickets = tickets_for(world, client, kv, app_budget=2)
    provider = tickets.agent(tokens, world.org.corp_id, str(world.app.agent_id))
    for _ in range(2):
        await provider.invalidate(await provider.get())
    with pytest.raises(RateLimited):
        await provider.get()
    assert world.sim.calls[AGENT_TICKET_PATH] == 2  # the third never reached WeCom
    world.clock.advance(3600)  # a new hour, a new budget
    assert await provider.get()


async def test_the_simulator_enforces_wecoms_hourly_limit(
    world: World, client: WeComClient, tokens: CorpTokenProvider
) -> None:
    api = JsapiAPI(client, tokens)
    for _ in range(100):
        await api.get_agent_ticket()
    with pytest.raises(RateLimited) as raised:
        await api.get_agent_ticket()
    assert raised.value.errcode == 45009
    # The corp ticket has its own count: 400 per corp, at most 100 through one app.
    for _ in range(100):
        await api.get_corp_ticket()
    with pytest.raises(RateLimited):
        await api.get_corp_ticket()
    assert jsapi_state(world.sim).fetch_count(f"corp:{world.org.corp_id}") == 100


async def test_the_simulator_refuses_a_ticket_request_without_the_type(
    world: World, client: WeComClient, tokens: CorpTokenProvider
) -> None:
    with pytest.raises(WeComError) as raised:
        await client.get(AGENT_TICKET_PATH, {"type": "jsapi"}, token=tokens)
    assert raised.value.errcode == 40058


async def test_a_third_party_tenant_gets_tickets_with_its_corp_token(
    world: World, client: WeComClient, kv: KV
) -> None:
    sim, org, box = world.sim, world.org, SecretBox(SECRET_KEY)
    suite_id, suite_secret = "wwsuitejsapi00001", "suite-secret-jsapi"
    sim.add_suite(suite_id, secret=suite_secret)
    ticket = sim.push_suite_ticket(suite_id)

    async def suite_ticket() -> str:
        return ticket

    suite = SuiteTokenProvider(
        client, kv, box, suite_id=suite_id, suite_secret=suite_secret, suite_ticket=suite_ticket
    )
    service = ServiceAPI(client, suite)
    pre = await service.get_pre_auth_code()
    installed = await service.get_permanent_code(sim.install_from_link(pre.pre_auth_code, org))
    corp_tokens = AuthorizedCorpTokenProvider(
        client,
        kv,
        box,
        suite=suite,
        auth_corpid=org.corp_id,
        permanent_code=installed.permanent_code,
    )
    agent_id = str(installed.agents[0].agentid)
    tickets = JsapiTickets(client, kv, box, clock=world.clock)
    corp_ticket = await tickets.corp(corp_tokens, org.corp_id, agent_id).get()
    agent_ticket = await tickets.agent(corp_tokens, org.corp_id, agent_id).get()
    ts = int(world.clock())
    signed = jsapi.sign_page(agent_ticket, PAGE, timestamp=ts)
    state = jsapi_state(sim)
    assert (
        state.check(
            "agent_config", org.corp_id, PAGE, signed.noncestr, str(ts), signed.signature, agent_id
        )
        == 0
    )
    config = jsapi.sign_page(corp_ticket, PAGE, timestamp=ts)
    assert state.check("config", org.corp_id, PAGE, config.noncestr, str(ts), config.signature) == 0
    assert state.fetch_count(f"agent:{org.corp_id}:suite:{suite_id}") == 1
