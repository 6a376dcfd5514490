"""The running parts of one process, started and stopped together.

The app's lifespan calls :meth:`Services.start`/:meth:`Services.stop`; tests do the same
around an in-process ASGI client, so the database connection lives on the test's loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from callbacks import inbox
from callbacks.endpoints import EndpointResolver
from callbacks.handlers import default_registry
from callbacks.inbox import InboxWriter
from callbacks.registry import HandlerContext, HandlerRegistry
from callbacks.worker import InboxWorker
from wecom_app import tenants
from wecom_app.config import Settings
from wecom_app.jobs import register_jobs
from wecom_app.jobs.scheduler import Scheduler
from wecom_app.kv import KV, RedisKV, create_kv
from wecom_app.metrics import Gauge, LabelValues, Metrics
from wecom_app.secretbox import SecretBox
from wecom_app.store.db import close_db, init_db
from wecom_app.wecom import WeComClient
from wecom_app.wecom_access import WeComAccess

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Callable[[], float] = time.time
    kv: KV | None = None
    registry: HandlerRegistry = field(default_factory=default_registry)
    run_worker: bool | None = None
    manage_db: bool = True
    metrics: Metrics = field(default_factory=Metrics)
    # WeCom's HTTP transport: None for the network, the simulator's ASGI app in tests.
    transport: httpx.AsyncBaseTransport | None = None

    def __post_init__(self) -> None:
        self.secrets = SecretBox(self.settings.secret_key)
        self.resolver = EndpointResolver(self.settings, self.secrets)
        self.worker: InboxWorker | None = None
        # SQLite has one writer; PostgreSQL commits two batches side by side (inbox.py).
        in_flight = 1 if self.settings.is_embedded else 2
        self.writer = InboxWriter(on_stored=self._stored, max_in_flight=in_flight)
        self._owns_kv = self.kv is None
        self._started = False
        self._wecom: WeComAccess | None = None
        self.scheduler: Scheduler | None = None

    @property
    def kv_store(self) -> KV:
        assert self.kv is not None, "services not started"
        return self.kv

    @property
    def wecom(self) -> WeComAccess:
        """WeCom API access per tenant (tokens, API groups)."""
        assert self._wecom is not None, "services not started"
        return self._wecom

    def _stored(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def handler_context(self) -> HandlerContext:
        return HandlerContext(
            settings=self.settings,
            secrets=self.secrets,
            kv=self.kv_store,
            clock=self.clock,
            services={"app": self},
        )

    def build_worker(self) -> InboxWorker:
        return InboxWorker(
            self.registry,
            self.handler_context(),
            self.metrics,
            max_attempts=self.settings.inbox_max_attempts,
        )

    async def start(self) -> None:
        if self._started:
            return
        if self.manage_db:
            await init_db(self.settings.database_url)
        if self.kv is None:
            self.kv = create_kv(self.settings.redis_url)
        client = WeComClient.from_settings(self.settings, transport=self.transport)
        self._wecom = WeComAccess(self.settings, self.kv, self.secrets, client)
        if self.settings.self_built is not None:
            await tenants.register_self_built(self.settings.self_built, self.secrets)
        self.writer.start()
        self.worker = self.build_worker()
        self.scheduler = Scheduler(self.kv)
        register_jobs(self.scheduler, self)
        run_worker = self.settings.inbox_worker if self.run_worker is None else self.run_worker
        if run_worker:
            self.worker.start()
            self.scheduler.start()
        self.metrics.gauges.append(
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
        from wecom_app.archive.runtime import close_runtime

        await close_runtime(self)  # scheduled pulls cancelled, SDK handles destroyed
        if self._wecom is not None:
            await self._wecom.client.aclose()
            self._wecom = None
        if self._owns_kv and self.kv is not None:
            await self.kv.close()
            self.kv = None
        if self.manage_db:
            await close_db()
        self.metrics.gauges.clear()
        self._started = False

    async def __aenter__(self) -> Services:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _backlog_reader() -> dict[LabelValues, float]:
    counts = await inbox.backlog()
    return {(status,): float(counts.get(status, 0)) for status in inbox.STATUSES}


__all__ = ["RedisKV", "Services"]
