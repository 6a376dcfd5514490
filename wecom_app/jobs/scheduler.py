"""Periodic jobs, at most once per interval across every process that runs them.

``scheduler.every("archive-pull", 60, pull_all)`` runs ``pull_all`` once in each
60-second interval (a *slot*: ``floor(now / 60)``) in exactly one process — whichever
claims the slot first — and never two runs of a job at once. State lives in the KV
store (Redis when ``REDIS_URL`` is set, shared by every process; in-process in the
embedded default, where one process runs everything), never in a process:

- ``job:<name>:slot:<n>`` — the claim of slot ``n``, set only if absent (one winner);
- ``job:<name>:running`` — the lease of the run in progress, renewed every third of
  :func:`lease_seconds` while the job runs. A process killed mid-run (SIGKILL) stops
  renewing; its lease expires in at most half an interval (30 s at most), and the next
  slot runs the job in another process — so a job resumes within one interval;
- ``job:<name>:state`` — the last run: started, duration, error, and by whom; read by
  ``/metrics`` (:func:`job_gauges`) in every process.

A failing run is logged, recorded and tried again next interval; it never stops the
scheduler. Tests call :meth:`Scheduler.tick` with an injected clock (a slot's run) or
:meth:`Scheduler.run_now` (a run now, whatever the slot) instead of waiting.

Why not a library: APScheduler 4's data stores need SQLAlchemy beside Tortoise and are
still pre-releases; procrastinate is PostgreSQL-only (no embedded SQLite mode); SAQ
needs Redis or PostgreSQL (no embedded mode) and is a queue, not a clock. A per-slot
claim and a renewed lease in the KV store serve both modes with two small primitives
(``set_if_absent``, ``renew``) that the KV suite tests on both implementations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wecom_app.kv import KV
from wecom_app.metrics import Gauge, LabelValues

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[None]]
MAX_LEASE_S = 30.0


def lease_seconds(interval_s: float) -> float:
    """How long a run's lease lasts unrenewed: half an interval, at most 30 s."""
    return max(0.05, min(MAX_LEASE_S, interval_s / 2))


@dataclass
class Job:
    name: str
    interval_s: float
    func: JobFunc
    # This process's counts (the shared last run is in the KV store, see JobState).
    runs: int = 0
    failures: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class JobState:
    """A job's last run, as every process sees it."""

    started_at: float
    duration_s: float
    error: str
    owner: str

    def dump(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def load(cls, raw: bytes | None) -> JobState | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return cls(
            float(data["started_at"]),
            float(data["duration_s"]),
            str(data["error"]),
            str(data["owner"]),
        )


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Scheduler:
    def __init__(
        self,
        kv: KV,
        *,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kv = kv
        self.clock = clock
        self.monotonic = monotonic
        self.owner = owner or _owner()
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

    @property
    def running(self) -> bool:
        """Whether this process runs the jobs on their schedule (:meth:`start`)."""
        return bool(self._tasks)

    def slot(self, name: str) -> int:
        return math.floor(self.clock() / self.jobs[name].interval_s)

    async def claim_slot(self, name: str) -> bool:
        """Claim this interval's run of ``name``; True for the one process that does."""
        job = self.jobs[name]
        key = f"job:{name}:slot:{self.slot(name)}"
        return await self.kv.set_if_absent(key, self.owner, ttl=2 * job.interval_s + 1)

    async def tick(self, name: str) -> bool:
        """The scheduled run: once per interval across processes; True if it ran here."""
        if not await self.claim_slot(name):
            return False
        return await self.run_now(name)

    async def run_now(self, name: str) -> bool:
        """Run ``name`` now unless a run is in progress anywhere; True if it ran."""
        job = self.jobs[name]
        lease_key, token = f"job:{name}:running", f"{self.owner}:{secrets.token_hex(4)}"
        lease = lease_seconds(job.interval_s)
        if not await self.kv.set_if_absent(lease_key, token, ttl=lease):
            return False
        keeper = asyncio.create_task(self._keep(lease_key, token, lease, name))
        started, began = self.clock(), self.monotonic()
        error = ""
        try:
            job.runs += 1
            await job.func()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            job.failures += 1
            error = job.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            log.warning("job %s failed: %s", name, type(exc).__name__)
        finally:
            keeper.cancel()
            state = JobState(started, self.monotonic() - began, error, self.owner)
            await self.kv.set(f"job:{name}:state", state.dump())
            await self.kv.release(lease_key, token)
        return True

    async def _keep(self, key: str, token: str, lease: float, name: str) -> None:
        while True:
            await asyncio.sleep(lease / 3)
            if not await self.kv.renew(key, token, lease):
                log.warning("job %s: its lease was lost (the KV store was away?)", name)
                return

    async def state(self, name: str) -> JobState | None:
        return JobState.load(await self.kv.get(f"job:{name}:state"))

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await self.tick(job.name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the KV store may be briefly away; keep going
                log.warning("job %s: no claim this interval: %s", job.name, type(exc).__name__)
            # Wake shortly after the next slot begins; processes race for it, one wins.
            now = self.clock()
            next_slot = (math.floor(now / job.interval_s) + 1) * job.interval_s
            jitter = random.uniform(0, min(1.0, job.interval_s / 10))
            await asyncio.sleep(max(0.0, next_slot - now) + jitter)


def job_gauges(scheduler: Scheduler) -> list[Gauge]:
    """``/metrics``: each job's last run (start time, duration, failed or not)."""

    async def states() -> dict[str, JobState]:
        found = {}
        for name in sorted(scheduler.jobs):
            state = await scheduler.state(name)
            if state is not None:
                found[name] = state
        return found

    def reader(
        pick: Callable[[JobState], float],
    ) -> Callable[[], Awaitable[dict[LabelValues, float]]]:
        async def read() -> dict[LabelValues, float]:
            return {(name,): pick(state) for name, state in (await states()).items()}

        return read

    return [
        Gauge(
            "wecom_job_last_run_timestamp_seconds",
            "When each scheduled job last started (any process).",
            reader(lambda s: s.started_at),
            ("job",),
        ),
        Gauge(
            "wecom_job_last_duration_seconds",
            "How long each scheduled job's last run took.",
            reader(lambda s: s.duration_s),
            ("job",),
        ),
        Gauge(
            "wecom_job_last_run_failed",
            "1 when each scheduled job's last run raised (its error is in the logs).",
            reader(lambda s: 1.0 if s.error else 0.0),
            ("job",),
        ),
    ]
