"""Issue 16 (trust), the consoles: a sign-in code is exchanged once, sign-in starts and
callbacks are throttled, long-but-well-formed values are 4xx (never a 500)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.consoles import (
    Browser,
    ConsoleWorld,
)
from wecom_app import signin_guard
from wecom_app.store.directory import ConsoleRole

USERINFO = "/cgi-bin/auth/getuserinfo"


async def test_a_code_is_exchanged_at_most_once(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        back = await browser.pick(await browser.start_sign_in(world.app_a), world.admin_a)
        assert (await browser.follow(back)).status_code == 303
        code = parse_qs(urlsplit(back).query)["code"][0]
        before = world.sim.calls[USERINFO]
        fresh = await browser.start_sign_in(world.app_a)  # a valid new state, the old code
        state = parse_qs(urlsplit(fresh).query)["state"][0]
        again = await browser.get(
            "/console/oauth/callback?" + urlencode({"code": code, "state": state})
        )
        assert again.status_code == 400
        assert world.sim.calls[USERINFO] == before


async def test_sign_in_starts_and_callbacks_are_throttled(world: ConsoleWorld) -> None:
    limit = signin_guard.DEFAULT_LIMITS.per_ip
    async with world.browser() as browser:
        starts = [
            (await browser.get("/console/login/start", params={"app": world.app_a})).status_code
            for _ in range(limit + 2)
        ]
        assert starts[:limit] == [302] * limit
        assert starts[limit:] == [429, 429]
        callbacks = [
            (await browser.get("/console/oauth/callback?code=x&state=y")).status_code
            for _ in range(limit + 1)
        ]
        assert callbacks[-1] == 429
        world.clock.advance(signin_guard.WINDOW_S * 2)
        assert (
            await browser.get("/console/login/start", params={"app": world.app_a})
        ).status_code == 302


async def _admin(world: ConsoleWorld, browser: Browser) -> str:
    for role in ("admin", "compliance"):
        await ConsoleRole.get_or_create(corp=world.corp_a, userid=world.admin_a, role=role)
    assert (await browser.sign_in(world.app_a, world.admin_a)).status_code == 303
    return await browser.csrf("/console/")


async def test_long_values_are_4xx(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        for path in (
            "/console/login?corp=" + "c" * 65,
            "/console/login/start?app=corp:" + "c" * 65,
        ):
            answer = await browser.get(path)
            assert 200 <= answer.status_code < 500, (path, answer.status_code)
        token = await _admin(world, browser)
        plans = await browser.get("/console/api/transfers/plans", params={"status": "s" * 300})
        assert plans.status_code == 400, plans.text
        member = world.members(world.org_a, skip=(world.admin_a,))[0]
        roles = await browser.post(
            "/console/roles",
            data={
                "csrf_token": token,
                "userid": member,
                "role": "manager",
                "scope_userids": "u" * 300,
            },
        )
        assert roles.status_code == 400, roles.text
        rule = await browser.post(
            "/console/compliance/api/rules",
            json={"name": "r", "kind": "words", "pattern": "x", "notify": ["n" * 300]},
            headers={"X-CSRF-Token": token},
        )
        assert rule.status_code == 400, rule.text
