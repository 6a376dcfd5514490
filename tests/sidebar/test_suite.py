"""The sidebar in an org that installed our third-party suite (issue 6, identity).

Sign-in goes WeCom's third-party way: the authorize link names the *suite* as appid, and
the code is exchanged with ``service/auth/getuserinfo3rd`` (suite token), which says
which corp the member belongs to. The JS-SDK parameters for that org are signed with
tickets fetched with the org's corp token from ``service/get_corp_token``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import TEST_CORP_ID, TEST_SUITE_ID, FakeClock
from tests.support.consoles import APP, Browser, ConsoleWorld, console_world
from tests.support.sidebar import assert_wecom_accepts_jsconfig
from wecom_app.kv import KV
from wecom_app.simulator.api_jsapi import jsapi_state


@pytest.fixture
async def world(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[ConsoleWorld]:
    async with console_world(tmp_path, database, kv, clock, PUBLIC_URL=APP) as built:
        yield built


async def sidebar_sign_in(browser: Browser, corp_id: str, userid: str) -> str:
    """Our login → WeCom's (simulated) page, pick ``userid`` → our callback; returns
    where the callback sent the browser."""
    start = await browser.get("/sidebar/login", params={"corp": corp_id})
    assert start.status_code == 302, start.text
    wecom_url = start.headers["location"]
    query = parse_qs(urlsplit(wecom_url).query)
    assert query["appid"] == [TEST_SUITE_ID]
    assert query["scope"] == ["snsapi_base"]
    back = await browser.pick(wecom_url, userid)
    done = await browser.follow(back)
    assert done.status_code == 302, done.text
    return done.headers["location"]


async def test_a_suite_member_signs_in_with_getuserinfo3rd(world: ConsoleWorld) -> None:
    member = world.members(world.org_b)[1]
    async with world.browser() as browser:
        assert await sidebar_sign_in(browser, world.corp_b.corp_id, member) == "/sidebar/"
        me = (await browser.get("/sidebar/api/session")).json()
        assert (me["corp_id"], me["userid"]) == (world.corp_b.corp_id, member)
    assert world.sim.calls["/cgi-bin/service/auth/getuserinfo3rd"] == 1
    assert world.sim.calls.get("/cgi-bin/auth/getuserinfo", 0) == 0


async def test_a_suite_tenant_gets_config_signed_with_its_own_tickets(
    world: ConsoleWorld,
) -> None:
    member = world.members(world.org_b)[0]
    async with world.browser() as browser:
        await sidebar_sign_in(browser, world.corp_b.corp_id, member)
        page = f"{APP}/sidebar/?corp={world.corp_b.corp_id}"
        answer = await browser.get("/sidebar/api/jsconfig", params={"url": page})
        assert answer.status_code == 200, answer.text
    cfg = answer.json()
    c, a = cfg["config"], cfg["agentConfig"]
    assert c["appId"] == world.corp_b.corp_id
    assert a["corpid"] == world.corp_b.corp_id
    assert a["agentid"] == world.corp_b.agent_id
    state = jsapi_state(world.sim)
    assert_wecom_accepts_jsconfig(world.sim, world.corp_b.corp_id, page, cfg, a["agentid"])
    # Corp A's tickets do not sign corp B's page (tickets are per corp).
    assert (
        state.check(
            "config", TEST_CORP_ID, page, c["nonceStr"], str(c["timestamp"]), c["signature"]
        )
        != 0
    )
    assert world.sim.calls["/cgi-bin/service/get_corp_token"] >= 1


async def test_a_session_for_one_org_is_not_used_for_another(world: ConsoleWorld) -> None:
    member = world.members(world.org_b)[0]
    async with world.browser() as browser:
        await sidebar_sign_in(browser, world.corp_b.corp_id, member)
        # Asking for the page of another org sends the browser to sign in there.
        other = await browser.get("/sidebar/", params={"corp": TEST_CORP_ID})
        assert other.status_code == 302
        assert other.headers["location"].startswith("/sidebar/login?")
        assert f"corp={TEST_CORP_ID}" in other.headers["location"]
