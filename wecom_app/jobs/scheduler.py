"""Periodic jobs, safe with several worker processes: each run holds a KV lock.

``scheduler.every("archive-pull", 60, pull_all)`` runs ``pull_all`` about every minute in
exactly one process at a time. A failing run is logged and tried again next interval;
it never stops the scheduler. Tests call :meth:`Scheduler.run_now` instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wecom_app.kv import KV, LockTimeout

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[None]]


@dataclass
class Job:
    name: str
    interval_s: float
    func: JobFunc
    runs: int = 0
    failures: int = 0
    last_error: str = ""


class Scheduler:
    def __init__(self, kv: KV) -> None:
        self.kv = kv
        self.jobs: dict[str, Job] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, name: str, interval_s: float, func: JobFunc) -> None:
        if name in self.jobs:
            raise ValueError(f"job {name!r} is already scheduled")
        self.jobs[name] = Job(name, interval_s, func)

    def start(self) -> None:
        for job in self.jobs.values():
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def run_now(self, name: str) -> bool:
        """Run one job once (if no other process is running it); True if it ran."""
        job = self.jobs[name]
        try:
            async with self.kv.lock(
                f"job:{name}", timeout=max(job.interval_s, 30.0), blocking_timeout=0
            ):
                job.runs += 1
                await job.func()
        except LockTimeout:
            return False
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            job.failures += 1
            job.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            log.warning("job %s failed: %s", name, type(exc).__name__)
        return True

    async def _loop(self, job: Job) -> None:
        # Spread the first runs so jobs of many processes do not start in lockstep.
        await asyncio.sleep(random.uniform(0, min(job.interval_s, 5.0)))
        while True:
            await self.run_now(job.name)
            await asyncio.sleep(job.interval_s)
