"""Helpers shared by the console and OAuth tests (no tests of its own).

:func:`console_world` builds two tenants side by side, both real to the app and to the
simulated WeCom it talks to:

* **A** — the self-built org configured by the test settings (``TEST_CORP_ID``), whose
  admin comes from ``WECOM_ADMIN_USERIDS``;
* **B** — an org that installed the third-party suite; its admin is the installing
  member (the install's auth info).

The app's WeCom transport is the simulator's ASGI app, and each :class:`Browser` is an
httpx client with its own cookie jar that follows sign-in redirects through the
simulator's pages the way a person's browser would (pick a member, come back with a
code), so sign-in is tested end to end without a network.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette

from tests.conftest import (
    TEST_CORP_ID,
    TEST_SUITE_ID,
    FakeClock,
    make_settings,
)
from tests.support.world import make_sim
from wecom_app import tenants
from wecom_app.app import create_app
from wecom_app.kv import KV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import EmployeeStatus, Org, SimClock
from wecom_app.store.directory import Department
from wecom_app.store.models import Corp, Employee

CORP_SECRET = "corp-secret-for-tests"  # what make_settings configures for corp A
SUITE_SECRET = "suite-secret-for-tests"
CORP_B_ID = "wwtenantb0000001"
APP = "http://testserver"
WECOM = "https://qyapi.weixin.qq.com"


@dataclass
class Browser:
    """One person's browser: a cookie jar on our app, and the simulated WeCom pages."""

    app: httpx.AsyncClient
    wecom: httpx.AsyncClient
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.app.get(url, headers={"User-Agent": self.user_agent}, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"User-Agent": self.user_agent, **kwargs.pop("headers", {})}
        return await self.app.post(url, headers=headers, **kwargs)

    def plant(self, value: str, name: str = "wecom_console") -> None:
        """Put a cookie in this browser's jar as if our app had set it (the jar files a
        dotless host under ``<host>.local``)."""
        self.app.cookies.set(name, value, domain="testserver.local", path="/console")

    async def csrf(self, page: str = "/console/login") -> str:
        """The CSRF token of this browser's session, as a page carries it."""
        response = await self.get(page)
        match = re.search(r'<meta name="csrf-token" content="([^"]*)"', response.text)
        assert match, f"{page} has no csrf meta tag ({response.status_code})"
        return html.unescape(match.group(1))

    async def start_sign_in(self, app: str, *, via: str = "qr", next_path: str = "") -> str:
        """Start sign-in; returns the simulated WeCom URL we were sent to."""
        params = {"app": app, "via": via}
        if next_path:
            params["next"] = next_path
        response = await self.get("/console/login/start", params=params)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def pick(self, wecom_url: str, userid: str) -> str:
        """On WeCom's sign-in page, be ``userid``; returns where WeCom redirects to."""
        parts = urlsplit(wecom_url)
        page = await self.wecom.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 200, page.text
        link = next(
            (
                html.unescape(href)
                for href in re.findall(r"href='([^']+)'", page.text)
                if parse_qs(urlsplit(html.unescape(href)).query).get("userid") == [userid]
            ),
            None,
        )
        assert link is not None, f"{userid} is not offered on the sign-in page"
        chosen = await self.wecom.get(link)
        assert chosen.status_code == 302, chosen.text
        return chosen.headers["location"]

    async def follow(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        return await self.get(f"{parts.path}?{parts.query}")

    async def sign_in(self, app: str, userid: str, *, via: str = "qr") -> httpx.Response:
        wecom_url = await self.start_sign_in(app, via=via)
        back = await self.pick(wecom_url, userid)
        return await self.follow(back)


@dataclass
class ConsoleWorld:
    sim: Simulator
    sim_clock: SimClock
    clock: FakeClock
    services: Services
    app: Starlette
    org_a: Org
    org_b: Org
    corp_a: Corp
    corp_b: Corp
    admin_a: str
    admin_b: str
    browsers: list[Browser] = field(default_factory=list)

    @property
    def app_a(self) -> str:
        return f"corp:{self.org_a.corp_id}"

    def members(self, org: Org, *, skip: tuple[str, ...] = ()) -> list[str]:
        return [e.userid for e in org.active_employees() if e.userid not in skip]

    @asynccontextmanager
    async def browser(self, user_agent: str = "", language: str = "en") -> AsyncIterator[Browser]:
        """A browser on the app; it asks for English pages (``Accept-Language``) since
        the console tests check English texts, unless ``language`` says otherwise."""
        transport = httpx.ASGITransport(app=self.app)
        wecom_transport = httpx.ASGITransport(app=create_simulator_app(self.sim))
        headers = {"Accept-Language": language} if language else {}
        async with (
            httpx.AsyncClient(transport=transport, base_url=APP, headers=headers) as app_client,
            httpx.AsyncClient(transport=wecom_transport, base_url=WECOM) as wecom_client,
        ):
            browser = Browser(app_client, wecom_client)
            if user_agent:
                browser.user_agent = user_agent
            yield browser

    @asynccontextmanager
    async def signed_in(self, app: str, userid: str) -> AsyncIterator[Browser]:
        async with self.browser() as browser:
            response = await browser.sign_in(app, userid)
            assert response.status_code == 303, response.text
            yield browser


async def copy_directory(corp: Corp, org: Org) -> None:
    """What a directory sync would store: the org's departments and members."""
    for dept in org.departments.values():
        await Department.create(
            corp=corp, dept_id=dept.id, name=dept.name, parent_id=dept.parent_id
        )
    for e in org.employees.values():
        await Employee.create(
            corp=corp,
            userid=e.userid,
            open_userid=e.open_userid,
            name=e.name,
            departments=[str(d) for d in e.departments],
            main_department=str(e.main_department),
            position=e.position,
            status="resigned" if e.status == EmployeeStatus.LEFT else "active",
        )


@asynccontextmanager
async def console_world(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock, **env: str
) -> AsyncIterator[ConsoleWorld]:
    sim_clock = SimClock()
    sim, org_a, _ = make_sim(sim_clock, seed=5, customers=4, employees=8)
    org_a.name = "甲公司"
    org_b = generate_org(6, customers=4, employees=8, corp_id=CORP_B_ID)
    org_b.name = "乙公司"
    admin_a = next(iter(org_a.employees))
    admin_b = next(iter(org_b.employees))
    sim.authorize(TEST_SUITE_ID, org_b, installer=admin_b, push=False)
    permanent_code = sim.world.authorizations[(TEST_SUITE_ID, CORP_B_ID)].permanent_code

    settings = make_settings(tmp_path, database, WECOM_ADMIN_USERIDS=admin_a, **env)
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    services = Services(
        settings, clock=clock, kv=kv, run_worker=False, manage_db=False, transport=transport
    )
    async with Runtime(services) as root:
        box = services.secrets
        # The suite ticket WeCom pushed (the suite token needs it).
        ticket = sim.push_suite_ticket(TEST_SUITE_ID)
        await tenants.store_suite_ticket(TEST_SUITE_ID, ticket, int(sim_clock()), box)
        corp_a = await Corp.get(corp_id=TEST_CORP_ID)
        corp_a.name = org_a.name
        await corp_a.save()
        # Tenant B as an install leaves it: sealed permanent code, the installer in auth info.
        corp_b = await Corp.create(
            corp_id=CORP_B_ID,
            name=org_b.name,
            mode="suite",
            agent_id="1000001",
            permanent_code_sealed=box.seal(permanent_code, "corp.permanent_code"),
            auth_info={"auth_user_info": {"userid": admin_b, "name": admin_b}},
        )
        await copy_directory(corp_a, org_a)
        await copy_directory(corp_b, org_b)
        yield ConsoleWorld(
            sim=sim,
            sim_clock=sim_clock,
            clock=clock,
            services=services,
            app=create_app(settings, root),
            org_a=org_a,
            org_b=org_b,
            corp_a=corp_a,
            corp_b=corp_b,
            admin_a=admin_a,
            admin_b=admin_b,
        )


async def console_routes(app: Starlette) -> list[tuple[str, str]]:
    """(method, path) of every route under /console, static files aside."""
    from starlette.routing import Route

    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/console"):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((method, route.path))
    return found
