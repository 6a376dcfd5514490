"""Scheduled jobs: once per interval across processes, resumed after a kill, reported.

Two ``Scheduler`` objects over one KV store stand for two processes (the shared ``kv``
fixture is Redis when ``REDIS_URL`` is set). Time is a :class:`FakeClock`: a test moves
to the next interval instead of waiting for it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.conftest import FakeClock, make_settings
from wecom_app.cli import worker_services
from wecom_app.config import Settings
from wecom_app.jobs.scheduler import Scheduler, job_gauges, lease_seconds
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.metrics import Metrics
from wecom_app.runtime import Runtime
from wecom_app.services import Services


async def test_a_job_runs_once_at_a_time_across_schedulers(kv: MemoryKV | RedisKV) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        entered.set()
        await release.wait()

    first, second = Scheduler(kv), Scheduler(kv)  # two "processes" sharing the KV
    first.every("pull", 60, job)
    second.every("pull", 60, job)
    running = asyncio.create_task(first.run_now("pull"))
    await entered.wait()
    assert await second.run_now("pull") is False  # a run is in progress elsewhere
    release.set()
    assert await running is True
    assert runs == 1
    assert await second.run_now("pull") is True  # the lease was released


async def test_each_interval_runs_once_across_processes(kv: MemoryKV | RedisKV) -> None:
    clock = FakeClock(1_800_000_000.0)
    runs: list[str] = []
    schedulers = [Scheduler(kv, clock=clock, owner=f"p{i}") for i in range(3)]
    for scheduler in schedulers:

        async def job(owner: str = scheduler.owner) -> None:
            runs.append(owner)

        scheduler.every("reconcile", 600, job)

    for interval in range(3):
        ran = await asyncio.gather(*(s.tick("reconcile") for s in schedulers))
        assert sorted(ran) == [False, False, True], interval
        # Later ticks in the same interval (any process) do nothing.
        assert not any(await asyncio.gather(*(s.tick("reconcile") for s in schedulers)))
        clock.advance(600)
    assert len(runs) == 3


async def test_a_failing_job_is_recorded_and_runs_again_next_interval(
    kv: MemoryKV | RedisKV,
) -> None:
    clock = FakeClock(1_800_000_000.0)
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("WeCom busy")

    scheduler = Scheduler(kv, clock=clock)
    scheduler.every("flaky", 30, flaky)
    assert await scheduler.tick("flaky") is True
    job = scheduler.jobs["flaky"]
    assert (job.failures, job.last_error) == (1, "RuntimeError: WeCom busy")
    state = await scheduler.state("flaky")
    assert state is not None
    assert state.error == "RuntimeError: WeCom busy"
    assert state.started_at == clock()

    clock.advance(30)
    assert await scheduler.tick("flaky") is True
    assert calls == 2
    state = await scheduler.state("flaky")
    assert state is not None
    assert state.error == ""


async def test_a_job_killed_mid_run_resumes_in_another_process_within_one_interval() -> None:
    clock = FakeClock(1_800_000_000.0)
    kv = MemoryKV(clock=clock)  # the lease expires on the fake clock too
    started = asyncio.Event()
    runs: list[str] = []

    async def hangs() -> None:
        runs.append("killed")
        started.set()
        await asyncio.Event().wait()  # never returns, never renews: SIGKILLed here

    async def finishes() -> None:
        runs.append("survivor")

    killed, survivor = Scheduler(kv, clock=clock), Scheduler(kv, clock=clock)
    killed.every("archive-pull", 60, hangs)
    survivor.every("archive-pull", 60, finishes)
    dead = asyncio.create_task(killed.tick("archive-pull"))
    await started.wait()
    assert await survivor.tick("archive-pull") is False  # this interval is claimed

    clock.advance(lease_seconds(60) - 1)
    assert await survivor.run_now("archive-pull") is False  # the lease still holds

    clock.advance(60 - lease_seconds(60) + 1)  # the next interval: the lease has expired
    assert await survivor.tick("archive-pull") is True
    assert runs == ["killed", "survivor"]
    dead.cancel()


async def test_metrics_report_each_jobs_last_run_duration_and_error(
    kv: MemoryKV | RedisKV,
) -> None:
    clock = FakeClock(1_800_000_000.0)

    async def ok() -> None:
        pass

    async def broken() -> None:
        raise ValueError("no")

    runner, reporter = Scheduler(kv, clock=clock), Scheduler(kv, clock=clock)
    for scheduler in (runner, reporter):
        scheduler.every("retention-purge", 3600, ok)
        scheduler.every("compliance-alert-notify", 30, broken)
    await runner.tick("retention-purge")
    await runner.tick("compliance-alert-notify")

    metrics = Metrics()  # another process's /metrics: it ran nothing itself
    metrics.gauges.extend(job_gauges(reporter))
    text = await metrics.render()
    assert f'wecom_job_last_run_timestamp_seconds{{job="retention-purge"}} {clock():g}' in text
    assert 'wecom_job_last_duration_seconds{job="retention-purge"}' in text
    assert 'wecom_job_last_run_failed{job="compliance-alert-notify"} 1' in text
    assert 'wecom_job_last_run_failed{job="retention-purge"} 0' in text


def test_worker_processes_run_the_scheduled_jobs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite://{tmp_path / 'db.sqlite3'}")
    worker = worker_services(settings, burst=False)
    assert (worker.runs_background_work(), worker.runs_jobs()) == (False, True)
    assert worker_services(settings, burst=True).runs_jobs() is False
    assert Services(settings, run_worker=False).runs_jobs() is False  # serve --no-worker


async def test_a_runtime_that_runs_jobs_starts_its_scheduler(
    settings: Settings, kv: MemoryKV | RedisKV, clock: FakeClock
) -> None:
    svc = Services(settings, clock=clock, kv=kv, run_worker=False, run_jobs=True, manage_db=False)
    async with Runtime(svc) as runtime:
        assert runtime.scheduler is not None
        assert runtime.scheduler.running
        assert runtime.worker is not None
