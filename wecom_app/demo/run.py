"""Run ``wecom-app demo``: serve the app and the simulator side by side, then walk the steps.

:func:`run_demo` is what the ``demo`` command calls; the steps themselves are in
:mod:`wecom_app.demo.steps` and :mod:`wecom_app.demo.archive`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.demo.archive import enable_demo_archive
from wecom_app.demo.clock import DemoClock
from wecom_app.demo.console import demo_console
from wecom_app.demo.coverage import sidebar_coverage
from wecom_app.demo.departure import departure_story
from wecom_app.demo.steps import Say, install_suite, live_callbacks, live_sellers, wait_for_sync
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.operator import operator_of
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store.migrate import migrate

DEMO_CORP_ID = "wwdemo0000000001"
SPARE_CORP_ID = "wwdemo0000000002"
DEMO_SEED = 2024
DEMO_CUSTOMERS = 300
DEMO_EMPLOYEES = 25
DEMO_FILE_VERSION = 2
# Settings the demo owns: the caller's environment must not point it elsewhere.
_OWN_PREFIXES = ("WECOM_CORP_", "WECOM_AGENT_", "WECOM_CALLBACK_", "WECOM_SUITE_")
_OWN_NAMES = ("WECOM_API_BASE", "PUBLIC_URL", "WECOM_APP_OAUTH_BASE")


def demo_environment(data_dir: Path) -> dict[str, str]:
    """The demo suite's credentials, generated once and kept in ``data/demo.json``."""
    path = data_dir / "demo.json"
    if path.exists():
        stored: dict[str, Any] = json.loads(path.read_text())
        if stored.get("version") == DEMO_FILE_VERSION:
            return {k: str(v) for k, v in stored.items() if k.startswith("WECOM_")}
    data_dir.mkdir(parents=True, exist_ok=True)
    alphabet = string.ascii_letters + string.digits
    env = {
        "WECOM_SUITE_ID": "wwdemosuite" + secrets.token_hex(3),
        "WECOM_SUITE_SECRET": secrets.token_urlsafe(32),
        "WECOM_SUITE_TOKEN": secrets.token_urlsafe(16),
        "WECOM_SUITE_AES_KEY": "".join(secrets.choice(alphabet) for _ in range(43)),
    }
    path.write_text(json.dumps({"version": DEMO_FILE_VERSION, **env}, indent=2))
    path.chmod(0o600)
    return env


def demo_org() -> Org:
    """The demo org: deterministic (the same seed gives the same org, field for field)."""
    return generate_org(
        DEMO_SEED, customers=DEMO_CUSTOMERS, employees=DEMO_EMPLOYEES, corp_id=DEMO_CORP_ID
    )


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: two servers run in one loop here, and
    Ctrl-C goes to ``asyncio.run``, which cancels the demo, which stops both."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(app: Any, sock: socket.socket) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("server did not start")
        await asyncio.sleep(0.02)
    return server, task


async def run_demo(
    host: str,
    port: int,
    *,
    serve_forever: bool = True,
    sim_port: int | None = None,
    say: Say = print,
) -> int:
    """Run the demo; with ``serve_forever`` keep serving until interrupted.

    ``port``/``sim_port`` 0 picks free ports (tests); ``sim_port`` defaults to
    ``port + 1``.
    """
    started = time.monotonic()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_OWN_PREFIXES) and k not in _OWN_NAMES
    }
    data_dir = Path(env.get("DATA_DIR", "./data"))
    env.update(demo_environment(data_dir))
    # The demo's preview lists its simulated directory to whoever opens it: explicitly.
    env.setdefault("WECOM_APP_SIDEBAR_PREVIEW", "on")
    try:
        app_sock = _bind(host, port)
        sim_sock = _bind(host, (port + 1 if port else 0) if sim_port is None else sim_port)
    except OSError as exc:
        say(f"wecom-app demo: cannot listen on {host}: {exc} (try --port)")
        return 1
    base = f"http://{host}:{app_sock.getsockname()[1]}"
    sim_url = f"http://{host}:{sim_sock.getsockname()[1]}"
    env["WECOM_API_BASE"] = sim_url
    env["PUBLIC_URL"] = base
    # The chat archive comes from the simulator's Finance-SDK stand-in (/finance/*).
    env["ARCHIVE_SOURCE"] = "simulator"
    env.pop("ARCHIVE_SIMULATOR_URL", None)
    settings = Settings.from_env(env)
    say(f"wecom-app demo: database {settings.database_url}")
    await migrate(settings.database_url)

    clock = DemoClock()  # shared: "+24 h" moves WeCom and the product alike
    sim = Simulator(clock=clock, seed=DEMO_SEED)
    org = sim.add_org(demo_org())
    # A second company that has not installed the app: "Install with WeCom" in the
    # console goes to the simulator's install page, where it can be picked.
    spare = sim.add_org(
        generate_org(DEMO_SEED + 1, customers=40, employees=8, corp_id=SPARE_CORP_ID)
    )
    suite = settings.suite
    assert suite is not None
    sim.add_suite(
        suite.suite_id,
        secret=suite.suite_secret,
        token=suite.token,
        aes_key=suite.aes_key,
        provider_corp_id=suite.provider_corp_id or None,
    )
    sim_server, sim_task = await _serve(create_simulator_app(sim), sim_sock)
    say(
        f"simulated WeCom at {sim_url}: org {org.name} ({org.corp_id}), "
        f"{len(org.employees)} employees, {len(org.customers)} customers, "
        f"{len(org.tags)} tags, {len(org.group_chats)} group chats; {spare.name} "
        f"({spare.corp_id}) has not installed the app (pick it on the install page)"
    )
    services = Services(settings, clock=clock)
    app = create_app(settings, services)
    app.router.routes.insert(0, demo_console(services, sim, org.corp_id))  # /demo/
    app_server, app_task = await _serve(app, app_sock)
    operator_of(sim).callback_base = base  # operator controls deliver callbacks at once
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            corp = await install_suite(services, sim, org, http, base, say)
            await wait_for_sync(corp, say)
            await live_callbacks(services, sim, org, corp, http, base, say)
        say("7. the chat archive (会话存档): secret and keys configured, pulled, indexed")
        await enable_demo_archive(services, sim, corp, say=lambda line: say("   " + line))
        seen = await sidebar_coverage(corp, org)
        say(
            f"   sidebar: {seen.with_history} of {seen.sampled} sampled customers show chat "
            f"history, {seen.with_insights} insights and an active-hours chart"
        )
        authorization = sim.world.authorizations[(suite.suite_id, org.corp_id)]
        say("8. departures: two employees leave; one is handed over to a colleague")
        async with httpx.AsyncClient(timeout=10.0) as http:
            keep = {authorization.installer_userid, *live_sellers(org)}
            await departure_story(services, sim, org, corp, http, base, say, keep=keep)
        say(
            f"\nready in {time.monotonic() - started:.1f} s. Open:\n"
            f"  {base}/console/            admin console (sign in through the simulated "
            f"WeCom as {authorization.installer_userid}, the installing admin)\n"
            f"  {base}/console/compliance/ compliance console (archive search; an admin grants "
            f"the compliance role under Roles first)\n"
            f"  {base}/sidebar/preview     the in-chat sidebar, played in any browser\n"
            f"  {base}/demo/               the demo's WeCom operator: make someone leave, "
            "a customer refuse, +24 h\n"
            f"  {base}/metrics             Prometheus metrics\n"
            f"  {base}/readyz              readiness\n"
            f"  {sim_url}                  the simulated WeCom API (JSON for the app, "
            f"not a page)\n"
            f"  {sim_url}/operator         its operator controls: wecom-app simulator --url "
            f"{sim_url} leave USERID | refuse EXTERNAL_USERID | advance +24h\n"
            f"suite callback URL: {base}/callbacks/suite\n"
            f"resync: wecom-app sync --corp {org.corp_id}    inbox: wecom-app inbox list\n"
            "(Ctrl-C stops the demo)"
        )
        if serve_forever:
            await asyncio.wait([app_task, sim_task], return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        say("\nstopping…")  # Ctrl-C: asyncio.run cancelled us; stop both servers cleanly
    finally:
        app_server.should_exit = True
        sim_server.should_exit = True
        await asyncio.gather(app_task, sim_task, return_exceptions=True)
    return 0
