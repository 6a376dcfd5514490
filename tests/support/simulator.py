"""Helpers shared by the simulator tests (no tests of its own).

Every test builds its own small world with :func:`tests.support.world.make_sim`: a
seeded org with a self-built app whose callback credentials are the test ones, on a
:class:`SimClock`, served in-process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.conftest import TEST_SUITE_AES_KEY, TEST_SUITE_TOKEN
from tests.support.world import SIM_CORP_SECRET
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org, Suite

WECOM = "https://qyapi.weixin.qq.com"
CORP_SECRET = SIM_CORP_SECRET
SUITE_SECRET = "suite-secret-for-simulator-tests"
SUITE_ID = "wwsuitesim0000001"


def add_test_suite(sim: Simulator) -> Suite:
    return sim.add_suite(
        SUITE_ID, secret=SUITE_SECRET, token=TEST_SUITE_TOKEN, aes_key=TEST_SUITE_AES_KEY
    )


@asynccontextmanager
async def wecom_client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url=WECOM) as client:
        yield client


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def post_json(
    client: httpx.AsyncClient, path: str, payload: dict[str, Any], **params: Any
) -> dict[str, Any]:
    response = await client.post(path, params=params, json=payload)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def corp_token(client: httpx.AsyncClient, org: Org) -> str:
    body = await get_json(client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET)
    assert body["errcode"] == 0, body
    token: str = body["access_token"]
    return token


async def install_suite(
    sim: Simulator, client: httpx.AsyncClient, org: Org
) -> tuple[str, str, str]:
    """Run the whole third-party install; returns (suite token, permanent code, corp token)."""
    ticket = sim.push_suite_ticket(SUITE_ID)
    body = await post_json(
        client,
        "/cgi-bin/service/get_suite_token",
        {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": ticket},
    )
    suite_token: str = body["suite_access_token"]
    auth_code = sim.authorize(SUITE_ID, org.corp_id, state="from-test")
    body = await post_json(
        client,
        "/cgi-bin/service/get_permanent_code",
        {"auth_code": auth_code},
        suite_access_token=suite_token,
    )
    assert body["errcode"] == 0, body
    return suite_token, body["permanent_code"], body["access_token"]
