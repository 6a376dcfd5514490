"""Which archive source a tenant uses, and one open source per tenant and purpose.

``ARCHIVE_SOURCE=sdk`` opens WeCom's Finance SDK (``WECOM_FINANCE_SDK`` is the path of
``libWeWorkFinanceSdk_C.so``) with the tenant's archive secret; ``simulator`` talks to
the simulator's ``/finance/*`` endpoints at ``ARCHIVE_SIMULATOR_URL`` (by default the
simulated WeCom API base, where the simulator mounts its archive).

A :class:`SourcePool` keeps one source per tenant **and purpose**: ``text`` for
GetChatData and ``media`` for GetMediaData. The SDK serialises calls on a handle, so
with one handle a 512 KB media chunk would hold up the next text batch; two handles
keep a large video from delaying text. Sources are reopened when the secret changes
and destroyed by :meth:`SourcePool.close` (at shutdown) or when idle.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import httpx

from wecom_app.archive.finance_sdk import FinanceSdkSource
from wecom_app.archive.keys import archive_secret
from wecom_app.archive.sim_source import SimulatorArchiveSource
from wecom_app.archive.source import ArchiveSource
from wecom_app.config import Settings
from wecom_app.secretbox import SecretBox
from wecom_app.store.models import Corp

Purpose = Literal["text", "media"]


class ArchiveNotConfigured(Exception):
    """The tenant has no archive secret, or the process no source to use."""


@runtime_checkable
class HasLocalDecryptor(Protocol):
    def local_decryptor(self) -> Callable[[bytes, str], bytes]: ...


def local_decryptor(source: ArchiveSource) -> Callable[[bytes, str], bytes] | None:
    """The source's DecryptData as a picklable function, if it has one."""
    if isinstance(source, HasLocalDecryptor):
        return source.local_decryptor()
    return None


async def open_source(
    settings: Settings,
    corp: Corp,
    secret: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ArchiveSource:
    """Open the configured kind of source for ``corp`` with its archive ``secret``."""
    if not secret:
        raise ArchiveNotConfigured(f"corp {corp.corp_id} has no archive secret")
    if settings.archive_source == "simulator":
        base = settings.archive_simulator_url or settings.wecom_api_base
        return SimulatorArchiveSource(base, corp.corp_id, secret, transport=transport)
    if not settings.finance_sdk_path:
        raise ArchiveNotConfigured(
            "ARCHIVE_SOURCE=sdk needs WECOM_FINANCE_SDK, the path of libWeWorkFinanceSdk_C.so"
        )
    return await FinanceSdkSource.open(settings.finance_sdk_path, corp.corp_id, secret)


@dataclass
class _Open:
    source: ArchiveSource
    secret_hash: str
    last_used: float


class SourcePool:
    """Open sources by (tenant, purpose); ``opener`` can be replaced in tests."""

    def __init__(
        self,
        settings: Settings,
        box: SecretBox,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        opener: Callable[[Corp, str], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.box = box
        self.transport = transport
        self._opener = opener
        self._clock = clock
        self._open: dict[tuple[int, str], _Open] = {}
        self._lock = asyncio.Lock()

    async def _new(self, corp: Corp, secret: str) -> ArchiveSource:
        if self._opener is not None:
            made = self._opener(corp, secret)
            if asyncio.iscoroutine(made):
                made = await made
            assert isinstance(made, ArchiveSource)
            return made
        return await open_source(self.settings, corp, secret, transport=self.transport)

    async def get(self, corp: Corp, purpose: Purpose = "text") -> ArchiveSource:
        secret = await archive_secret(corp.pk, self.box)
        if not secret:
            raise ArchiveNotConfigured(f"corp {corp.corp_id} has no archive secret")
        secret_hash = hashlib.sha256(secret.encode()).hexdigest()
        key = (corp.pk, purpose)
        async with self._lock:
            current = self._open.get(key)
            if current is not None and current.secret_hash == secret_hash:
                current.last_used = self._clock()
                return current.source
            if current is not None:  # the admin changed the secret: reopen
                del self._open[key]
                await current.source.close()
            source = await self._new(corp, secret)
            self._open[key] = _Open(source, secret_hash, self._clock())
            return source

    async def discard(self, corp_pk: int) -> None:
        """Close a tenant's sources (after an SDK error that may have spoilt the handle)."""
        async with self._lock:
            for key in [k for k in self._open if k[0] == corp_pk]:
                await self._open.pop(key).source.close()

    async def close_idle(self, idle_s: float) -> int:
        now = self._clock()
        async with self._lock:
            stale = [k for k, v in self._open.items() if now - v.last_used > idle_s]
            for key in stale:
                await self._open.pop(key).source.close()
        return len(stale)

    async def close(self) -> None:
        async with self._lock:
            opened, self._open = self._open, {}
        for item in opened.values():
            await item.source.close()

    def close_sync(self) -> None:
        """At interpreter exit, without an event loop: destroy SDK handles still open.

        (Simulator sources hold only sockets, which the OS closes with the process.)
        """
        opened, self._open = self._open, {}
        for item in opened.values():
            if isinstance(item.source, FinanceSdkSource):
                item.source.destroy_now()

    def __len__(self) -> int:
        return len(self._open)
