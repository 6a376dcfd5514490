"""Which crypto and which receive ids each callback URL accepts.

* ``/callbacks/suite``: the suite's token/key; receive id = the suite id.
* ``/callbacks/data``: the suite's token/key; receive id = an installed corp's corpid.
* URL verification (GET) of both suite URLs, done when the provider saves them in the
  provider admin, carries the **provider's own corp id** (``WECOM_PROVIDER_CORP_ID``):
  WeCom staff answers in the developer community and provider write-ups; Doc 90600
  (指令回调) still names the suite id, so the suite id is accepted on GET as well.
* ``/callbacks/corp/{corp_id}``: that self-built corp's token/key; receive id = corp id.

Lookups are cached in memory: this runs on every callback. A tenant change in this
process clears the cache at once (:meth:`EndpointResolver.invalidate`); one in another
process bumps a shared version key (:func:`wecom_app.tenants.announce_change`), which
the resolver reads at most once a second and on a change forgets everything — so a
rotated key or a new self-built org is accepted everywhere within about a second.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from wecom_app import tenants
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.secretbox import SecretBox
from wecom_app.store.models import Corp


@dataclass(frozen=True)
class Endpoint:
    source: str  # suite | data | corp
    crypto: CallbackCrypto
    corp_id: str = ""  # for corp endpoints
    suite_id: str = ""
    provider_corp_id: str = ""  # suite endpoints: the receive id of URL verification


# WeCom corp ids are short ASCII identifiers ("ww" + hex); anything else is unknown
# without asking the database (a NUL byte or a megabyte of text never reaches SQL).
_CORP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_corp_id(corp_id: str) -> bool:
    return _CORP_ID.fullmatch(corp_id) is not None


# Unknown-but-well-formed corp ids are cached too (as misses); bound the cache so a
# stream of made-up ids cannot grow it without limit.
_MAX_CACHED = 10_000


class UnknownEndpoint(Exception):
    """No credentials for this URL (unknown corp, or no suite configured)."""


class EndpointResolver:
    def __init__(
        self,
        settings: Settings,
        box: SecretBox,
        *,
        ttl_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        kv: KV | None = None,
        version_poll_s: float = 1.0,
    ) -> None:
        self._kv = kv
        self._version_poll_s = version_poll_s
        self._version: bytes | None = None
        self._version_read_at = float("-inf")
        self._box = box
        self._ttl = ttl_seconds
        self._clock = clock
        self._suite = (
            CallbackCrypto(settings.suite.token, settings.suite.aes_key, settings.suite.suite_id)
            if settings.suite
            else None
        )
        self._suite_id = settings.suite.suite_id if settings.suite else ""
        self._provider = settings.suite.provider_corp_id if settings.suite else ""
        self._corps: dict[str, tuple[Endpoint | None, float]] = {}
        self._installed: dict[str, tuple[bool, float]] = {}

    def invalidate(self, corp_id: str | None = None) -> None:
        if corp_id is None:
            self._corps.clear()
            self._installed.clear()
        else:
            self._corps.pop(corp_id, None)
            self._installed.pop(corp_id, None)

    def follow(self, kv: KV) -> None:
        """Read the shared tenant-change version from ``kv`` (once the KV is open)."""
        self._kv = kv

    async def _follow_version(self, now: float) -> None:
        """Forget cached credentials when another process announced a tenant change."""
        if self._kv is None or now - self._version_read_at < self._version_poll_s:
            return
        self._version_read_at = now
        version = await tenants.change_version(self._kv)
        if version != self._version:
            self._version = version
            self.invalidate()

    def suite(self, source: str) -> Endpoint:
        if self._suite is None:
            raise UnknownEndpoint("no suite is configured")
        return Endpoint(
            source=source,
            crypto=self._suite,
            suite_id=self._suite_id,
            provider_corp_id=self._provider,
        )

    async def corp(self, corp_id: str) -> Endpoint:
        if not _CORP_ID.fullmatch(corp_id):
            raise UnknownEndpoint("malformed corp id")
        now = self._clock()
        await self._follow_version(now)
        cached = self._corps.get(corp_id)
        if cached is not None and cached[1] > now:
            endpoint = cached[0]
        else:
            endpoint = await self._load_corp(corp_id)
            if len(self._corps) >= _MAX_CACHED:
                self._corps.clear()
            self._corps[corp_id] = (endpoint, now + self._ttl)
        if endpoint is None:
            raise UnknownEndpoint(f"unknown corp {corp_id!r}")
        return endpoint

    async def _load_corp(self, corp_id: str) -> Endpoint | None:
        if not _CORP_ID.fullmatch(corp_id):
            return None
        corp = await Corp.filter(corp_id=corp_id, mode="self_built").first()
        if corp is None or corp.status == "cancelled":
            return None
        creds = tenants.callback_credentials(corp, self._box)
        if creds is None:
            return None
        crypto = CallbackCrypto(creds.token, creds.aes_key, corp_id)
        return Endpoint(source="corp", crypto=crypto, corp_id=corp_id)

    async def is_installed(self, corp_id: str) -> bool:
        """Is ``corp_id`` a tenant of the suite (for data-callback receive ids)?"""
        if not _CORP_ID.fullmatch(corp_id):
            return False
        now = self._clock()
        await self._follow_version(now)
        cached = self._installed.get(corp_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        corp = await Corp.filter(corp_id=corp_id, mode="suite").first()
        installed = corp is not None and corp.status != "cancelled"
        # Remember a miss only briefly: a corp that just installed must not wait long.
        if len(self._installed) >= _MAX_CACHED:
            self._installed.clear()
        self._installed[corp_id] = (installed, now + (self._ttl if installed else 1.0))
        return installed
