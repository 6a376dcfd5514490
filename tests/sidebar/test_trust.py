"""Issue 16 (trust), the sidebar: the OAuth state and code are used once, sign-in is
throttled, unknown and installed corps look alike at sign-in, sessions end (logout by
POST with CSRF, resignation, uninstall) on every route, long values are 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sidebar.session import OAUTH_COOKIE, SESSION_COOKIE
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app import signin_guard
from wecom_app.kv import KV
from wecom_app.simulator.api_oauth import issue_code
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee

USERINFO = "/cgi-bin/auth/getuserinfo"


@pytest.fixture
async def world(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[SidebarWorld]:
    async with sidebar_world(tmp_path, database, kv, customers=12, employees=4) as built:
        yield built


async def _start(world: SidebarWorld, client: httpx.AsyncClient) -> dict[str, str]:
    start = await client.get("/sidebar/login", params={"corp": world.corp.corp_id})
    assert start.status_code == 302, start.text
    return {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}


async def test_a_replayed_state_asks_wecom_nothing_and_signs_nobody_in(
    world: SidebarWorld,
) -> None:
    userid = world.sellers()[0]
    query = await _start(world, world.http)
    cookie = world.http.cookies[OAUTH_COOKIE]
    code = issue_code(world.sim, query["appid"], world.corp.corp_id, userid)
    first = await world.http.get(
        "/sidebar/oauth/callback", params={"code": code, "state": query["state"]}
    )
    assert first.status_code == 302
    before = world.sim.calls[USERINFO]
    for _ in range(5):  # the same state cookie, fresh codes: refused before WeCom
        fresh = issue_code(world.sim, query["appid"], world.corp.corp_id, userid)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=world.app),
            base_url=str(world.http.base_url),
            cookies={OAUTH_COOKIE: cookie},
        ) as replay:
            again = await replay.get(
                "/sidebar/oauth/callback", params={"code": fresh, "state": query["state"]}
            )
        assert again.status_code == 400
        assert SESSION_COOKIE not in again.cookies
    assert world.sim.calls[USERINFO] == before


async def test_a_code_is_exchanged_at_most_once(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    code = issue_code(world.sim, world.corp.corp_id, world.corp.corp_id, userid)
    a = await _start(world, world.http)
    ok = await world.http.get("/sidebar/oauth/callback", params={"code": code, "state": a["state"]})
    assert ok.status_code == 302
    before = world.sim.calls[USERINFO]
    b = await _start(world, world.http)  # a new, valid state with the same code
    again = await world.http.get(
        "/sidebar/oauth/callback", params={"code": code, "state": b["state"]}
    )
    assert again.status_code == 400
    assert world.sim.calls[USERINFO] == before


async def test_sign_in_starts_and_callbacks_are_throttled_per_ip(world: SidebarWorld) -> None:
    limit = signin_guard.DEFAULT_LIMITS.per_ip
    answers = [
        (await world.http.get("/sidebar/login", params={"corp": world.corp.corp_id})).status_code
        for _ in range(limit + 3)
    ]
    assert answers[:limit] == [302] * limit
    assert answers[limit:] == [429] * 3
    world.clock.advance(signin_guard.WINDOW_S * 2)
    assert (await world.http.get("/sidebar/login")).status_code == 302
    callbacks = [
        (await world.http.get("/sidebar/oauth/callback", params={"code": "x", "state": "y"}))
        for _ in range(limit + 1)
    ]
    assert callbacks[-1].status_code == 429
    assert world.sim.calls[USERINFO] == 0


async def test_unknown_and_installed_corps_get_the_same_answer(world: SidebarWorld) -> None:
    await Corp.filter(id=world.corp.id).update(mode="suite")
    known = await world.http.get("/sidebar/login", params={"corp": world.corp.corp_id})
    unknown = await world.http.get("/sidebar/login", params={"corp": "wwnosuchcorp0000000"})
    longer = await world.http.get("/sidebar/login", params={"corp": "w" * 65})
    assert known.status_code == unknown.status_code == longer.status_code


async def test_logout_is_a_post_with_csrf_and_ends_every_copy(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    client = world.client_for(userid)
    copy = world.client_for(userid)
    copy.cookies = client.cookies
    assert (await client.get("/sidebar/api/session")).status_code == 200
    assert (await client.get("/sidebar/logout")).status_code == 405
    forged = await client.post("/sidebar/logout", headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    out = await client.post("/sidebar/logout")
    assert out.status_code == 200
    for path in ("/sidebar/api/session", "/sidebar/api/tags", "/sidebar/api/quick-replies"):
        assert (await copy.get(path)).status_code == 401, path


async def test_a_resigned_employee_or_an_uninstalled_tenant_loses_every_route(
    world: SidebarWorld,
) -> None:
    sellers = world.sellers()
    resigned, other = world.client_for(sellers[0]), world.client_for(sellers[1])
    paths = ("/sidebar/api/session", "/sidebar/api/tags", "/sidebar/api/quick-replies")
    for path in paths:
        assert (await resigned.get(path)).status_code == 200, path
    await Employee.filter(corp_id=world.corp.id, userid=sellers[0]).update(status="resigned")
    for path in (*paths, "/sidebar/api/jsconfig?url=/sidebar/"):
        assert (await resigned.get(path)).status_code == 401, path
    create = await resigned.post("/sidebar/api/quick-replies", json={"title": "t", "content": "c"})
    assert create.status_code == 401
    assert (await other.get("/sidebar/api/session")).status_code == 200
    await Corp.filter(id=world.corp.id).update(status="cancelled")
    assert (await other.get("/sidebar/api/session")).status_code == 401
    page = await other.get("/sidebar/")
    assert page.status_code == 302


async def test_long_values_are_4xx(world: SidebarWorld) -> None:
    client = world.client_for(world.sellers()[0])
    customer = world.followed_by(world.sellers()[0])[0]
    tags = await client.post(f"/sidebar/api/customers/{customer}/tags", json={"add": ["t" * 300]})
    assert 400 <= tags.status_code < 500, tags.text
    login = await world.http.get("/sidebar/login", params={"corp": "c" * 65})
    assert login.status_code < 500


async def test_the_previews_directory_is_for_a_signed_in_admin_of_that_tenant(
    world: SidebarWorld,
) -> None:
    url = "/sidebar/preview/api/directory"
    assert (await world.http.get("/sidebar/preview")).status_code == 200  # simulator: auto
    assert (await world.http.get(url)).status_code == 401
    seller, admin = world.sellers()[:2]
    assert (await world.client_for(seller).get(url)).status_code == 401
    await ConsoleRole.create(corp=world.corp, userid=admin, role="admin")
    listed = (await world.client_for(admin).get(url)).json()
    assert [c["corp_id"] for c in listed["corps"]] == [world.corp.corp_id]
    assert listed["employees"]


async def test_with_the_explicit_setting_the_directory_is_open(
    tmp_path: Path, database: str, kv: KV
) -> None:
    async with sidebar_world(
        tmp_path, database, kv, customers=6, employees=3, WECOM_APP_SIDEBAR_PREVIEW="on"
    ) as world:
        listed = await world.http.get("/sidebar/preview/api/directory")
        assert listed.status_code == 200
        assert listed.json()["employees"]


async def test_in_a_self_built_deployment_an_unknown_corp_looks_like_the_own_org(
    world: SidebarWorld,
) -> None:
    known = await world.http.get("/sidebar/login", params={"corp": world.corp.corp_id})
    unknown = await world.http.get("/sidebar/login", params={"corp": "wwnosuchcorp0000000"})
    assert known.status_code == unknown.status_code == 302
    assert urlsplit(known.headers["location"]).path == urlsplit(unknown.headers["location"]).path


def test_an_operator_sets_the_sign_in_limits() -> None:
    assert signin_guard.limits_of({}) == signin_guard.DEFAULT_LIMITS
    limits = signin_guard.limits_of(
        {"WECOM_APP_SIGNIN_PER_IP": "5", "WECOM_APP_SIGNIN_PER_TENANT": "x"}
    )
    assert (limits.per_ip, limits.per_tenant) == (5, signin_guard.DEFAULT_LIMITS.per_tenant)
