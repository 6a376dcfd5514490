"""One process: core services, the callback spine and the scheduled jobs, in that order.

Start: the services (database, KV, WeCom access), then the inbox writer, the worker and
the scheduler (running only where this process does background work). Stop: the other
way round — the scheduler and the worker first, so nothing new starts, then the writer,
then the services, which run their closers (the archive runtime's pulls and SDK
handles) while WeCom access, the KV store and the database are still open.
"""

from __future__ import annotations

from functools import partial

from callbacks.endpoints import EndpointResolver
from callbacks.handlers import default_registry
from callbacks.inbox import InboxWriter
from callbacks.registry import HandlerContext, HandlerRegistry
from callbacks.worker import InboxWorker
from wecom_app.archive.runtime import close_runtime, runtime_for
from wecom_app.jobs import register_jobs
from wecom_app.jobs.scheduler import Scheduler, job_gauges
from wecom_app.metrics import Gauge, LabelValues
from wecom_app.runtime.wiring import listen_to_archive
from wecom_app.services import Services
from wecom_app.store import inbox


class Runtime:
    """The callback spine and the jobs around ``services``; an async context manager."""

    def __init__(self, services: Services, *, registry: HandlerRegistry | None = None) -> None:
        self.services = services
        self.registry = registry if registry is not None else default_registry()
        self.resolver = EndpointResolver(services.settings, services.secrets)
        # SQLite has one writer; PostgreSQL commits two batches side by side (inbox.py).
        in_flight = 1 if services.settings.is_embedded else 2
        self.writer = InboxWriter(on_stored=self._wake_worker, max_in_flight=in_flight)
        self.worker: InboxWorker | None = None
        self.scheduler: Scheduler | None = None
        self._started = False
        services.when_tenant_changes(self.resolver.invalidate)
        services.when_inbox_due(self._wake_worker)

    def _wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def handler_context(self) -> HandlerContext:
        """What handlers get: the started services' parts, typed (see HandlerContext)."""
        services = self.services
        return HandlerContext(
            settings=services.settings,
            secrets=services.secrets,
            kv=services.kv_store,
            wecom=services.wecom,
            services=services,
            archive=partial(runtime_for, services),
            clock=services.clock,
        )

    def build_worker(self) -> InboxWorker:
        """A worker over this process's registry (``wecom-app worker`` runs its own)."""
        return InboxWorker(
            self.registry,
            self.handler_context(),
            self.services.metrics,
            max_attempts=self.services.settings.inbox_max_attempts,
        )

    async def start(self) -> None:
        if self._started:
            return
        services = self.services
        listen_to_archive()  # before anything of this process pulls the archive
        await services.start()
        self.resolver.follow(services.kv_store)
        # Scheduled pulls cancelled and SDK handles destroyed when the services stop.
        services.add_closer(partial(close_runtime, services))
        self.writer.start()
        self.worker = self.build_worker()
        self.scheduler = Scheduler(services.kv_store, clock=services.clock)
        register_jobs(self.scheduler, services)
        if services.runs_background_work():
            self.worker.start()
        if services.runs_jobs():
            self.scheduler.start()
        services.metrics.gauges.extend(job_gauges(self.scheduler))
        services.metrics.gauges.append(
            Gauge(
                "wecom_inbox_backlog",
                "Inbox rows by status (pending and processing are the backlog).",
                _backlog_reader,
                ("status",),
            )
        )
        self._started = True

    async def stop(self) -> None:
        if not self._started:
            return
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.worker is not None:
            await self.worker.stop()
        await self.writer.stop()
        await self.services.stop()
        self._started = False

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _backlog_reader() -> dict[LabelValues, float]:
    counts = await inbox.backlog()
    return {(status,): float(counts.get(status, 0)) for status in inbox.STATUSES}
