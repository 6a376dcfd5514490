"""Periodic jobs run in one process at a time; failures are recorded, never fatal."""

from __future__ import annotations

import asyncio

from wecom_app.jobs.scheduler import Scheduler
from wecom_app.kv import MemoryKV, RedisKV


async def test_a_job_runs_once_at_a_time_across_schedulers(kv: MemoryKV | RedisKV) -> None:
    running = 0
    peak = 0
    runs = 0

    async def job() -> None:
        nonlocal running, peak, runs
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        runs += 1

    first, second = Scheduler(kv), Scheduler(kv)  # two "processes" sharing the KV
    first.every("pull", 60, job)
    second.every("pull", 60, job)
    results = await asyncio.gather(first.run_now("pull"), second.run_now("pull"))
    assert sorted(results) == [False, True]
    assert (peak, runs) == (1, 1)
    assert await second.run_now("pull") is True  # the lock was released


async def test_a_failing_job_is_recorded_and_runs_again(kv: MemoryKV | RedisKV) -> None:
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("WeCom busy")

    scheduler = Scheduler(kv)
    scheduler.every("flaky", 0.01, flaky)
    scheduler.start()
    for _ in range(200):
        if calls >= 2:
            break
        await asyncio.sleep(0.02)
    await scheduler.stop()
    job = scheduler.jobs["flaky"]
    assert calls >= 2
    assert job.failures == 1
    assert job.last_error == "RuntimeError: WeCom busy"
