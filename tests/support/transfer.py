"""Shared set-up for the transfer tests and ``bench/transfer.py`` (no tests here).

:class:`TransferEnv` is one simulated org and our app over it: the simulator (its
clock is the services' clock), the app's services with WeCom's transport pointed at
the simulator, a :class:`TransferService` whose client does not retry busy answers by
itself (so tests see them), and our directory seeded from the simulator's world the
way a full sync would leave it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.conftest import (
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_CORP_ID,
    FakeClock,
    make_settings,
)
from wecom_app.app import create_app
from wecom_app.kv import KV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.simulator.transfer import TransferDesk, transfer_desk
from wecom_app.store.directory import Customer, FollowRelation, GroupChat, Tag
from wecom_app.store.models import Corp, Employee
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import TransferService
from wecom_app.wecom import RetryPolicy, WeComClient
from wecom_app.wecom_access import WeComAccess

CORP_SECRET = "corp-secret-for-tests"
AGENT_ID = 1000002


async def seed_directory(org: Org, corp: Corp) -> None:
    """Our directory as a complete sync of ``org`` would leave it (bulk inserts)."""
    employees = [
        Employee(
            corp_id=corp.id,
            userid=e.userid,
            name=e.name,
            departments=[str(d) for d in e.departments],
            main_department=str(e.main_department),
            position=e.position,
            status="active",
        )
        for e in org.employees.values()
    ]
    employees.extend(
        Employee(
            corp_id=corp.id,
            userid=d.employee.userid,
            name=d.employee.name,
            departments=[str(x) for x in d.employee.departments],
            main_department=str(d.employee.main_department),
            status="resigned",
            resigned_at=datetime.fromtimestamp(d.dimission_time, tz=UTC),
        )
        for d in org.departed.values()
    )
    await Employee.bulk_create(employees, batch_size=1000, ignore_conflicts=True)
    await Customer.bulk_create(
        [
            Customer(corp_id=corp.id, external_userid=c.external_userid, name=c.name)
            for c in org.customers.values()
        ],
        batch_size=1000,
    )
    await FollowRelation.bulk_create(
        [
            FollowRelation(
                corp_id=corp.id,
                external_userid=r.external_userid,
                userid=r.userid,
                remark=r.remark,
                description=r.description,
                tag_ids=list(r.tag_ids),
                added_at=r.createtime,
                add_way=r.add_way,
            )
            for relations in org.follows_by_user.values()
            for r in relations.values()
        ],
        batch_size=1000,
    )
    await Tag.bulk_create(
        [
            Tag(corp_id=corp.id, tag_id=t.id, group_id=t.group_id, name=t.name, type=1)
            for t in org.tags.values()
        ],
        batch_size=1000,
    )
    await GroupChat.bulk_create(
        [
            GroupChat(
                corp_id=corp.id,
                chat_id=c.chat_id,
                name=c.name,
                owner=c.owner,
                wecom_status=int(c.status),
            )
            for c in org.group_chats.values()
        ],
        batch_size=1000,
    )


@dataclass
class TransferEnv:
    sim: Simulator
    org: Org
    clock: FakeClock
    services: Services
    service: TransferService
    corp: Corp
    http: httpx.AsyncClient  # our app, for callbacks
    root: Runtime  # the process around the services: callback spine, jobs

    @property
    def desk(self) -> TransferDesk:
        return transfer_desk(self.sim)

    async def deliver(self) -> int:
        """Deliver the simulator's pending callbacks and apply them; how many."""
        deliveries = await self.sim.deliver_callbacks(self.http)
        assert all(d.report.answered_success for d in deliveries)
        assert self.root.worker is not None
        await self.root.worker.drain()
        return len(deliveries)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.desk.settle()

    async def statuses(self, plan: TransferPlan) -> dict[str, str]:
        return dict(await TransferItem.filter(plan_id=plan.id).values_list("target_id", "status"))


def busiest(org: Org, among: Sequence[str] | None = None) -> str:
    """The employee with the most customers (who has chats too, if any does)."""
    pool = list(among) if among is not None else list(org.employees)
    return max(pool, key=lambda u: len(org.follows_by_user.get(u, {})))


async def build_env(
    tmp_path: Path,
    database_url: str,
    kv: KV,
    clock: FakeClock,
    *,
    seed: int = 7,
    customers: int = 400,
    employees: int = 12,
    group_chats: int | None = 20,
    org: Org | None = None,
) -> tuple[TransferEnv, Services]:
    sim = Simulator(clock=clock, seed=seed)
    org = org or generate_org(
        seed,
        customers=customers,
        employees=employees,
        group_chats=group_chats,
        corp_id=TEST_CORP_ID,
        now=int(clock()),
    )
    sim.add_org(org)
    sim.enable_self_built_app(
        org.corp_id,
        secret=CORP_SECRET,
        callback_token=TEST_CALLBACK_TOKEN,
        callback_aes_key=TEST_AES_KEY,
        agent_id=AGENT_ID,
    )
    settings = make_settings(tmp_path, database_url, WECOM_CORP_SECRET=CORP_SECRET)
    simulated = httpx.ASGITransport(app=create_simulator_app(sim))
    services = Services(
        settings, clock=clock, kv=kv, run_worker=False, manage_db=False, transport=simulated
    )
    root = Runtime(services)
    await root.start()
    corp = await Corp.get(corp_id=org.corp_id)
    await seed_directory(org, corp)

    async def no_sleep(_: float) -> None:
        await asyncio.sleep(0)

    # No retries inside the client: busy answers reach the transfer code, as they do
    # when WeCom stays busy through the client's retries.
    client = WeComClient(transport=simulated, retry=RetryPolicy(max_busy_retries=0), sleep=no_sleep)
    access = WeComAccess(settings, kv, services.secrets, client)
    service = TransferService(access, kv, clock=clock)
    app = create_app(settings, root)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    env = TransferEnv(sim, org, clock, services, service, corp, http, root)
    return env, services


async def close_env(env: TransferEnv) -> None:
    await env.http.aclose()
    await env.service.wecom.client.aclose()
    await env.root.stop()
