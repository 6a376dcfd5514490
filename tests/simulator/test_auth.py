"""Credentials: gettoken, the suite flow, token expiry and early invalidation."""

from __future__ import annotations

import re

from tests.support.simulator import (
    CORP_SECRET,
    SUITE_ID,
    SUITE_SECRET,
    add_test_suite,
    corp_token,
    get_json,
    install_suite,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim
from wecom_app.protocol.events import CancelAuth, CreateAuth, SuiteTicket

USER_GET = "/cgi-bin/user/get"


async def test_gettoken_answers_in_wecoms_format() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        body = await get_json(
            client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET
        )
    assert list(body)[:2] == ["errcode", "errmsg"]
    assert body["errcode"] == 0
    assert body["errmsg"] == "ok"
    assert body["expires_in"] == 7200
    assert isinstance(body["access_token"], str)
    assert len(body["access_token"]) > 32


async def test_gettoken_errors() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        cases = {
            41002: {"corpsecret": CORP_SECRET},
            41004: {"corpid": org.corp_id},
            40013: {"corpid": "wwnosuchcorp", "corpsecret": CORP_SECRET},
            40001: {"corpid": org.corp_id, "corpsecret": "wrong"},
        }
        for errcode, params in cases.items():
            body = await get_json(client, "/cgi-bin/gettoken", **params)
            assert body["errcode"] == errcode, (params, body)
            assert re.search(rf"more info at .*\?e={errcode}$", body["errmsg"])


async def test_token_is_reused_while_valid_then_expires_on_the_sim_clock() -> None:
    sim, org, clock = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        clock.advance(3600)
        assert await corp_token(client, org) == token
        again = await get_json(
            client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET
        )
        assert again["expires_in"] == 3600  # what is left of the same token
        userid = next(iter(org.employees))
        ok = await get_json(client, USER_GET, access_token=token, userid=userid)
        assert ok["errcode"] == 0
        clock.advance(3600)
        expired = await get_json(client, USER_GET, access_token=token, userid=userid)
        assert expired["errcode"] == 42001
        fresh = await corp_token(client, org)
        assert fresh != token


async def test_missing_unknown_and_invalidated_tokens() -> None:
    sim, org, _ = make_sim()
    userid = next(iter(org.employees))
    async with wecom_client(sim) as client:
        assert (await get_json(client, USER_GET, userid=userid))["errcode"] == 41001
        unknown = await get_json(client, USER_GET, access_token="nope", userid=userid)
        assert unknown["errcode"] == 40014
        token = await corp_token(client, org)
        assert sim.invalidate_token(token) == 1
        revoked = await get_json(client, USER_GET, access_token=token, userid=userid)
        assert revoked["errcode"] == 40014
        replacement = await corp_token(client, org)
        assert replacement != token
        assert sim.invalidate_token(corp_id=org.corp_id, errcode=42001) == 1
        again = await get_json(client, USER_GET, access_token=replacement, userid=userid)
        assert again["errcode"] == 42001


async def test_suite_flow_from_ticket_to_corp_token() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        suite_token, permanent_code, first_token = await install_suite(sim, client, org)
        pushed = [c.event() for c in sim.pop_callbacks()]
        assert isinstance(pushed[0], SuiteTicket)
        assert pushed[0].suite_id == SUITE_ID
        assert isinstance(pushed[1], CreateAuth)
        assert pushed[1].state == "from-test"

        pre = await get_json(
            client, "/cgi-bin/service/get_pre_auth_code", suite_access_token=suite_token
        )
        assert pre["errcode"] == 0
        assert pre["expires_in"] == 1200
        session = await post_json(
            client,
            "/cgi-bin/service/set_session_info",
            {"pre_auth_code": pre["pre_auth_code"], "session_info": {"appid": [], "auth_type": 1}},
            suite_access_token=suite_token,
        )
        assert session == {"errcode": 0, "errmsg": "ok"}

        info = await post_json(
            client,
            "/cgi-bin/service/get_auth_info",
            {"auth_corpid": org.corp_id, "permanent_code": permanent_code},
            suite_access_token=suite_token,
        )
        assert info["auth_corp_info"]["corpid"] == org.corp_id
        assert info["auth_corp_info"]["corp_name"] == org.name
        agent = info["auth_info"]["agent"][0]
        assert isinstance(agent["agentid"], int)
        assert "allow_party" in agent["privilege"]

        corp = await post_json(
            client,
            "/cgi-bin/service/get_corp_token",
            {"auth_corpid": org.corp_id, "permanent_code": permanent_code},
            suite_access_token=suite_token,
        )
        assert corp["errcode"] == 0
        assert corp["access_token"] == first_token
        user = await get_json(
            client, USER_GET, access_token=corp["access_token"], userid=next(iter(org.employees))
        )
        assert user["errcode"] == 0


async def test_permanent_code_response_shape() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        ticket = sim.push_suite_ticket(SUITE_ID)
        suite = await post_json(
            client,
            "/cgi-bin/service/get_suite_token",
            {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": ticket},
        )
        code = sim.authorize(SUITE_ID, org.corp_id, state="s1")
        body = await post_json(
            client,
            "/cgi-bin/service/get_permanent_code",
            {"auth_code": code},
            suite_access_token=suite["suite_access_token"],
        )
    assert {"access_token", "expires_in", "permanent_code", "auth_corp_info", "auth_info"} <= set(
        body
    )
    assert body["state"] == "s1"
    installer = body["auth_user_info"]
    assert installer["userid"] in org.employees
    assert installer["open_userid"] == org.employees[installer["userid"]].open_userid


async def test_suite_token_errors() -> None:
    sim, _, clock = make_sim()
    add_test_suite(sim)
    ticket = sim.push_suite_ticket(SUITE_ID)
    path = "/cgi-bin/service/get_suite_token"
    good = {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": ticket}
    async with wecom_client(sim) as client:
        for errcode, change in (
            (41021, {"suite_id": ""}),
            (40083, {"suite_id": "wwnosuchsuite"}),
            (40080, {"suite_secret": "wrong"}),
            (40085, {"suite_ticket": "stale-or-made-up"}),
        ):
            body = await post_json(client, path, {**good, **change})
            assert body["errcode"] == errcode, (change, body)
        token = (await post_json(client, path, good))["suite_access_token"]
        pre = "/cgi-bin/service/get_pre_auth_code"
        assert (await get_json(client, pre))["errcode"] == 41022
        assert (await get_json(client, pre, suite_access_token="bad"))["errcode"] == 40082
        clock.advance(7200)
        assert (await get_json(client, pre, suite_access_token=token))["errcode"] == 42009
        # the ticket is 2 hours old now: valid for 30 minutes only
        assert (await post_json(client, path, good))["errcode"] == 40085


async def test_older_ticket_stays_valid_for_thirty_minutes() -> None:
    sim, _, clock = make_sim()
    add_test_suite(sim)
    first = sim.push_suite_ticket(SUITE_ID)
    sim.advance(600)  # the next push happens on its own
    suite = sim.world.suites[SUITE_ID]
    assert len(suite.tickets) == 2
    assert suite.current_ticket not in ("", first)
    assert sim.ticket_is_valid(SUITE_ID, first)
    clock.advance(1200)
    assert not sim.ticket_is_valid(SUITE_ID, first)
    tickets = [c.event() for c in sim.pop_callbacks()]
    assert [type(t) for t in tickets] == [SuiteTicket, SuiteTicket]


async def test_auth_code_is_single_use_and_short_lived() -> None:
    sim, org, clock = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        suite_token, _, _ = await install_suite(sim, client, org)
        used = next(iter(sim.world.auth_codes))
        reuse = await post_json(
            client,
            "/cgi-bin/service/get_permanent_code",
            {"auth_code": used},
            suite_access_token=suite_token,
        )
        assert reuse["errcode"] == 40078
        sim.cancel_authorization(SUITE_ID, org.corp_id)
        late = sim.authorize(SUITE_ID, org.corp_id)
        clock.advance(601)
        ticket = sim.push_suite_ticket(SUITE_ID)
        fresh = await post_json(
            client,
            "/cgi-bin/service/get_suite_token",
            {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": ticket},
        )
        expired = await post_json(
            client,
            "/cgi-bin/service/get_permanent_code",
            {"auth_code": late},
            suite_access_token=fresh["suite_access_token"],
        )
        assert expired["errcode"] == 40078
        missing = await post_json(
            client,
            "/cgi-bin/service/get_permanent_code",
            {},
            suite_access_token=fresh["suite_access_token"],
        )
        assert missing["errcode"] == 41008


async def test_pre_auth_code_errors_and_link_install() -> None:
    sim, org, clock = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        ticket = sim.push_suite_ticket(SUITE_ID)
        suite_token = (
            await post_json(
                client,
                "/cgi-bin/service/get_suite_token",
                {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": ticket},
            )
        )["suite_access_token"]
        set_info = "/cgi-bin/service/set_session_info"
        unknown = await post_json(
            client, set_info, {"pre_auth_code": "x"}, suite_access_token=suite_token
        )
        assert unknown["errcode"] == 40077
        pre = (
            await get_json(
                client, "/cgi-bin/service/get_pre_auth_code", suite_access_token=suite_token
            )
        )["pre_auth_code"]
        sim.pop_callbacks()
        code = sim.install_from_link(pre, org.corp_id, state="site")
        assert sim.pending_callbacks == []  # installs from the provider's site are not pushed
        assert code in sim.world.auth_codes
        clock.advance(1201)
        expired = await post_json(
            client, set_info, {"pre_auth_code": pre}, suite_access_token=suite_token
        )
        assert expired["errcode"] == 42007


async def test_cancelled_authorisation_kills_tokens_and_permanent_code() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        suite_token, permanent_code, corp = await install_suite(sim, client, org)
        sim.pop_callbacks()
        sim.cancel_authorization(SUITE_ID, org.corp_id)
        (cancel,) = [c.event() for c in sim.pop_callbacks()]
        assert isinstance(cancel, CancelAuth)
        assert cancel.corp_id == org.corp_id
        body = await post_json(
            client,
            "/cgi-bin/service/get_corp_token",
            {"auth_corpid": org.corp_id, "permanent_code": permanent_code},
            suite_access_token=suite_token,
        )
        assert body["errcode"] == 40084
        dead = await get_json(client, USER_GET, access_token=corp, userid="anyone")
        assert dead["errcode"] == 40014
        wrong = await post_json(
            client,
            "/cgi-bin/service/get_auth_info",
            {"auth_corpid": org.corp_id, "permanent_code": "made-up"},
            suite_access_token=suite_token,
        )
        assert wrong["errcode"] == 40084
