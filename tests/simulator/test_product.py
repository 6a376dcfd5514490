"""The simulator against the product: its callbacks pass the real receiver and worker."""

from __future__ import annotations

import httpx

from tests.conftest import FakeClock
from tests.support.world import make_sim
from wecom_app.runtime import Runtime
from wecom_app.store.models import Employee


async def test_directory_callbacks_reach_the_store(
    client: httpx.AsyncClient, runtime: Runtime, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, seed=5, customers=50, employees=10, suite=False)
    sim.add_employee(org.corp_id, "newhire", name="林晓雯", departments=[2], position="销售顾问")
    sim.add_employee(org.corp_id, "shortstay", name="赵刚")
    sim.delete_employee(org.corp_id, "shortstay")

    deliveries = await sim.deliver_callbacks(client)
    assert [d.report.answered_success for d in deliveries] == [True, True, True]
    assert runtime.worker is not None
    await runtime.worker.drain()

    hired = await Employee.get(corp__corp_id=org.corp_id, userid="newhire")
    assert (hired.name, hired.position) == ("林晓雯", "销售顾问")
    left = await Employee.get(corp__corp_id=org.corp_id, userid="shortstay")
    assert left.status == "resigned"
