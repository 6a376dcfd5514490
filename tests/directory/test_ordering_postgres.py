"""Ordering per entity across workers on real PostgreSQL (issue 15, item 1).

Two inbox workers apply two ``update_user`` events of one employee at the same moment:
worker A the newer, worker B the older. A barrier makes them interleave the way that
lost updates before: A has read the row and is about to write when B reads it. With a
read-compare-write, B read the old version too and its older event overwrote A's; under
the row lock B waits for A's commit, then sees the newer version and drops its event.

SQLite has one writer (one transaction at a time), so the race cannot happen there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from tests.callbacks.test_receiver_concurrency import deliver
from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.callback_wire import ON_POSTGRES
from wecom_app.config import Settings
from wecom_app.runtime import Runtime
from wecom_app.simulator.callbacks import self_built_event
from wecom_app.store.models import Employee

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite has one writer: two workers cannot interleave"
)

T0 = 1_700_000_000


def user_event(change: str, create_time: int, name: str) -> dict[str, str | int | list[str]]:
    return self_built_event(
        TEST_CORP_ID, "change_contact", change, create_time=create_time, UserID="u1", Name=name
    )


async def someone_waits_on_a_lock(database_url: str) -> None:
    """Return once a backend of this database waits on a row lock (B behind A's lock)."""
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        while not await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ):
            pass  # each query yields to the loop; no sleeps
    finally:
        await conn.close()


class Barrier:
    """Hooks ``Employee.save`` so that A writes only once B has read (or is waiting to)."""

    def __init__(self, database_url: str, save: Callable[..., Awaitable[None]]) -> None:
        self.database_url = database_url
        self.save = save
        self.a_at_write = asyncio.Event()
        self.b_read = asyncio.Event()
        self.a_done = asyncio.Event()

    async def hooked_save(self, employee: Employee, *args: Any, **kwargs: Any) -> None:
        if employee.name == "newer":  # worker A
            self.a_at_write.set()
            waits = [
                asyncio.create_task(self.b_read.wait()),
                asyncio.create_task(someone_waits_on_a_lock(self.database_url)),
            ]
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        elif employee.name == "older":  # worker B, having read and compared
            self.b_read.set()
            await self.a_done.wait()
        await self.save(employee, *args, **kwargs)


async def test_two_workers_never_let_an_older_event_overwrite_a_newer_one(
    client: httpx.AsyncClient,
    clock: FakeClock,
    runtime: Runtime,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (await deliver(client, user_event("create_user", T0, "first"), clock)).text == ""
    assert await runtime.build_worker().drain() == 1

    # Received newer first, so worker A (claiming first) takes the newer event.
    for event in (
        user_event("update_user", T0 + 200, "newer"),
        user_event("update_user", T0 + 100, "older"),
    ):
        assert (await deliver(client, event, clock)).text == ""
    barrier = Barrier(settings.database_url, Employee.save)

    async def save(employee: Employee, *args: Any, **kwargs: Any) -> None:
        await barrier.hooked_save(employee, *args, **kwargs)

    monkeypatch.setattr(Employee, "save", save)
    worker_a, worker_b = runtime.build_worker(), runtime.build_worker()
    worker_a.batch_size = worker_b.batch_size = 1

    async def run_a() -> int:
        try:
            return await worker_a.run_once()
        finally:
            barrier.a_done.set()

    a = asyncio.create_task(run_a())
    await asyncio.wait_for(barrier.a_at_write.wait(), 10)
    b = asyncio.create_task(worker_b.run_once())
    assert list(await asyncio.wait_for(asyncio.gather(a, b), 20)) == [1, 1]

    employee = await Employee.get(corp__corp_id=TEST_CORP_ID, userid="u1")
    assert (employee.name, employee.last_event_time) == ("newer", T0 + 200)
