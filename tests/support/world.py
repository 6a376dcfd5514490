"""The tests' one world builder: a simulated WeCom org, and the app running on it.

- :func:`make_sim` builds the simulated side: a :class:`Simulator` with one generated
  org whose self-built app carries the test callback credentials. On its own (no
  ``clock``) it is the simulator tests' world: the simulator's own :class:`SimClock`.
  Given the app's clock it is the app's world: the org is the test corp
  (``TEST_CORP_ID``) with the corp secret the test settings carry, and the test suite is
  registered, so the app's services can talk to it as they would to WeCom.
- :func:`running_app` builds the app side on such a simulator: the services (the
  simulator's ASGI app as WeCom's transport), the runtime around them (callback spine,
  worker, jobs) and an in-process client of the app's own ASGI app, for the
  simulator's callbacks and for pages. Options: ``fast_retries`` (busy answers are
  retried without real backoff), ``build_app`` (whether to serve the app at all).

Consoles, sidebar and archive tests add their own state (sessions, seeded directory,
archive keys) on top of these; their fixtures are in the area's conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar, overload

import httpx

from tests.conftest import (
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_CORP_ID,
    TEST_SUITE_AES_KEY,
    TEST_SUITE_ID,
    TEST_SUITE_TOKEN,
    FakeClock,
)
from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org, SimClock
from wecom_app.wecom import RetryPolicy

APP_CORP_SECRET = "corp-secret-for-tests"  # make_settings' WECOM_CORP_SECRET
APP_SUITE_SECRET = "suite-secret-for-tests"
SIM_CORP_SECRET = "corp-secret-for-simulator-tests"
AGENT_ID = 1000002  # make_settings' WECOM_AGENT_ID


AnyClock = TypeVar("AnyClock", FakeClock, SimClock)


@overload
def make_sim(
    clock: None = None,
    *,
    seed: int | None = None,
    customers: int = 300,
    employees: int = 20,
    group_chats: int | None = None,
    corp_id: str | None = None,
    now: int | None = None,
    corp_secret: str | None = None,
    callbacks: bool = True,
    suite: bool | None = None,
) -> tuple[Simulator, Org, SimClock]: ...


@overload
def make_sim(
    clock: AnyClock,
    *,
    seed: int | None = None,
    customers: int = 300,
    employees: int = 20,
    group_chats: int | None = None,
    corp_id: str | None = None,
    now: int | None = None,
    corp_secret: str | None = None,
    callbacks: bool = True,
    suite: bool | None = None,
) -> tuple[Simulator, Org, AnyClock]: ...


def make_sim(
    clock: FakeClock | SimClock | None = None,
    *,
    seed: int | None = None,
    customers: int = 300,
    employees: int = 20,
    group_chats: int | None = None,
    corp_id: str | None = None,
    now: int | None = None,
    corp_secret: str | None = None,
    callbacks: bool = True,
    suite: bool | None = None,
) -> tuple[Simulator, Org, FakeClock | SimClock]:
    """A simulator and its org; with the app's ``clock``, set up for the app (above).

    Defaults differ by world, as the tests were written against them: ``seed`` 11 for
    the simulator's own world and 7 for the app's; ``corp_id`` generated, or
    ``TEST_CORP_ID`` for the app's; the corp secret the simulator tests use, or the one
    the test settings carry. ``now`` dates the generated org (default: the generator's).
    ``callbacks=False`` leaves the self-built app without callback credentials (the
    simulator then sends no callbacks); ``suite`` registers the test suite (default: in
    the app's world)."""
    for_app = clock is not None
    world_clock: FakeClock | SimClock = clock if clock is not None else SimClock()
    seed = seed if seed is not None else (7 if for_app else 11)
    if for_app and corp_id is None:
        corp_id = TEST_CORP_ID
    sim = Simulator(clock=world_clock, seed=seed)
    generated = generate_org(
        seed,
        customers=customers,
        employees=employees,
        group_chats=group_chats,
        corp_id=corp_id,
        **({} if now is None else {"now": now}),
    )
    org = sim.add_org(generated)
    sim.enable_self_built_app(
        org.corp_id,
        secret=corp_secret or (APP_CORP_SECRET if for_app else SIM_CORP_SECRET),
        callback_token=TEST_CALLBACK_TOKEN if callbacks else None,
        callback_aes_key=TEST_AES_KEY if callbacks else None,
        agent_id=AGENT_ID,
    )
    if suite if suite is not None else for_app:
        sim.add_suite(
            TEST_SUITE_ID,
            secret=APP_SUITE_SECRET,
            token=TEST_SUITE_TOKEN,
            aes_key=TEST_SUITE_AES_KEY,
        )
    return sim, org, world_clock


@dataclass
class App:
    services: Services
    http: httpx.AsyncClient  # to the app, for the simulator's callbacks
    runtime: Runtime  # the services' callback spine and jobs

    async def deliver(self, sim: Simulator) -> None:
        """Deliver the simulator's pending callbacks and apply them."""
        deliveries = await sim.deliver_callbacks(self.http)
        assert all(d.report.answered_success for d in deliveries), [
            d.report.statuses for d in deliveries
        ]
        assert self.runtime.worker is not None
        await self.runtime.worker.drain()


@asynccontextmanager
async def running_app(
    settings: Settings,
    kv: KV,
    clock: FakeClock,
    sim: Simulator,
    *,
    fast_retries: bool = True,
) -> AsyncIterator[App]:
    """The app's services and runtime on ``sim``, and a client of the app itself."""
    services = Services(
        settings,
        clock=clock,
        kv=kv,
        run_worker=False,
        manage_db=False,
        transport=httpx.ASGITransport(app=create_simulator_app(sim)),
    )
    async with Runtime(services) as runtime:
        if fast_retries:  # busy answers are retried with backoff: keep the tests fast
            services.wecom.client.retry = RetryPolicy(
                backoff_base_s=0.001, backoff_max_s=0.002, jitter=False
            )
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield App(services, http, runtime)
