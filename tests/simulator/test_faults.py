"""Fault injection, rate limits, call counting and the server's own edges."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.simulator import corp_token, get_json, post_json, wecom_client
from tests.support.world import make_sim
from wecom_app.simulator.simulator import Simulator

USER_GET = "/cgi-bin/user/get"
GROUPCHAT_LIST = "/cgi-bin/externalcontact/groupchat/list"


async def test_fail_next_answers_the_errcode_the_given_number_of_times() -> None:
    sim, org, _ = make_sim()
    userid = next(iter(org.employees))
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        sim.faults.fail_next(USER_GET, errcode=-1, times=2)
        answers = [
            (await get_json(client, USER_GET, access_token=token, userid=userid))["errcode"]
            for _ in range(3)
        ]
    assert answers == [-1, -1, 0]
    assert sim.calls[USER_GET] == 3


async def test_fail_next_on_any_path_and_custom_errmsg() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        sim.faults.fail_next("*", errcode=45033, errmsg="api concurrent out of limit")
        body = await get_json(
            client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret="irrelevant"
        )
    assert body["errcode"] == 45033
    assert body["errmsg"].startswith("api concurrent out of limit, hint: [")


async def test_http_error_and_delay() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        sim.faults.http_error_next(USER_GET, status=502)
        response = await client.get(USER_GET, params={"access_token": token, "userid": "x"})
        assert response.status_code == 502
        sim.faults.delay_next(USER_GET, seconds=0.3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await get_json(client, USER_GET, access_token=token, userid="x")
        assert loop.time() - started >= 0.3


async def test_delay_trips_a_client_timeout() -> None:
    sim, org, _ = make_sim()
    sim.faults.delay_next("/cgi-bin/gettoken", seconds=5)
    async with wecom_client(sim) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.get("/cgi-bin/gettoken", params={"corpid": org.corp_id})


async def test_repeat_cursor_hands_back_the_cursor_that_was_sent() -> None:
    sim, org, _ = make_sim(customers=2000)
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        first = await post_json(client, GROUPCHAT_LIST, {"limit": 5}, access_token=token)
        sim.faults.repeat_cursor(GROUPCHAT_LIST, times=2)
        cursor = first["next_cursor"]
        for _ in range(2):
            stuck = await post_json(
                client, GROUPCHAT_LIST, {"limit": 5, "cursor": cursor}, access_token=token
            )
            assert stuck["next_cursor"] == cursor
        moving = await post_json(
            client, GROUPCHAT_LIST, {"limit": 5, "cursor": cursor}, access_token=token
        )
        assert moving["next_cursor"] not in ("", cursor)


async def test_rate_limit_blocks_for_a_minute_per_corp_and_api() -> None:
    sim, org, clock = make_sim()
    sim.limits.per_path_per_minute[USER_GET] = 5
    userid = next(iter(org.employees))
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)

        async def user_get() -> int:
            body = await get_json(client, USER_GET, access_token=token, userid=userid)
            errcode: int = body["errcode"]
            return errcode

        assert [await user_get() for _ in range(6)] == [0, 0, 0, 0, 0, 45009]
        other = await get_json(client, "/cgi-bin/department/list", access_token=token)
        assert other["errcode"] == 0  # limits are per API
        clock.advance(59)
        assert await user_get() == 45009
        clock.advance(2)
        assert await user_get() == 0


async def test_default_limits_are_wecoms() -> None:
    sim = Simulator()
    assert (sim.limits.per_minute, sim.limits.per_hour) == (10_000, 150_000)
    for _ in range(10_000):
        assert sim.limits.allow("wwcorp", USER_GET)
    assert not sim.limits.allow("wwcorp", USER_GET)
    assert sim.limits.allow("wwothercorp", USER_GET)


async def test_hourly_limit_blocks_for_an_hour() -> None:
    sim, _, clock = make_sim()
    sim.limits.per_hour = 3
    assert [sim.limits.allow("c", "/p") for _ in range(4)] == [True, True, True, False]
    clock.advance(3599)
    assert not sim.limits.allow("c", "/p")
    clock.advance(2)
    assert sim.limits.allow("c", "/p")


async def test_unknown_path_bad_json_and_wrong_method_answer_json() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        missing = await client.get("/cgi-bin/no/such/api")
        assert missing.status_code == 404
        assert "errcode" in missing.json()
        wrong_method = await client.get(GROUPCHAT_LIST, params={"access_token": token})
        assert wrong_method.status_code == 405
        assert "errcode" in wrong_method.json()
        bad = await client.post(
            GROUPCHAT_LIST, params={"access_token": token}, content=b"{not json"
        )
        assert bad.status_code == 200
        assert bad.json()["errcode"] == 40058
        not_object = await client.post(GROUPCHAT_LIST, params={"access_token": token}, json=[1])
        assert not_object.json()["errcode"] == 40058


async def test_calls_are_counted_per_path() -> None:
    sim, org, _ = make_sim()
    async with wecom_client(sim) as client:
        token = await corp_token(client, org)
        for _ in range(3):
            await get_json(client, "/cgi-bin/department/list", access_token=token)
        await get_json(client, "/cgi-bin/department/list")  # rejected calls count too
    assert sim.calls["/cgi-bin/gettoken"] == 1
    assert sim.calls["/cgi-bin/department/list"] == 4


async def test_the_app_can_be_served_over_a_real_socket() -> None:
    """The demo serves the simulator with uvicorn; a client over TCP sees the same API."""
    import uvicorn

    sim, org, _ = make_sim()
    from wecom_app.simulator.api import create_simulator_app

    server = uvicorn.Server(
        uvicorn.Config(create_simulator_app(sim), host="127.0.0.1", port=0, log_level="error")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            token = await corp_token(client, org)
            body = await get_json(client, "/cgi-bin/department/list", access_token=token)
        assert body["errcode"] == 0
    finally:
        server.should_exit = True
        await serving
