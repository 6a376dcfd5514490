"""Browser tests: the real app and the simulator under uvicorn, driven by Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``SIDEBAR_CHROMIUM``); Playwright's own
browser download is never used. Without Chromium (or the playwright package) these
tests skip — unless ``CI`` is set: on CI a missing browser is a failure, not a skip.

One background thread runs an event loop with two uvicorn servers on free localhost
ports: the simulated WeCom (API and sign-in pages) and the app, configured with
``WECOM_API_BASE`` pointing at the simulator — the same wiring as the demo. The store is
the session's test database (SQLite or PostgreSQL), emptied and seeded with the
simulator's org and generated chat history.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from tests.conftest import TEST_CORP_ID, _truncate_all, make_settings
from tests.support.sidebar_devdata import seed_org
from wecom_app.app import create_app
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import FollowRelation as SimRelation
from wecom_app.simulator.state import GroupChatMember as SimMember
from wecom_app.simulator.state import Org
from wecom_app.store.db import close_db, init_db
from wecom_app.store.directory import FollowRelation, GroupChatMember
from wecom_app.store.models import Corp
from wecom_app.store.transfer import CustomerTransfer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CORP_SECRET = "corp-secret-for-tests"
T = TypeVar("T")


def chromium_path() -> str | None:
    configured = os.environ.get("SIDEBAR_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def require_browser() -> str:
    """The Chromium to use; skips off CI when there is none, fails on CI."""
    path = chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = "Chromium (apt-get install chromium) and `pip install playwright` are needed"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run on CI: {message}")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cast:
    """Who the browser tests sign in as, and what they look at."""

    employee: str
    customer: str  # followed by the employee, transferred from the predecessor
    predecessor: str
    group: str  # a customer group with the employee and the customer in it


@dataclass
class Live:
    sim: Simulator
    org: Org
    app_url: str
    sim_url: str
    cast: Cast
    loop: asyncio.AbstractEventLoop
    stop: Callable[[], None] = field(repr=False, default=lambda: None)

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``work`` on the servers' loop (where the database connection lives)."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)


def _choose_cast(org: Org) -> Cast:
    sellers = [u for u, by in org.follows_by_user.items() if len(by) >= 2]
    employee = sellers[0]
    predecessor = next(
        u
        for u in sellers[1:]
        if any(len(org.follows_by_customer[c]) == 1 for c in org.follows_by_user[u])
    )
    customer = next(
        c for c in org.follows_by_user[predecessor] if len(org.follows_by_customer[c]) == 1
    )
    group = next(iter(org.group_chats.values())).chat_id
    return Cast(employee, customer, predecessor, group)


async def _transfer_and_group(corp: Corp, org: Org, cast: Cast, now: int) -> None:
    """WeCom moved the customer from the predecessor to the employee (a completed
    transfer, synced), and both the employee and the customer are in the group."""
    old = org.remove_follow(cast.predecessor, cast.customer)
    assert old is not None
    org.add_follow(
        SimRelation(
            userid=cast.employee,
            external_userid=cast.customer,
            createtime=now,
            tag_ids=list(old.tag_ids),
            add_way=202,
        )
    )
    await FollowRelation.filter(
        corp_id=corp.id, external_userid=cast.customer, userid=cast.predecessor
    ).update(status="transferred", ended_at=now)
    await FollowRelation.create(
        corp_id=corp.id,
        external_userid=cast.customer,
        userid=cast.employee,
        added_at=now,
        add_way=202,
        tag_ids=list(old.tag_ids),
        status="active",
    )
    await CustomerTransfer.create(
        corp_id=corp.id,
        external_userid=cast.customer,
        from_userid=cast.predecessor,
        to_userid=cast.employee,
        completed_at=now,
        created_at=float(now),
    )
    chat = org.group_chats[cast.group]
    for userid, kind in ((cast.employee, 1), (cast.customer, 2)):
        if chat.member(userid) is None:
            chat.members.append(SimMember(userid=userid, type=kind, join_time=now - 3600))
            await GroupChatMember.create(
                corp_id=corp.id, chat_id=cast.group, userid=userid, type=kind, join_time=now - 3600
            )


@pytest.fixture(scope="module")
def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="sidebar-live")
    thread.start()
    sim_port, app_port = free_port(), free_port()
    sim_url, app_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{app_port}"
    sim = Simulator(clock=time.time, seed=21)
    org = sim.add_org(generate_org(21, customers=60, employees=10, corp_id=TEST_CORP_ID))
    sim.enable_self_built_app(org.corp_id, secret=CORP_SECRET, agent_id=1000002)
    cast = _choose_cast(org)
    settings = make_settings(
        tmp_path_factory.mktemp("browser"),
        database_url,
        WECOM_API_BASE=sim_url,
        PUBLIC_URL=app_url,
        WECOM_ADMIN_USERIDS=cast.employee,  # the console's admin (tests/browser/test_console_*)
        WECOM_APP_SIDEBAR_PREVIEW="on",  # the preview's directory, as the demo has it
        WECOM_APP_SIGNIN_PER_IP="100000",  # every browser test signs in from 127.0.0.1
    )
    redis_url = os.environ.get("REDIS_URL")
    kv = RedisKV(redis_url, f"wecom-test:{secrets.token_hex(6)}:") if redis_url else MemoryKV()
    services = Services(settings, kv=kv, run_worker=False, manage_db=False)
    servers: list[uvicorn.Server] = []
    serving: list[asyncio.Task[None]] = []

    async def start() -> None:
        await init_db(database_url)
        await _truncate_all()
        await services.start()
        corp = await Corp.get(corp_id=org.corp_id)
        now = int(time.time())
        await seed_org(corp, org, now=now, messages_per_relation=14, seed=21)
        await _transfer_and_group(corp, org, cast, now)
        for app, port in (
            (create_simulator_app(sim), sim_port),
            (create_app(settings, services), app_port),
        ):
            config = uvicorn.Config(
                app, host="127.0.0.1", port=port, log_level="warning", access_log=False
            )
            server = uvicorn.Server(config)
            servers.append(server)
            serving.append(loop.create_task(server.serve()))
        for server in servers:
            while not server.started:
                await asyncio.sleep(0.02)

    async def shutdown() -> None:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*serving, return_exceptions=True)
        await services.stop()
        if isinstance(kv, RedisKV):
            await kv.delete_prefix()
        await kv.close()
        await close_db()

    world = Live(sim, org, app_url, sim_url, cast, loop)
    world.run(start(), timeout=120)
    try:
        yield world
    finally:
        world.run(shutdown(), timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = require_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
