"""The transfers console (JSON API and pages, behind the console's sign-in, role and CSRF
guards) and the ``wecom-app transfer`` command, each over the simulator."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, redirect_stdout
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.conftest import TEST_CORP_ID, FakeClock, _truncate_all, make_settings
from tests.support.consoles import APP, WECOM, Browser
from tests.support.transfer import TransferEnv, build_env, busiest, close_env, seed_directory
from tests.support.world import make_sim
from wecom_app import cli, tenants
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import SimClock
from wecom_app.simulator.transfer import transfer_desk
from wecom_app.store.db import close_db, init_db
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferItem, TransferPlan

API = "/console/api/transfers"


@pytest.fixture
async def env(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[TransferEnv]:
    built, _ = await build_env(tmp_path, database, kv, clock)
    try:
        yield built
    finally:
        await close_env(built)


@asynccontextmanager
async def browser(env: TransferEnv, userid: str | None) -> AsyncIterator[Browser]:
    """A browser on our app; signed in as ``userid`` through WeCom's sign-in when given."""
    app = env.http._transport  # the app behind the env's client
    async with (
        httpx.AsyncClient(transport=app, base_url=APP) as ours,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_simulator_app(env.sim)), base_url=WECOM
        ) as wecom,
    ):
        who = Browser(ours, wecom)
        if userid is not None:
            response = await who.sign_in(f"corp:{env.org.corp_id}", userid)
            assert response.status_code == 303, response.text
        yield who


def leaver_and_admin(env: TransferEnv) -> tuple[str, str, str]:
    leaver = busiest(env.org)
    others = sorted(u for u in env.org.employees if u != leaver)
    return leaver, others[0], others[1]


async def test_the_api_needs_a_signed_in_admin(env: TransferEnv) -> None:
    leaver, admin, member = leaver_and_admin(env)
    await ConsoleRole.create(corp=env.corp, userid=admin, role="admin")
    async with browser(env, None) as anonymous:
        assert (await anonymous.get(f"{API}/departures")).status_code == 401
    async with browser(env, member) as someone:
        response = await someone.get(f"{API}/departures")
        assert response.status_code == 403
        assert response.json()["error"] == "no_access"
    async with browser(env, admin) as boss:
        assert (await boss.get(f"{API}/departures")).status_code == 200
        # Without the CSRF token a change is refused, even for an admin.
        refused = await boss.post(f"{API}/plans", json={"handover_userid": leaver})
        assert refused.status_code == 403
        assert not await TransferPlan.exists()


async def test_an_admin_plans_previews_edits_submits_and_follows_a_transfer(
    env: TransferEnv,
) -> None:
    leaver, admin, member = leaver_and_admin(env)
    await ConsoleRole.create(corp=env.corp, userid=admin, role="admin")
    env.sim.delete_employee(env.org.corp_id, leaver)
    await env.deliver()
    customers = set(env.org.follows_by_user[leaver])

    async with browser(env, admin) as boss:
        token = await boss.csrf("/console/transfers")
        headers = {"X-CSRF-Token": token}
        departures = (await boss.get(f"{API}/departures")).json()["departures"]
        (gone,) = [d for d in departures if d["userid"] == leaver]
        assert gone["unassigned_customers"] == len(customers)
        assert gone["plan_id"] is None

        created = await boss.post(
            f"{API}/plans",
            json={"handover_userid": leaver, "strategy": "single", "successors": [member]},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        body = created.json()
        plan_id = body["plan"]["id"]
        assert body["customers"]["planned"] == len(customers)
        assert body["successors"][0]["userid"] == member
        again = await boss.post(f"{API}/plans", json={"handover_userid": leaver}, headers=headers)
        assert (again.status_code, again.json()["plan"]["id"]) == (200, plan_id)

        unknown = await boss.post(
            f"{API}/plans/{plan_id}/items",
            json={"items": ["wmnotthere"], "successor": admin},
            headers=headers,
        )
        assert (unknown.status_code, unknown.json()["error"]) == (400, "unknown_item")
        first = sorted(customers)[0]
        edited = await boss.post(
            f"{API}/plans/{plan_id}/items",
            json={"items": [first], "successor": admin, "version": body["plan"]["version"]},
            headers=headers,
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["changed"] == 1
        stale = await boss.post(
            f"{API}/plans/{plan_id}/submit",
            json={"version": body["plan"]["version"]},
            headers=headers,
        )
        assert (stale.status_code, stale.json()["error"]) == (400, "stale_version")

        submitted = await boss.post(
            f"{API}/plans/{plan_id}/submit",
            json={"version": edited.json()["version"]},
            headers=headers,
        )
        assert submitted.status_code == 202, submitted.text
        # The first run went on after the answer: WeCom has the transfers.
        progress = (await boss.get(f"{API}/plans/{plan_id}")).json()
        assert progress["customers"]["waiting"] == len(customers)
        waiting = (await boss.get(f"{API}/plans/{plan_id}/items?status=waiting&limit=5")).json()
        assert waiting["total"] == len(customers)
        assert len(waiting["items"]) == 5
        assert all(i["meaning"].startswith("WeCom started") for i in waiting["items"])
        late = await boss.post(
            f"{API}/plans/{plan_id}/items",
            json={"items": [first], "exclude": True},
            headers=headers,
        )
        assert late.status_code == 200
        assert late.json()["changed"] == 0  # already sent: not editable any more
        assert len(late.json()["not_editable"]) == 1

    env.advance(86400 + 120)
    await env.service.run(await TransferPlan.get(id=plan_id))
    async with browser(env, admin) as boss:  # a day later: a new sign-in
        export = await boss.get(f"{API}/plans/{plan_id}/export.csv")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
        assert {r["target_id"] for r in rows if r["kind"] == "customer"} == customers
        assert {r["status"] for r in rows} == {"done"}
        assert {r["successor"] for r in rows if r["target_id"] == first} == {admin}


async def test_a_plan_of_another_tenant_is_not_found(env: TransferEnv) -> None:
    leaver, admin, _ = leaver_and_admin(env)
    await ConsoleRole.create(corp=env.corp, userid=admin, role="admin")
    other = await Corp.create(corp_id="wwothertenant001", mode="self_built")
    theirs = await TransferPlan.create(
        corp=other,
        handover_userid=leaver,
        mode="onjob",
        strategy="single",
        created_at=0,
        updated_at=0,
    )
    async with browser(env, admin) as boss:
        assert (await boss.get(f"{API}/plans/{theirs.id}")).status_code == 404
        assert (await boss.get(f"{API}/plans/{theirs.id}/export.csv")).status_code == 404
        listed = (await boss.get(f"{API}/plans")).json()["plans"]
        assert listed == []


async def test_settings_and_the_pages(env: TransferEnv) -> None:
    leaver, admin, member = leaver_and_admin(env)
    await ConsoleRole.create(corp=env.corp, userid=admin, role="admin")
    async with browser(env, admin) as boss:
        token = await boss.csrf("/console/transfers")
        headers = {"X-CSRF-Token": token}
        saved = await boss.post(
            f"{API}/settings",
            json={"auto_draft": True, "successor_userids": [member], "customer_cap": 4000},
            headers=headers,
        )
        assert saved.status_code == 200, saved.text
        assert (await boss.get(f"{API}/settings")).json()["auto_draft"] is True
        bad = await boss.post(
            f"{API}/settings", json={"successor_userids": ["ghost"]}, headers=headers
        )
        assert bad.status_code == 400

        page = await boss.get("/console/transfers")
        assert page.status_code == 200
        assert "客户转接" in page.text  # the console speaks Chinese by default
        made = await boss.post(
            "/console/transfers/plans",
            data={
                "handover_userid": leaver,
                "successors": member,
                "strategy": "single",
                "csrf_token": token,
            },
        )
        assert made.status_code == 303
        plan_page = await boss.get(made.headers["location"])
        assert plan_page.status_code == 200
        assert "提交到企业微信" in plan_page.text
        plan = await TransferPlan.get(handover_userid=leaver)
        submitted = await boss.post(
            f"/console/transfers/{plan.id}/submit",
            data={"csrf_token": token, "version": str(plan.version)},
        )
        assert submitted.status_code == 303
        assert await TransferItem.filter(plan=plan, status="waiting").count() == len(
            env.org.follows_by_user[leaver]
        )


# -- the command line -------------------------------------------------------------------


class ServedSimulator:
    """The simulator over a real socket in a thread of its own (the CLI is a client)."""

    def __init__(self, sim: Simulator) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(create_simulator_app(sim), host="127.0.0.1", port=0, log_level="error")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["transfer", *args])
    return code, out.getvalue()


@pytest.fixture
def cli_world(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Simulator, str]]:
    clock = SimClock(now=time.time())  # the CLI's services run on the wall clock
    sim, org, _ = make_sim(
        clock, seed=3, customers=300, employees=8, now=int(clock()), callbacks=False, suite=False
    )
    settings = make_settings(tmp_path, database_url)

    async def prepare() -> None:
        await init_db(database_url)
        try:
            await _truncate_all()
            assert settings.self_built is not None
            corp = await tenants.register_self_built(
                settings.self_built, SecretBox(settings.secret_key)
            )
            await seed_directory(org, corp)
        finally:
            await close_db()

    asyncio.run(prepare())
    with ServedSimulator(sim) as base:
        env = {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": settings.secret_key,
            "WECOM_CORP_ID": TEST_CORP_ID,
            "WECOM_CORP_SECRET": "corp-secret-for-tests",
            "WECOM_AGENT_ID": "1000002",
            "WECOM_CALLBACK_TOKEN": "callback-token-for-tests",
            "WECOM_CALLBACK_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
            "WECOM_API_BASE": base,
            "INBOX_WORKER": "off",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        # Plan ids restart with each test's database; locks in a shared Redis would not.
        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.setenv("SINGLE_PROCESS", "1")
        yield sim, busiest(org)


def test_the_command_line_plans_edits_submits_and_reports(
    cli_world: tuple[Simulator, str], tmp_path: Path
) -> None:
    sim, leaver = cli_world
    org = sim.org(TEST_CORP_ID)
    successor, other = sorted(u for u in org.employees if u != leaver)[:2]
    customers = list(org.follows_by_user[leaver])

    code, out = run_cli("plan", leaver, "--strategy", "single", "--successor", successor, "--json")
    assert code == 0, out
    shown = json.loads(out)
    plan_id = str(shown["plan"]["id"])
    assert shown["customers"]["planned"] == len(customers)

    code, out = run_cli("edit", plan_id, customers[0], "--to", other)
    assert code == 0
    assert "changed 1" in out
    code, out = run_cli("edit", plan_id, "wmnothere", "--to", other)
    assert code == 1  # unknown item: refused, nothing changed

    code, out = run_cli("submit", plan_id)
    assert code == 0, out
    chats = [c for c in org.group_chats.values() if c.owner == leaver]
    assert f"accepted={len(customers) + len(chats)}" in out
    desk = transfer_desk(sim)
    assert {c for (_, _, h, _), r in desk.records.items() if h == leaver for c in r} == set(
        customers
    )

    report = tmp_path / "plan.csv"
    code, out = run_cli("status", plan_id, "--items", "--status", "waiting", "--csv", str(report))
    assert code == 0
    assert f"{len(customers)}" in out
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert {r["target_id"] for r in rows if r["kind"] == "customer"} == set(customers)
    code, out = run_cli("status")
    assert plan_id in out
    code, out = run_cli("run")
    assert code == 0
    assert "submitted=0" in out  # nothing is sent twice
