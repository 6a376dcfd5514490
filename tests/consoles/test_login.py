"""Signing in to the console through (simulated) WeCom, sessions, CSRF and role guards.

Every sign-in here goes the whole way: our login link → the simulator's sign-in page
(pick a member) → WeCom's redirect with ``code`` and ``state`` → our callback, which
exchanges the code with the simulator (``auth/getuserinfo`` for the self-built org,
``service/auth/getuserinfo3rd`` for the suite-installed one).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from itsdangerous import URLSafeSerializer
from starlette.responses import Response

from sidebar.session import OAUTH_COOKIE, SESSION_COOKIE
from tests.conftest import TEST_SUITE_ID
from tests.support.consoles import (
    Browser,
    ConsoleWorld,
    console_routes,
)
from wecom_app.config import ConfigError, Settings
from wecom_app.consoles import web
from wecom_app.consoles.auth import sign_in_hosts
from wecom_app.simulator.generator import generate_org
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee

COOKIE = web.CONSOLE_COOKIE
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


async def me(browser: Browser) -> httpx.Response:
    return await browser.get("/console/api/me")


def cookie_header(response: httpx.Response) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(headers) == 1, headers
    return headers[0]


# -- sign-in end to end ------------------------------------------------------------------


async def test_qr_sign_in_to_the_self_built_org(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        wecom_url = await browser.start_sign_in(world.app_a, via="qr")
        target = urlsplit(wecom_url)
        assert target.path == "/wwlogin/sso/login"
        query = parse_qs(target.query)
        assert query["login_type"] == ["CorpApp"]
        assert query["appid"] == [world.org_a.corp_id]
        assert query["agentid"] == ["1000002"]
        assert query["redirect_uri"] == ["http://127.0.0.1:8000/console/oauth/callback"]
        state = query["state"][0]
        assert state.isalnum()
        assert len(state) <= 128
        back = await browser.pick(wecom_url, world.admin_a)
        done = await browser.follow(back)
        assert done.status_code == 303
        assert done.headers["location"] == "/console/"
        flags = cookie_header(done).lower()
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert "path=/console" in flags
        assert "secure" not in flags  # PUBLIC_URL is http here; https turns Secure on
        who = (await me(browser)).json()
        assert who == {
            "corp_id": world.org_a.corp_id,
            "corp_name": "甲公司",
            "userid": world.admin_a,
            "name": world.org_a.employees[world.admin_a].name,
            "roles": ["admin"],
        }
        page = await browser.get("/console/")
        assert page.status_code == 200
        assert "甲公司" in page.text
        assert "Sign out" in page.text


async def test_in_client_oauth_sign_in_to_a_suite_tenant(world: ConsoleWorld) -> None:
    async with world.browser(user_agent="Mozilla/5.0 wxwork/4.1.0 MicroMessenger") as browser:
        login = await browser.get("/console/login")
        assert "Continue in WeCom" in login.text
        wecom_url = await browser.start_sign_in("suite", via="oauth")
        target = urlsplit(wecom_url)
        assert target.path == "/connect/oauth2/authorize"
        assert target.fragment == "wechat_redirect"
        query = parse_qs(target.query)
        assert query["appid"] == [TEST_SUITE_ID]
        assert query["scope"] == ["snsapi_base"]
        done = await browser.follow(await browser.pick(wecom_url, world.admin_b))
        assert done.status_code == 303
        who = (await me(browser)).json()
        assert (who["corp_id"], who["userid"], who["roles"]) == (
            world.corp_b.corp_id,
            world.admin_b,
            ["admin"],
        )


async def test_member_without_a_role_sees_no_access(world: ConsoleWorld) -> None:
    member = world.members(world.org_b, skip=(world.admin_b,))[0]
    async with world.signed_in("suite", member) as browser:
        page = await browser.get("/console/")
        assert page.status_code == 403
        assert "No access" in page.text
        assert "no role" in page.text
        assert (await me(browser)).json()["roles"] == []
        assert (await browser.get("/console/roles")).status_code == 403


async def test_org_not_installed_cannot_sign_in(world: ConsoleWorld) -> None:
    stranger = world.sim.add_org(generate_org(21, customers=1, employees=2))
    world.sim.authorize(TEST_SUITE_ID, stranger.corp_id, push=False)  # no Corp row for us
    async with world.browser() as browser:
        done = await browser.sign_in("suite", next(iter(stranger.employees)))
        assert done.status_code == 403
        assert "has not installed" in done.text
        assert (await me(browser)).status_code == 401


async def test_resigned_member_has_no_role(world: ConsoleWorld) -> None:
    await Employee.filter(corp=world.corp_a, userid=world.admin_a).update(status="resigned")
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        assert (await browser.get("/console/")).status_code == 403


async def test_next_stays_on_our_site(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        page = await browser.get("/console/roles")
        assert page.status_code == 303
        assert page.headers["location"] == "/console/login?next=%2Fconsole%2Froles"
        wecom_url = await browser.start_sign_in(world.app_a, next_path="/console/roles")
        done = await browser.follow(await browser.pick(wecom_url, world.admin_a))
        assert done.headers["location"] == "/console/roles"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/other"):
        async with world.browser() as browser:
            wecom_url = await browser.start_sign_in(world.app_a, next_path=evil)
            done = await browser.follow(await browser.pick(wecom_url, world.admin_a))
            assert done.headers["location"] == "/console/", evil


# -- login CSRF: the state -----------------------------------------------------------------


async def test_state_is_bound_to_the_browser_that_started(world: ConsoleWorld) -> None:
    async with world.browser() as victim, world.browser() as attacker:
        # The attacker starts a sign-in as themself and gets the victim to open the
        # redirect: the victim's browser did not start it, so nobody is signed in.
        wecom_url = await attacker.start_sign_in(world.app_a)
        back = await attacker.pick(wecom_url, world.admin_a)
        forced = await victim.follow(back)
        assert forced.status_code == 403
        assert (await me(victim)).status_code == 401
        # Refusing did not spend the code: the browser that started still signs in.
        done = await attacker.follow(back)
        assert done.status_code == 303
        # …once: the same redirect again is refused (the state is single use).
        again = await attacker.follow(back)
        assert again.status_code == 403


async def test_forged_or_missing_state_is_refused(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        wecom_url = await browser.start_sign_in(world.app_a)
        back = urlsplit(await browser.pick(wecom_url, world.admin_a))
        query = parse_qs(back.query)
        code, state = query["code"][0], query["state"][0]
        flipped = state[:-1] + ("0" if state[-1] != "0" else "1")
        for bad in (flipped, "", state[:32], "x" * 64):
            response = await browser.get(
                "/console/oauth/callback", params={"code": code, "state": bad}
            )
            assert response.status_code == 403, bad
        assert (await me(browser)).status_code == 401


async def test_a_used_code_does_not_sign_in_again(world: ConsoleWorld) -> None:
    async with world.browser() as first:
        wecom_url = await first.start_sign_in(world.app_a)
        back = urlsplit(await first.pick(wecom_url, world.admin_a))
        assert (await first.follow(back.geturl())).status_code == 303
        used_code = parse_qs(back.query)["code"][0]
    async with world.browser() as second:
        fresh = urlsplit(await second.start_sign_in(world.app_a))
        state = parse_qs(fresh.query)["state"][0]
        response = await second.get(
            "/console/oauth/callback", params={"code": used_code, "state": state}
        )
        assert response.status_code == 400
        assert "already used" in response.text
        assert (await me(second)).status_code == 401


# -- sessions -------------------------------------------------------------------------------


async def test_tampered_or_foreign_cookies_are_refused(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        good = browser.app.cookies[COOKIE]
        payload, signature = good.rsplit(".", 1)
        wrong_key = URLSafeSerializer("another-secret-key-" + "y" * 32, salt="x")
        forged_payload = wrong_key.dumps(
            {
                "sid": "s",
                "csrf": "c",
                "exp": world.clock() + 3600,
                "corp_id": world.corp_b.corp_id,
                "userid": world.admin_b,
                "roles": ["admin"],
            }
        )
        for bad in (
            payload + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),
            "x" + good,
            forged_payload,
        ):
            async with world.browser() as other:
                other.plant(bad)
                assert (await me(other)).status_code == 401
                assert (await other.get("/console/")).status_code == 303  # → sign in
        # The untouched cookie works from another client (it is the whole credential).
        async with world.browser() as other:
            other.plant(good)
            assert (await me(other)).json()["userid"] == world.admin_a


async def test_a_correctly_signed_session_needs_its_server_record(world: ConsoleWorld) -> None:
    # Even with the signing key, a session that no sign-in created is refused.
    site = web.console(world.services)
    forged = web.Session(
        sid="never-issued",
        csrf="c" * 24,
        exp=world.clock() + 3600,
        corp_id=world.corp_b.corp_id,
        userid=world.admin_b,
        roles=("admin",),
    )
    response = Response()
    site.write_cookie(response, forged)
    value = response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    async with world.browser() as browser:
        browser.plant(value)
        assert (await me(browser)).status_code == 401


async def test_sign_out_ends_the_session_on_the_server(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        copied = browser.app.cookies[COOKIE]
        token = await browser.csrf("/console/")
        out = await browser.post("/console/logout", data={"csrf_token": token})
        assert out.status_code == 303
        assert out.headers["location"] == "/console/login?notice=signed_out"
        assert (await me(browser)).status_code == 401
    async with world.browser() as thief:
        thief.plant(copied)
        assert (await me(thief)).status_code == 401


async def test_sessions_expire(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        world.clock.advance(web.CONSOLE_SESSION_S - 60)
        assert (await me(browser)).status_code == 200
        world.clock.advance(120)
        assert (await me(browser)).status_code == 401


async def test_sign_in_rotates_the_session(world: ConsoleWorld) -> None:
    async with world.browser() as browser:
        before_token = await browser.csrf("/console/login")
        before_cookie = browser.app.cookies[COOKIE]
        assert (await browser.sign_in(world.app_a, world.admin_a)).status_code == 303
        after_token = await browser.csrf("/console/")
        assert after_token != before_token
        assert browser.app.cookies[COOKIE] != before_cookie
        # The token an attacker could have planted before sign-in is worthless after.
        stale = await browser.post("/console/sync", data={"csrf_token": before_token})
        assert stale.status_code == 403
        # A pre-sign-in (anonymous) cookie planted in a browser gives no access.
        async with world.browser() as other:
            other.plant(before_cookie)
            assert (await me(other)).status_code == 401


async def test_cancelled_tenant_loses_its_sessions(world: ConsoleWorld) -> None:
    async with world.signed_in("suite", world.admin_b) as browser:
        assert (await me(browser)).status_code == 200
        await Corp.filter(id=world.corp_b.id).update(status="cancelled")
        assert (await me(browser)).status_code == 401


def test_embedded_pages_get_a_cross_site_cookie(world: ConsoleWorld) -> None:
    site = web.embedded(world.services)
    response = Response()
    site.write_cookie(response, web.Session(sid="s", csrf="c", exp=world.clock() + 60))
    flags = response.headers["set-cookie"].lower()
    assert "samesite=none" in flags
    assert "secure" in flags
    assert "httponly" in flags
    assert "path=/sidebar" in flags
    console = Response()
    web.console(world.services).write_cookie(
        console, web.Session(sid="s", csrf="c", exp=world.clock() + 60)
    )
    assert "samesite=lax" in console.headers["set-cookie"].lower()


def test_embedded_pages_and_the_sidebar_api_use_distinct_cookies(world: ConsoleWorld) -> None:
    # One session implementation serves both faces; each keeps its own cookie name.
    names = {web.console(world.services).cookie, web.embedded(world.services).cookie}
    assert len(names) == 2
    assert not names & {SESSION_COOKIE, OAUTH_COOKIE}


# -- roles ----------------------------------------------------------------------------------


ADMIN_PAGES = (
    "/console/tenant",
    "/console/settings",
    "/console/sync",
    "/console/inbox",
    "/console/archive",
    "/console/roles",
    "/console/setup",
)


async def test_roles_open_their_pages_only(world: ConsoleWorld) -> None:
    compliance, manager = world.members(world.org_a, skip=(world.admin_a,))[:2]
    await ConsoleRole.create(corp=world.corp_a, userid=compliance, role="compliance")
    await ConsoleRole.create(
        corp=world.corp_a, userid=manager, role="manager", scope={"departments": ["2"]}
    )
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        for path in ADMIN_PAGES:
            assert (await admin.get(path)).status_code == 200, path
        assert (await admin.get("/console/api/roles")).status_code == 200
    for userid in (compliance, manager):
        async with world.signed_in(world.app_a, userid) as browser:
            assert (await browser.get("/console/")).status_code == 200
            for path in ADMIN_PAGES:
                page = await browser.get(path)
                assert page.status_code == 403, (userid, path)
                assert "No access" in page.text
            api = await browser.get("/console/api/roles")
            assert api.status_code == 403
            assert api.json()["error"] == "no_access"
    async with world.browser() as anonymous:
        assert (await anonymous.get("/console/api/roles")).json()["error"] == "not_signed_in"
        assert (await anonymous.get("/console/api/roles")).status_code == 401


async def test_role_changes_apply_to_open_sessions(world: ConsoleWorld) -> None:
    member = world.members(world.org_a, skip=(world.admin_a,))[0]
    async with world.signed_in(world.app_a, member) as browser:
        assert (await browser.get("/console/")).status_code == 403
        role = await ConsoleRole.create(corp=world.corp_a, userid=member, role="compliance")
        assert (await browser.get("/console/")).status_code == 200
        await role.delete()
        assert (await browser.get("/console/")).status_code == 403


# -- CSRF on every POST --------------------------------------------------------------------


async def test_every_post_needs_the_csrf_token(world: ConsoleWorld) -> None:
    member = world.members(world.org_a, skip=(world.admin_a,))[0]
    role = await ConsoleRole.create(corp=world.corp_a, userid=member, role="compliance")
    await ConsoleRole.create(corp=world.corp_a, userid=world.admin_a, role="compliance")
    await ConsoleRole.create(
        corp=world.corp_a, userid=world.admin_a, role="manager", scope={"userids": [member]}
    )
    samples = {"role_id": str(role.id)}
    posts = [(m, p) for m, p in await console_routes(world.app) if m != "GET"]
    assert ("POST", "/console/roles") in posts  # the enumeration sees the console
    assert ("POST", "/console/logout") in posts
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        token = await browser.csrf("/console/")
        # Change the last character to a different one (replacing it with a fixed
        # character would leave the token intact whenever it already ended with it).
        wrong = token[:-1] + ("y" if token.endswith("x") else "x")
        for method, path in posts:
            # The token is checked before anything reads a path parameter, so any
            # value will do where we have no sample (an :int converter needs digits).
            url = PARAM.sub(lambda m: samples.get(m[1], "1"), path)
            body = {"userid": member, "role": "compliance", "ids": "1"}
            attempts = {
                "no token": {"data": body},
                "wrong token": {"data": {**body, "csrf_token": wrong}},
                "header elsewhere": {"headers": {"X-CSRF-Token": "nope"}, "json": {}},
                "cross-site origin": {
                    "data": {**body, "csrf_token": token},
                    "headers": {"Origin": "https://evil.example"},
                },
            }
            for why, kwargs in attempts.items():
                response = await browser.app.request(method, url, **kwargs)  # type: ignore[arg-type]
                assert response.status_code == 403, (method, path, why, response.status_code)
        # Nothing above changed anything: the role is still there, the admin still in.
        assert await ConsoleRole.filter(id=role.id).exists()
        assert (await me(browser)).status_code == 200
        # The same form with the token goes through (the check is not refusing everything).
        ok = await browser.post(f"/console/roles/{role.id}/revoke", data={"csrf_token": token})
        assert ok.status_code == 303
        assert not await ConsoleRole.filter(id=role.id).exists()
        ok = await browser.post(
            "/console/api/inbox/replay", headers={"X-CSRF-Token": token}, json={"ids": []}
        )
        assert ok.status_code == 200


# -- configuration ------------------------------------------------------------------------


def test_admin_userids_setting(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    settings = Settings.from_env({**base, "WECOM_ADMIN_USERIDS": "zhangwei, liting zhangwei"})
    assert settings.admin_userids == ("zhangwei", "liting")
    assert Settings.from_env(base).admin_userids == ()
    with pytest.raises(ConfigError, match="WECOM_ADMIN_USERIDS"):
        Settings.from_env({**base, "WECOM_ADMIN_USERIDS": "x" * 65})


def test_sign_in_pages_follow_the_api_base(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    real = sign_in_hosts(Settings.from_env(base))
    assert real.authorize == "https://open.weixin.qq.com/connect/oauth2/authorize"
    assert real.web_login == "https://login.work.weixin.qq.com/wwlogin/sso/login"
    # The simulator serves the sign-in pages beside its API.
    sim = sign_in_hosts(Settings.from_env({**base, "WECOM_API_BASE": "http://sim:9000"}))
    assert sim.authorize == "http://sim:9000/connect/oauth2/authorize"
    assert sim.web_login == "http://sim:9000/wwlogin/sso/login"
    # An egress proxy as API base still sends browsers to WeCom's own hosts.
    proxy = {**base, "WECOM_API_BASE": "http://proxy:3128", "WECOM_APP_OAUTH_BASE": "wecom"}
    assert sign_in_hosts(Settings.from_env(proxy)) == real
    other = {**base, "WECOM_APP_OAUTH_BASE": "http://localhost:9000/"}
    assert sign_in_hosts(Settings.from_env(other)).authorize == (
        "http://localhost:9000/connect/oauth2/authorize"
    )
