"""The core service container: what every feature of one process shares.

Settings, the clock, the KV store, the secret box, metrics and WeCom access per tenant,
started and stopped together. It knows none of the faces: the callback spine (receiver,
inbox writer, worker) and the scheduled jobs are built around it by the composition
root (:mod:`wecom_app.runtime`), which connects them through the hooks below — the core
announces "a tenant's callback credentials changed" or "inbox rows are due", and
whoever the root connected reacts. Whoever opens a resource that must be released with
the process (the archive's SDK handles, say) registers its closer with
:meth:`Services.add_closer`.

The app's lifespan starts and stops the root, which starts and stops these; tests do
the same around an in-process ASGI client, so the database connection lives on the
test's loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from wecom_app import tenants
from wecom_app.config import Settings
from wecom_app.kv import KV, RedisKV, create_kv
from wecom_app.metrics import Metrics
from wecom_app.secretbox import SecretBox
from wecom_app.store.db import close_db, init_db
from wecom_app.wecom import WeComClient
from wecom_app.wecom.shared_limit import SharedRateLimiter
from wecom_app.wecom_access import WeComAccess

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]
TenantListener = Callable[[str | None], None]
"""Told a corp id whose credentials or status changed (None: any corp may have)."""


@dataclass
class Services:
    settings: Settings
    clock: Callable[[], float] = time.time
    kv: KV | None = None
    # Does this process run background work (the inbox worker, the scheduled jobs)?
    # None: as the settings say (``INBOX_WORKER``); see :meth:`runs_background_work`.
    run_worker: bool | None = None
    # Does this process run the scheduled jobs? None: where it runs the inbox worker
    # (``wecom-app worker`` says True with its own worker; see :meth:`runs_jobs`).
    run_jobs: bool | None = None
    manage_db: bool = True
    metrics: Metrics = field(default_factory=Metrics)
    # WeCom's HTTP transport: None for the network, the simulator's ASGI app in tests.
    transport: httpx.AsyncBaseTransport | None = None

    def __post_init__(self) -> None:
        self.secrets = SecretBox(self.settings.secret_key)
        self._owns_kv = self.kv is None
        self._started = False
        self._wecom: WeComAccess | None = None
        self._closers: list[Closer] = []
        self._tenant_listeners: list[TenantListener] = []
        self._inbox_listeners: list[Callable[[], None]] = []
        self._announcing: set[asyncio.Task[None]] = set()

    @property
    def kv_store(self) -> KV:
        assert self.kv is not None, "services not started"
        return self.kv

    @property
    def wecom(self) -> WeComAccess:
        """WeCom API access per tenant (tokens, API groups)."""
        assert self._wecom is not None, "services not started"
        return self._wecom

    def runs_background_work(self) -> bool:
        return self.settings.inbox_worker if self.run_worker is None else self.run_worker

    def runs_jobs(self) -> bool:
        """Scheduled jobs run here (at most once per interval across all processes that
        run them: :mod:`wecom_app.jobs.scheduler`)."""
        return self.runs_background_work() if self.run_jobs is None else self.run_jobs

    # -- hooks the composition root connects -------------------------------------------

    def when_tenant_changes(self, listener: TenantListener) -> None:
        """Call ``listener(corp_id)`` whenever :meth:`tenant_changed` is announced."""
        self._tenant_listeners.append(listener)

    def tenant_changed(self, corp_id: str | None = None) -> None:
        """A tenant was installed, registered or cancelled: caches of its callback
        credentials (the callback endpoints) must read them again — here at once, in
        other processes within a second (the shared version key they poll, bumped by a
        task kept until it has run)."""
        for listener in self._tenant_listeners:
            listener(corp_id)
        if self.kv is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop, so no process of ours is serving: nothing to tell
            task = loop.create_task(tenants.announce_change(self.kv))
            self._announcing.add(task)
            task.add_done_callback(self._announcing.discard)

    def when_inbox_due(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever :meth:`inbox_due` is announced."""
        self._inbox_listeners.append(listener)

    def inbox_due(self) -> None:
        """Inbox rows are due now (an operator replayed some): wake whoever applies them."""
        for listener in self._inbox_listeners:
            listener()

    def add_closer(self, close: Closer) -> None:
        """Run ``close()`` at :meth:`stop`, newest first, while WeCom access, the KV store
        and the database are still open."""
        self._closers.append(close)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        if self.manage_db:
            await init_db(self.settings.database_url)
        if self.kv is None:
            self.kv = create_kv(self.settings.redis_url)
        shared = (
            SharedRateLimiter(self.kv, egress=self.settings.egress_ip)
            if self.settings.redis_url
            else None  # one process: its own buckets are the whole budget
        )
        client = WeComClient.from_settings(
            self.settings, transport=self.transport, shared_limiter=shared
        )
        self._wecom = WeComAccess(self.settings, self.kv, self.secrets, client)
        if self.settings.self_built is not None:
            await tenants.register_self_built(self.settings.self_built, self.secrets)
        self._started = True

    async def stop(self) -> None:
        if not self._started:
            return
        if self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            await close()
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


__all__ = ["RedisKV", "Services"]
