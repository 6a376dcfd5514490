"""What the sidebar tests share: an org in the simulator *and* in our store, the app
wired to the simulator, and signed-in employees.

(No tests here; the module is named so that it belongs to the sidebar's test files.)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sidebar.config import SidebarConfig
from sidebar.session import SESSION_COOKIE, Sessions
from sidebar.site import Site
from tests.conftest import FakeClock, make_settings
from tests.support.sidebar_devdata import seed_org
from tests.support.world import make_sim
from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_jsapi import jsapi_state
from wecom_app.simulator.api_oauth import issue_code
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store.models import Corp

SIM_BASE = "http://wecom.sim"
PUBLIC_URL = "http://sidebar.test"
CORP_SECRET = "corp-secret-for-tests"  # make_settings' WECOM_CORP_SECRET


@dataclass
class SidebarWorld:
    sim: Simulator
    org: Org
    settings: Settings
    services: Services
    clock: FakeClock
    corp: Corp
    http: httpx.AsyncClient
    sessions: Sessions
    app: Any
    extra_clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def sidebar(self) -> Any:
        """The running SidebarService (to drain its background work)."""
        for route in self.app.routes:
            guard = getattr(getattr(route, "endpoint", None), "func", None)
            owner = getattr(guard, "__self__", None)
            if isinstance(owner, Site):
                return owner.service
        raise AssertionError("no sidebar routes mounted")

    def cookie_for(self, userid: str, corp: Corp | None = None) -> tuple[str, str]:
        """A session cookie as the OAuth callback would set it (and its CSRF token)."""
        corp = corp or self.corp
        session, token = self.sessions.issue(corp.id, corp.corp_id, userid)
        return token, session.csrf

    def client_for(self, userid: str, corp: Corp | None = None) -> httpx.AsyncClient:
        token, csrf = self.cookie_for(userid, corp)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url=PUBLIC_URL,
            cookies={SESSION_COOKIE: token},
            headers={"X-CSRF-Token": csrf},
        )
        self.extra_clients.append(client)
        return client

    async def sign_in(self, userid: str, client: httpx.AsyncClient | None = None) -> httpx.Response:
        """The whole OAuth round trip: our login → WeCom (simulated) → our callback."""
        client = client or self.http
        start = await client.get("/sidebar/login", params={"corp": self.corp.corp_id})
        assert start.status_code == 302, start.text
        target = urlsplit(start.headers["location"])
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        code = issue_code(self.sim, query["appid"], self.corp.corp_id, userid)
        return await client.get(
            "/sidebar/oauth/callback", params={"code": code, "state": query["state"]}
        )

    def followed_by(self, userid: str) -> list[str]:
        return list(self.org.follows_by_user.get(userid, {}))

    def sellers(self) -> list[str]:
        return [u for u, by in self.org.follows_by_user.items() if by]


@asynccontextmanager
async def sidebar_world(
    tmp_path: Path,
    database_url: str,
    kv: KV,
    *,
    customers: int = 40,
    employees: int = 8,
    seed: int = 3,
    messages_per_relation: int = 12,
    **env: str,
) -> AsyncIterator[SidebarWorld]:
    """An org in the simulator and in our store; the app talks to the simulator."""
    clock = FakeClock(float(int(time.time())))
    sim, org, _ = make_sim(
        clock, seed=seed, customers=customers, employees=employees, callbacks=False, suite=False
    )
    settings = make_settings(
        tmp_path, database_url, **{"WECOM_API_BASE": SIM_BASE, "PUBLIC_URL": PUBLIC_URL, **env}
    )
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    services = Services(
        settings, clock=clock, kv=kv, run_worker=False, manage_db=False, transport=transport
    )
    async with Runtime(services) as root:
        corp = await Corp.get(corp_id=org.corp_id)
        await seed_org(
            corp, org, now=int(clock()), messages_per_relation=messages_per_relation, seed=seed
        )
        app = create_app(settings, root)
        sessions = Sessions(settings.secret_key, SidebarConfig.from_settings(settings))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as http:
            world = SidebarWorld(sim, org, settings, services, clock, corp, http, sessions, app)
            try:
                yield world
                await world.sidebar.drain()
            finally:
                for client in world.extra_clients:
                    await client.aclose()


def assert_wecom_accepts_jsconfig(
    sim: Simulator, corp_id: str, page: str, cfg: dict[str, Any], agentid: str
) -> None:
    """WeCom (the simulator) accepts both signatures of a ``/sidebar/api/jsconfig`` answer
    for ``page``: ``wx.config`` with the corp's ticket, ``wx.agentConfig`` with the agent's."""
    state = jsapi_state(sim)
    c, a = cfg["config"], cfg["agentConfig"]
    assert (
        state.check("config", corp_id, page, c["nonceStr"], str(c["timestamp"]), c["signature"])
        == 0
    )
    assert (
        state.check(
            "agent_config",
            corp_id,
            page,
            a["nonceStr"],
            str(a["timestamp"]),
            a["signature"],
            agentid,
        )
        == 0
    )
