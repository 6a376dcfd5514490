"""What follows a customer to the successor (database only), the departure receiver,
and a worker process killed with SIGKILL in the middle of submitting."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import TEST_CORP_ID, FakeClock, _truncate_all, make_settings
from tests.consoles.test_transfers import ServedSimulator
from tests.support.transfer import busiest, seed_directory
from tests.support.world import make_sim
from wecom_app import signals, tenants
from wecom_app.kv import MemoryKV
from wecom_app.secretbox import SecretBox
from wecom_app.services import Services
from wecom_app.simulator.state import SimClock
from wecom_app.simulator.transfer import transfer_desk
from wecom_app.store.db import close_db, init_db
from wecom_app.store.directory import FollowRelation, Tag, TimelineEvent
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sidebar import Reminder
from wecom_app.store.transfer import CustomerTransfer, TransferItem, TransferPlan, TransferSettings
from wecom_app.transfer import Move, PlanOptions, TransferService, carry_over, register_hook, rules
from wecom_app.transfer.carryover import unregister_hook
from wecom_app.transfer.departures import on_employee_resigned
from wecom_app.transfer.drafting import create_plan


async def corp_with_relation() -> Corp:
    corp = await Corp.create(corp_id="wwcarrycorp00001", mode="self_built")
    await Tag.bulk_create(
        [
            Tag(corp=corp, tag_id="et_corp", name="意向", type=1),
            Tag(corp=corp, tag_id="et_mine", name="我的", type=2),
        ]
    )
    await FollowRelation.create(
        corp=corp,
        external_userid="wmcustomer",
        userid="old",
        remark="王总-华为",
        description="每周三回访",
        tag_ids=["et_corp", "et_mine"],
    )
    return corp


async def test_carry_over_moves_what_exists_and_is_idempotent(database: str) -> None:
    corp = await corp_with_relation()
    await Reminder.create(
        corp=corp,
        external_userid="wmcustomer",
        userid="old",
        created_by="old",
        text="寄样品",
        due_at=1,
        created_at=0,
    )
    seen: list[Sequence[Move]] = []

    async def hook(_: Corp, moves: Sequence[Move]) -> None:
        seen.append(moves)

    register_hook(hook)
    try:
        carried = await carry_over(corp, "wmcustomer", "old", "new", completed_at=1_700_000_000)
        again = await carry_over(corp, "wmcustomer", "old", "new", completed_at=1_700_000_000)
    finally:
        unregister_hook(hook)

    assert (carried.set_remark, carried.set_description) == ("王总-华为", "每周三回访")
    assert carried.add_tag_ids == ["et_corp"]  # WeCom's API sets corp tags only
    assert carried.other_tag_ids == ["et_mine"]  # kept for the sidebar to show
    assert again == carried  # a re-run makes the same decision
    old = await FollowRelation.get(corp=corp, userid="old")
    new = await FollowRelation.get(corp=corp, userid="new")
    assert (old.status, old.ended_at) == ("transferred", 1_700_000_000)
    assert (new.status, new.remark, new.tag_ids) == ("active", "王总-华为", ["et_corp", "et_mine"])
    assert (await Reminder.get(corp=corp)).userid == "new"
    (history,) = await CustomerTransfer.filter(corp=corp)
    assert (history.from_userid, history.to_userid, history.completed_at) == (
        "old",
        "new",
        1_700_000_000,
    )
    sides = {(e.userid, e.detail["direction"]) for e in await TimelineEvent.filter(corp=corp)}
    assert sides == {("old", "out"), ("new", "in")}
    assert len(seen) == 2  # every carry-over calls the hooks; they must be idempotent


async def test_a_successor_who_already_follows_keeps_their_own_remark(database: str) -> None:
    corp = await corp_with_relation()
    await FollowRelation.create(
        corp=corp, external_userid="wmcustomer", userid="new", remark="老王", tag_ids=[]
    )
    carried = await carry_over(corp, "wmcustomer", "old", "new", completed_at=5)
    assert carried.set_remark == ""  # never overwrite what the successor wrote
    assert carried.set_description == "每周三回访"  # but fill what they lack
    assert carried.add_tag_ids == ["et_corp"]
    new = await FollowRelation.get(corp=corp, userid="new")
    assert (new.remark, new.description) == ("老王", "每周三回访")


async def test_the_departure_receiver_drafts_only_when_the_tenant_wants_it(
    database: str,
) -> None:
    corp = await corp_with_relation()
    leaver = await Employee.create(corp=corp, userid="old", status="resigned")
    await Employee.create(corp=corp, userid="new", departments=["1"], main_department="1")
    await signals.employee_resigned.send(corp=corp, employee=leaver, resigned_at=1_700_000_000)
    assert not await TransferPlan.exists()  # auto_draft is off by default

    await TransferSettings.create(corp=corp, auto_draft=True, successor_userids=["new"])
    await on_employee_resigned(corp=corp, employee=leaver, resigned_at=1_700_000_000)
    await on_employee_resigned(corp=corp, employee=leaver, resigned_at=1_700_000_000)  # replay
    (plan,) = await TransferPlan.filter(corp=corp)
    assert (plan.source, plan.mode, plan.status) == ("auto", "resigned", "draft")
    assert await TransferItem.filter(plan=plan, takeover_userid="new").count() == 1


# -- a real crash --------------------------------------------------------------------------

_SUBMIT_AND_DIE = """
import asyncio, os, signal, sys
from wecom_app.config import Settings
from wecom_app.services import Services
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import TransferService

async def main() -> None:
    async with Services(Settings.from_env(), run_worker=False) as services:
        calls = 0

        async def die_on_second_call(kind, ids):
            nonlocal calls
            calls += 1
            if calls == 2:  # the items are marked and committed; the call never happens
                os.kill(os.getpid(), signal.SIGKILL)

        service = TransferService.of(services)
        service.before_call = die_on_second_call
        plan = await TransferPlan.get(id=int(sys.argv[1]))
        await service.submit(plan)

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_worker_killed_by_sigkill_mid_submit_sends_nothing_twice(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimClock(now=time.time())
    sim, org, _ = make_sim(
        clock, seed=9, customers=1500, employees=8, now=int(clock()), callbacks=False, suite=False
    )
    leaver = busiest(org)
    customers = set(org.follows_by_user[leaver])
    assert len(customers) > 200
    settings = make_settings(tmp_path, database_url)
    successor = sorted(u for u in org.employees if u != leaver)[0]

    async def prepare() -> int:
        await init_db(database_url)
        try:
            await _truncate_all()
            assert settings.self_built is not None
            corp = await tenants.register_self_built(
                settings.self_built, SecretBox(settings.secret_key)
            )
            await seed_directory(org, corp)
            plan, _ = await create_plan(
                corp,
                leaver,
                PlanOptions(strategy="single", successors=(successor,)),
                now=time.time(),
            )
            return plan.id
        finally:
            await close_db()

    plan_id = asyncio.run(prepare())
    with ServedSimulator(sim) as base:
        # The killed worker leaves its plan lock behind (it expires by itself): keep it
        # in the worker's own memory, not in a Redis other tests share.
        inherited = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env = {
            **inherited,
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
            "SINGLE_PROCESS": "1",  # no Redis on purpose (see above)
        }
        worker = subprocess.run(
            [sys.executable, "-c", _SUBMIT_AND_DIE, str(plan_id)],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-2000:]
        desk = transfer_desk(sim)
        sent_before = {c for records in desk.records.values() for c in records}
        assert len(sent_before) == 100  # the first batch only

        async def recover() -> tuple[int, int]:
            settings_now = make_settings(tmp_path, database_url, WECOM_API_BASE=base)
            later = FakeClock(time.time() + rules.SUBMIT_LEASE_S + 1)
            services = Services(settings_now, clock=later, kv=MemoryKV(), run_worker=False)
            async with services:
                stuck = await TransferItem.filter(plan_id=plan_id, status="submitting").count()
                plan = await TransferPlan.get(id=plan_id)
                await TransferService.of(services).run(plan)
                waiting = await TransferItem.filter(
                    plan_id=plan_id, kind="customer", status="waiting"
                ).count()
            return stuck, waiting

        stuck, waiting = asyncio.run(recover())
    assert stuck == 100  # marked before the kill, committed, never sent
    assert waiting == len(customers)
    started = [c for records in desk.records.values() for c in records]
    assert sorted(started) == sorted(customers)  # every customer exactly once
