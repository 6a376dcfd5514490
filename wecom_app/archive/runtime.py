"""The archive's moving parts for one process: sources, decoder, pulls on demand.

:func:`runtime_for` gives the :class:`ArchiveRuntime` of a running
:class:`~wecom_app.services.Services`; handlers, jobs and commands go through it.

**Debounced pulls.** WeCom sends ``msgaudit_notify`` as messages arrive, often many in
a burst. :meth:`ArchiveRuntime.request_pull` marks the tenant *due* in the KV store and
starts at most one delayed pull per tenant in this process; a pull clears the mark
once it holds the tenant's lease and looks at it again after letting go, so a notify
that lands while another process is pulling is never lost — that process pulls again.

Pull tasks run in a fresh context: a request comes from an inbox handler inside the
inbox's transaction, and a task inheriting that context would write through a
transaction that commits without it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Final, Protocol, TypeVar

import httpx

from wecom_app.archive import consent
from wecom_app.archive.decode_pool import DecodePool, shared_pool
from wecom_app.archive.keys import KeyInfo, add_key, archive_secret, key_versions
from wecom_app.archive.lease import Lease
from wecom_app.archive.listeners import StoredListener
from wecom_app.archive.media import MediaDownloader, MediaReport
from wecom_app.archive.pull_report import PullProgress, PullReport
from wecom_app.archive.puller import Puller, record_error
from wecom_app.archive.retry import RetryReport, pending_versions, retry_stored
from wecom_app.archive.source import ArchiveSdkError
from wecom_app.archive.sources import ArchiveNotConfigured, SourcePool
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.store.archive import ArchiveSettings
from wecom_app.store.models import Corp
from wecom_app.wecom.client import WeComClient
from wecom_app.wecom.msgaudit import MsgAuditAPI
from wecom_app.wecom.tokens import CorpTokenProvider


class _HasClient(Protocol):
    @property
    def client(self) -> WeComClient: ...


class RunningServices(Protocol):
    """What a runtime takes from the running services (``wecom_app.services.Services``),
    named here so the archive does not import the container that builds it."""

    @property
    def settings(self) -> Settings: ...
    @property
    def secrets(self) -> SecretBox: ...
    @property
    def transport(self) -> httpx.AsyncBaseTransport | None: ...
    @property
    def kv_store(self) -> KV: ...
    @property
    def wecom(self) -> _HasClient: ...


log = logging.getLogger(__name__)

DEBOUNCE_S: Final = 2.0
MAX_ROUNDS: Final = 5  # pulls in a row for requests that came during a pull
DUE_TTL_S: Final = 3600.0
SURFACED_CLOSE: Final = frozenset({40001, 10000, 10004, 10011})  # the handle may be spoilt


class ArchiveRuntime:
    def __init__(
        self,
        settings: Settings,
        box: SecretBox,
        kv: KV,
        *,
        client: WeComClient | None = None,
        decoder: DecodePool | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        debounce_s: float = DEBOUNCE_S,
        hook: StoredListener | None = None,
    ) -> None:
        self.settings = settings
        self.box = box
        self.kv = kv
        self.client = client
        self._decoder = decoder
        self._owned_decoder: DecodePool | None = None
        self.sources = SourcePool(settings, box, transport=transport)
        self.debounce_s = debounce_s
        self._scheduled: dict[int, asyncio.Task[None]] = {}
        self._retrying: dict[int, asyncio.Task[None]] = {}
        self.hook = hook

    @property
    def decoder(self) -> DecodePool:
        """The process-wide pool, unless :meth:`use_decoder` gave this runtime its own."""
        if self._decoder is None:
            self._decoder = shared_pool()
        return self._decoder

    def use_decoder(self, decoder: DecodePool) -> None:
        """Decode with ``decoder`` (closed with the runtime)."""
        self._decoder = decoder
        self._owned_decoder = decoder

    # ------------------------------------------------------------------ pulls

    @staticmethod
    def _due_key(corp_pk: int) -> str:
        return f"archive:pull-due:{corp_pk}"

    async def pull(
        self,
        corp: Corp,
        *,
        max_batches: int | None = None,
        on_progress: Callable[[PullProgress], None] | None = None,
        batch_size: int = 1000,
    ) -> PullReport:
        """Pull a tenant now (if no other puller holds it); repeats for requests that
        arrived meanwhile."""
        report = PullReport(corp.corp_id)
        for _ in range(MAX_ROUNDS):
            try:
                source = await self.sources.get(corp, "text")
            except ArchiveSdkError as exc:  # Init refused the secret, say
                await record_error(corp.pk, exc)
                report.error, report.error_code = str(exc), exc.code
                return report
            puller = Puller(
                corp,
                source,
                box=self.box,
                kv=self.kv,
                decoder=self.decoder,
                media_max_bytes=self.settings.media_max_bytes,
                batch_size=batch_size,
                on_progress=on_progress,
                hook=self.hook,
            )
            puller.on_lease = lambda: self.kv.delete(self._due_key(corp.pk))
            report = await puller.pull(max_batches=max_batches)
            if report.error_code in SURFACED_CLOSE:
                await self.sources.discard(corp.pk)
            if report.parked_versions & await key_versions(corp.pk):
                # The key came while these were being pulled: pick them up now.
                await self.retry_parked(corp)
            if report.skipped or report.error or report.more:
                break
            if await self.kv.get(self._due_key(corp.pk)) is None:
                break
        return report

    async def request_pull(self, corp: Corp) -> None:
        """Ask for a pull soon; many requests within the debounce become one pull."""
        await self.kv.set(self._due_key(corp.pk), "1", ttl=DUE_TTL_S)
        if corp.pk in self._scheduled:
            return
        task = asyncio.create_task(
            self._debounced(corp),
            name=f"archive-pull:{corp.corp_id}",
            context=contextvars.Context(),
        )
        self._scheduled[corp.pk] = task

    async def _debounced(self, corp: Corp) -> None:
        try:
            await asyncio.sleep(self.debounce_s)
            del self._scheduled[corp.pk]  # requests from now on schedule a new pull
            await self.pull(corp)
        except ArchiveNotConfigured as exc:
            log.info("archive pull of corp %s not possible: %s", corp.corp_id, exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("archive pull of corp %s failed", corp.corp_id)
        finally:
            if self._scheduled.get(corp.pk) is asyncio.current_task():
                del self._scheduled[corp.pk]

    async def wait_idle(self) -> None:
        """Wait for scheduled pulls and parked-message retries (tests, shutdown)."""
        while self._scheduled or self._retrying:
            tasks = [*self._scheduled.values(), *self._retrying.values()]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def pull_enabled(self) -> dict[str, PullReport]:
        """The scheduled pull: every tenant with archiving enabled."""
        out: dict[str, PullReport] = {}
        for corp in await enabled_corps():
            report = await _each(corp, "pull", self.pull(corp))
            if report is not None:
                out[corp.corp_id] = report
        return out

    # --------------------------------------------------------- parked / failed

    async def retry_parked(self, corp: Corp, *, failed_too: bool = False) -> RetryReport:
        """Decode parked rows whose key is now stored (and failed rows if asked)."""
        source = await self.sources.get(corp, "text")
        statuses = ("parked", "failed") if failed_too else ("parked",)
        return await retry_stored(
            corp,
            source,
            box=self.box,
            decoder=self.decoder,
            media_max_bytes=self.settings.media_max_bytes,
            statuses=statuses,
            hook=self.hook,
        )

    async def add_key(
        self,
        corp: Corp,
        version: int,
        pem: str | bytes,
        *,
        password: bytes | None = None,
        replace: bool = False,
    ) -> tuple[KeyInfo, RetryReport | None]:
        """Store a private key (checked, sealed) and decode what was parked for it now.

        The retry is ``None`` when the archive is not configured yet (no secret): the
        parked-message job picks them up once it is.
        """
        info = await add_key(corp, version, pem, self.box, password=password, replace=replace)
        try:
            return info, await self.retry_parked(corp, failed_too=replace)
        except ArchiveNotConfigured:
            return info, None

    def request_retry(self, corp: Corp) -> None:
        """Decode what is parked for ``corp`` soon, in the background (a key just came).

        The console calls this after storing a key: the admin's request returns at once
        and the parked messages are read without waiting for the periodic job. A retry
        already running for the tenant is enough (it reads the keys when it starts, and
        the periodic job catches whatever it missed).
        """
        if corp.pk in self._retrying:
            return
        self._retrying[corp.pk] = asyncio.create_task(
            self._retry_now(corp),
            name=f"archive-retry:{corp.corp_id}",
            context=contextvars.Context(),
        )

    async def _retry_now(self, corp: Corp) -> None:
        try:
            report = await _each(corp, "parked retry", self.retry_parked(corp))
            if report is not None and report.tried:
                log.info(
                    "archive retry of corp %s: %d decoded, %d still parked, %d failed",
                    corp.corp_id,
                    report.ok,
                    report.parked,
                    report.failed,
                )
        finally:
            if self._retrying.get(corp.pk) is asyncio.current_task():
                del self._retrying[corp.pk]

    async def retry_parked_enabled(self) -> None:
        for corp in await enabled_corps():
            waiting = await pending_versions(corp.pk)
            if waiting & await key_versions(corp.pk):
                await _each(corp, "parked retry", self.retry_parked(corp))

    # ------------------------------------------------------------------ media

    async def download_media(
        self, corp: Corp, *, limit: int = 100, budget_s: float | None = None
    ) -> MediaReport | None:
        """Work a tenant's media queue (None: another process is already on it)."""
        lease = Lease(self.kv, f"archive-media:{corp.pk}", ttl_s=600.0)
        if not await lease.acquire():
            return None
        try:
            source = await self.sources.get(corp, "media")
            downloader = MediaDownloader(
                corp,
                source,
                media_dir=self.settings.media_dir,
                max_bytes=self.settings.media_max_bytes,
            )
            return await downloader.run(limit=limit, budget_s=budget_s)
        finally:
            await lease.release()

    async def download_media_enabled(self, budget_s: float) -> None:
        for corp in await enabled_corps():
            await _each(corp, "media", self.download_media(corp, budget_s=budget_s))

    # --------------------------------------------------------------- msgaudit

    async def msgaudit(self, corp: Corp) -> MsgAuditAPI:
        """The msgaudit API group with the token of the org's archive secret."""
        if self.client is None:
            raise ArchiveNotConfigured("no WeCom client in this process")
        secret = await archive_secret(corp.pk, self.box)
        if not secret:
            raise ArchiveNotConfigured(f"corp {corp.corp_id} has no archive secret")
        tokens = CorpTokenProvider(
            self.client,
            self.kv,
            self.box,
            corp_id=corp.corp_id,
            corp_secret=secret,
            purpose="archive",
        )
        return MsgAuditAPI(self.client, tokens)

    async def sync_permit_users(self, corp: Corp) -> tuple[int, int]:
        return await consent.sync_permit_users(corp.pk, await self.msgaudit(corp))

    async def sync_permit_users_enabled(self) -> None:
        for corp in await enabled_corps():
            await _each(corp, "permit list sync", self.sync_permit_users(corp))

    # -------------------------------------------------------------- lifecycle

    async def close_idle(self, idle_s: float = 600.0) -> int:
        return await self.sources.close_idle(idle_s)

    async def close(self) -> None:
        """Cancel scheduled pulls and destroy every open source (SDK handles)."""
        tasks = [*self._scheduled.values(), *self._retrying.values()]
        self._scheduled.clear()
        self._retrying.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.sources.close()
        if self._owned_decoder is not None:
            await asyncio.to_thread(self._owned_decoder.close)
            self._owned_decoder = None


T = TypeVar("T")


async def _each(corp: Corp, what: str, work: Awaitable[T]) -> T | None:
    """One tenant's part of a job: its failure is logged and the next tenant goes on."""
    try:
        return await work
    except ArchiveNotConfigured as exc:
        log.info("archive %s of corp %s skipped: %s", what, corp.corp_id, exc)
    except Exception as exc:
        log.warning("archive %s of corp %s failed: %s", what, corp.corp_id, type(exc).__name__)
    return None


async def enabled_corps() -> list[Corp]:
    ids = await ArchiveSettings.filter(enabled=True).values_list("corp_id", flat=True)
    if not ids:
        return []
    return await Corp.filter(id__in=list(ids), status__in=("active", "disconnected")).order_by("id")


_RUNTIMES: dict[int, ArchiveRuntime] = {}


def runtime_for(services: RunningServices) -> ArchiveRuntime:
    """The archive runtime of a running services object (made on first use)."""
    key = id(services)
    runtime = _RUNTIMES.get(key)
    if runtime is None:
        runtime = ArchiveRuntime(
            services.settings,
            services.secrets,
            services.kv_store,
            client=services.wecom.client,
            transport=services.transport,
        )
        _RUNTIMES[key] = runtime
        weakref.finalize(services, _RUNTIMES.pop, key, None)
        # Services.stop closes the runtime (close_runtime); if a services object is
        # never stopped, SDK handles are still destroyed when it goes, at the latest at
        # interpreter exit.
        weakref.finalize(services, runtime.sources.close_sync)
    return runtime


async def close_runtime(services: RunningServices) -> None:
    """Close the runtime of ``services`` (call from its shutdown)."""
    runtime = _RUNTIMES.pop(id(services), None)
    if runtime is not None:
        await runtime.close()
