"""``wecom-app demo``: the product against the built-in WeCom simulator, no credentials.

What it runs, in one process, on a fresh machine:

1. migrates the embedded database under ``./data/`` (or ``DATABASE_URL``);
2. serves the WeCom simulator (its API, OAuth pages and callback sender) on its own
   port, with a seeded demo org: a few hundred customers with Chinese names, the corp
   tag library, customer group chats — the same org every run;
3. serves the app with ``WECOM_API_BASE`` pointing at the simulator and a third-party
   suite configured (credentials generated once into ``data/demo.json``);
4. installs the suite into the demo org through the real flow: WeCom pushes the suite
   ticket → our install link (suite token, pre-auth code) → the admin installs → the
   browser comes back to ``/console/install/return`` with the auth code *and* WeCom
   pushes ``create_auth`` with the same code → one permanent-code exchange → a tenant;
5. the initial full sync runs as a background job (progress printed);
6. WeCom pushes a few live callbacks — a new customer, a deletion, a tag change, a
   customer joining a group chat — and their timeline entries are printed;
7. gives the tenant a chat archive (the archive feature's
   :func:`~wecom_app.simulator.archive_demo.enable_demo_archive`) and pulls it;
8. prints the URLs to open (the admin and compliance consoles, the sidebar preview,
   metrics, the simulator).
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

from callbacks import inbox
from wecom_app import install
from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.directory import timeline
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.archive_demo import enable_demo_archive
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store.directory import SyncRun
from wecom_app.store.migrate import migrate
from wecom_app.store.models import Corp, SuiteTicket

DEMO_CORP_ID = "wwdemo0000000001"
DEMO_SEED = 2024
DEMO_CUSTOMERS = 300
DEMO_EMPLOYEES = 25
DEMO_FILE_VERSION = 2
INSTALL_RETURN_PATH = "/console/install/return"
# Settings the demo owns: the caller's environment must not point it elsewhere.
_OWN_PREFIXES = ("WECOM_CORP_", "WECOM_AGENT_", "WECOM_CALLBACK_", "WECOM_SUITE_")
_OWN_NAMES = ("WECOM_API_BASE", "PUBLIC_URL", "WECOM_APP_OAUTH_BASE")

Say = Callable[[str], None]


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

    sim = Simulator(clock=time.time, seed=DEMO_SEED)
    org = sim.add_org(demo_org())
    suite = settings.suite
    assert suite is not None
    sim.add_suite(
        suite.suite_id, secret=suite.suite_secret, token=suite.token, aes_key=suite.aes_key
    )
    sim_server, sim_task = await _serve(create_simulator_app(sim), sim_sock)
    say(
        f"simulated WeCom at {sim_url}: org {org.name} ({org.corp_id}), "
        f"{len(org.employees)} employees, {len(org.customers)} customers, "
        f"{len(org.tags)} tags, {len(org.group_chats)} group chats"
    )
    services = Services(settings)
    app_server, app_task = await _serve(create_app(settings, services), app_sock)
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            corp = await _install(services, sim, org, http, base, say)
            await _wait_for_sync(corp, say)
            await _live_callbacks(services, sim, org, corp, http, base, say)
        say("7. the chat archive (会话存档): secret and keys configured, pulled, indexed")
        await enable_demo_archive(services, sim, corp, say=lambda line: say("   " + line))
        authorization = sim.world.authorizations[(suite.suite_id, org.corp_id)]
        say(
            f"\nready in {time.monotonic() - started:.1f} s. Open:\n"
            f"  {base}/console/            admin console (sign in through the simulated "
            f"WeCom as {authorization.installer_userid}, the installing admin)\n"
            f"  {base}/console/compliance/ compliance console (archive search; an admin grants "
            f"the compliance role under Roles first)\n"
            f"  {base}/sidebar/preview     the in-chat sidebar, played in any browser\n"
            f"  {base}/metrics             Prometheus metrics\n"
            f"  {base}/readyz              readiness\n"
            f"  {sim_url}                  the simulated WeCom API (JSON for the app, "
            f"not a page)\n"
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


async def _deliver(sim: Simulator, http: httpx.AsyncClient, base: str, say: Say) -> None:
    for delivery in await sim.deliver_callbacks(http, base):
        if not delivery.report.answered_success:
            say(f"  callback not accepted: {delivery.report.statuses}")


async def _until(check: Callable[[], Any], *, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _install(
    services: Services,
    sim: Simulator,
    org: Org,
    http: httpx.AsyncClient,
    base: str,
    say: Say,
) -> Corp:
    suite = services.settings.suite
    assert suite is not None
    say("\n1. WeCom pushes the suite ticket (every 10 minutes) to /callbacks/suite")
    sim.push_suite_ticket(suite.suite_id)
    await _deliver(sim, http, base, say)

    async def ticket_stored() -> bool:
        return await SuiteTicket.filter(suite_id=suite.suite_id).exists()

    await _until(ticket_stored, timeout_s=10, what="the suite ticket")
    say("2. install link: suite token → pre-auth code → WeCom's install page")
    state = secrets.token_urlsafe(8)
    link = await install.install_link(
        services, redirect_uri=base + INSTALL_RETURN_PATH, state=state, test_install=True
    )
    say(f"   {link[:110]}…")
    pre_auth_code = parse_qs(urlsplit(link).query)["pre_auth_code"][0]
    auth_code = sim.install_from_link(pre_auth_code, org, state=state)
    say("3. the admin installs; WeCom redirects back with the auth code, and also pushes")
    say("   create_auth with the same code: whichever comes first is exchanged, once")
    sim.callbacks.emit_suite(suite.suite_id, "create_auth", {"AuthCode": auth_code, "State": state})
    await _deliver(sim, http, base, say)
    response = await http.get(
        base + INSTALL_RETURN_PATH, params={"auth_code": auth_code, "state": state}
    )
    if response.status_code == 404:  # a build without the console: do what it would
        await install.complete_install(services, auth_code, source="redirect")

    async def installed() -> Corp | None:
        return await Corp.filter(corp_id=org.corp_id, status="active", mode="suite").first()

    corp: Corp = await _until(installed, timeout_s=15, what="the install")
    exchanges = sim.calls["/cgi-bin/service/get_permanent_code"]
    say(
        f"4. permanent code exchanged ({exchanges} call), sealed at rest; tenant "
        f"{corp.name} ({corp.corp_id}) is {corp.status}"
    )
    return corp


async def _wait_for_sync(corp: Corp, say: Say) -> None:
    say("5. the initial full sync runs as a background job:")
    last = ""

    async def finished() -> SyncRun | None:
        nonlocal last
        run = await SyncRun.filter(corp_id=corp.id).order_by("-id").first()
        if run is None:
            return None
        line = f"   {run.status:<8} {run.stage:<12} " + "  ".join(
            f"{k} {v:,}" for k, v in run.counts.items()
        )
        if line != last:
            say(line)
            last = line
        return run if run.status in ("done", "failed", "paused", "cancelled") else None

    run: SyncRun = await _until(finished, timeout_s=40, what="the initial sync")
    if run.status != "done":
        say(f"   the sync stopped: {run.error}")


async def _live_callbacks(
    services: Services,
    sim: Simulator,
    org: Org,
    corp: Corp,
    http: httpx.AsyncClient,
    base: str,
    say: Say,
) -> None:
    say("6. live callbacks from WeCom:")
    sellers = [e.userid for e in org.active_employees() if e.customer_contact]
    seller = sellers[0]
    newcomer = sim.add_customer(org.corp_id, seller, state="demo_live", remark="展会新客户")
    say(f"   - {newcomer.name} adds {seller} (add_external_contact)")
    lost = org.customers_of(sellers[1])[0]
    sim.employee_deletes_customer(org.corp_id, lost.userid, lost.external_userid)
    lost_name = org.customers[lost.external_userid].name
    say(f"   - {lost.userid} deletes {lost_name} (del_external_contact)")
    tagged = next(
        r for r in org.customers_of(seller) if r.external_userid != newcomer.external_userid
    )
    new_tag = next(t for t in org.tags if t not in tagged.tag_ids)
    sim.employee_edits_customer(org.corp_id, seller, tagged.external_userid, add_tags=[new_tag])
    tagged_name = org.customers[tagged.external_userid].name
    say(f"   - {seller} tags {tagged_name} 「{org.tags[new_tag].name}」 (edit_external_contact)")
    chat = next(c for c in org.group_chats.values() if c.owner in org.employees)
    sim.join_group_chat(org.corp_id, chat.chat_id, [newcomer.external_userid])
    say(f"   - {newcomer.name} joins the group chat 「{chat.name}」 (change_external_chat)")
    await _deliver(sim, http, base, say)

    async def applied() -> bool:
        counts = await inbox.backlog()
        return not counts.get("pending") and not counts.get("processing")

    await _until(applied, timeout_s=15, what="the callbacks to be applied")
    for external_userid, name in (
        (newcomer.external_userid, newcomer.name),
        (lost.external_userid, lost_name),
        (tagged.external_userid, tagged_name),
    ):
        entries = await timeline.for_customer(corp.id, external_userid, limit=4)
        kinds = ", ".join(f"{e.kind}{_detail(e.userid, e.detail)}" for e in reversed(entries))
        say(f"   timeline of {name}: {kinds}")


def _detail(userid: str, detail: dict[str, Any]) -> str:
    added = detail.get("added")
    if isinstance(added, list) and added:
        return " +" + "/".join(str(t.get("name", "")) for t in added if isinstance(t, dict))
    if detail.get("chat_name"):
        return f" 「{detail['chat_name']}」"
    return f" ({userid})" if userid else ""
