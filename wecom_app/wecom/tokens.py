"""Token providers: fetch, cache and refresh WeCom's access tokens single-flight.

- :class:`SuiteTokenProvider`: ``suite_access_token`` of a third-party suite (Doc 90600).
- :class:`CorpTokenProvider`: ``access_token`` of a self-built app (Doc 91039).
- :class:`AuthorizedCorpTokenProvider`: ``access_token`` of a corp that installed our
  suite, from its permanent code (Doc 90605).

Tokens live in the KV store, sealed with :class:`~wecom_app.secretbox.SecretBox` so Redis
never holds one in plaintext, until ``expires_in`` minus a safety margin. A refresh is
single-flight twice over: concurrent callers in one process share one in-flight fetch,
and processes take a KV lock and re-read the cache once they hold it, so an empty cache
costs WeCom one call however many workers notice it at once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import ClassVar

from wecom_app.kv import KV, LockTimeout
from wecom_app.secretbox import SecretBox, SecretBoxError
from wecom_app.wecom.client import JSONObject, WeComClient
from wecom_app.wecom.errors import SuiteTicketMissing, Unreachable

log = logging.getLogger(__name__)

# API paths, not credentials (ruff's S105 matches "TOKEN" in the names).
SUITE_TOKEN_PATH = "/cgi-bin/service/get_suite_token"  # noqa: S105
CORP_TOKEN_PATH = "/cgi-bin/gettoken"  # noqa: S105
AUTHORIZED_CORP_TOKEN_PATH = "/cgi-bin/service/get_corp_token"  # noqa: S105

# WeCom documents 7200 s; used only if an answer leaves expires_in out.
_DEFAULT_EXPIRES_IN = 7200


@dataclass(frozen=True)
class CachedToken:
    token: str
    expires_at: float

    def __repr__(self) -> str:
        return f"CachedToken(token='***', expires_at={self.expires_at!r})"


class CachedTokenProvider(ABC):
    """The cache and single-flight logic; subclasses only say how to fetch."""

    param: ClassVar[str] = "access_token"
    fetch_path: ClassVar[str]

    def __init__(
        self,
        *,
        kv: KV,
        box: SecretBox,
        cache_key: str,
        scope: str,
        clock: Callable[[], float] = time.time,
        safety_margin_s: float = 300.0,
        lock_lease_s: float = 60.0,
        lock_wait_s: float = 70.0,
    ) -> None:
        self._kv = kv
        self._box = box
        self.cache_key = cache_key
        self.scope = scope
        self._clock = clock
        self.safety_margin_s = safety_margin_s
        # The lease outlives a fetch with all its retries; a crashed holder's lock
        # expires before waiters give up, so they take over instead of failing.
        self.lock_lease_s = lock_lease_s
        self.lock_wait_s = lock_wait_s
        self._inflight: asyncio.Task[str] | None = None
        self.fetches = 0

    @abstractmethod
    async def _fetch(self) -> tuple[str, int]:
        """Ask WeCom for a new token: ``(token, expires_in)``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scope={self.scope!r}, cache_key={self.cache_key!r})"

    async def get(self) -> str:
        cached = await self._read()
        if cached is not None and cached.expires_at > self._clock():
            return cached.token
        task = self._inflight
        if task is None or task.done():
            task = self._inflight = asyncio.create_task(self._refresh())
            # If every caller is cancelled, nobody awaits the task; mark its outcome
            # as seen so asyncio does not report an unretrieved exception.
            task.add_done_callback(_consume_outcome)
        # Shielded: one caller being cancelled must not cancel the fetch the others share.
        return await asyncio.shield(task)

    async def invalidate(self, token: str) -> None:
        """Drop ``token`` from the cache, unless another caller already replaced it."""
        async with self._locked():
            cached = await self._read()
            if cached is not None and hmac.compare_digest(cached.token, token):
                await self._kv.delete(self.cache_key)
                log.info("wecom token for %s dropped after WeCom rejected it", self.scope)

    async def prime(self, token: str, expires_in: int) -> None:
        """Cache a token WeCom handed us elsewhere (get_permanent_code returns one)."""
        async with self._locked():
            await self._write(token, expires_in)

    async def _refresh(self) -> str:
        async with self._locked():
            cached = await self._read()
            if cached is not None and cached.expires_at > self._clock():
                return cached.token  # another process fetched it while we waited
            self.fetches += 1
            token, expires_in = await self._fetch()
            await self._write(token, expires_in)
            log.info("wecom token for %s fetched, valid %d s", self.scope, expires_in)
            return token

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        try:
            async with self._kv.lock(
                "wecom-token:" + self.cache_key,
                timeout=self.lock_lease_s,
                blocking_timeout=self.lock_wait_s,
            ):
                yield
        except LockTimeout:
            raise Unreachable(
                -1,
                "timed out waiting for another process to fetch the token",
                self.fetch_path,
                retry_safe=True,
            ) from None

    def _purpose(self) -> str:
        # Bound into the ciphertext: a sealed token only opens under its own key.
        return "wecom.token:" + self.cache_key

    async def _read(self) -> CachedToken | None:
        raw = await self._kv.get(self.cache_key)
        if raw is None:
            return None
        try:
            fields = json.loads(self._box.open(raw.decode(), self._purpose()))
            return CachedToken(str(fields["token"]), float(fields["expires_at"]))
        except (SecretBoxError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            # Written under another SECRET_KEY or damaged: fetch a new one.
            log.warning("wecom token cache entry for %s is unreadable; refetching", self.scope)
            return None

    async def _write(self, token: str, expires_in: int) -> None:
        margin = min(self.safety_margin_s, expires_in / 5)
        ttl = max(1.0, expires_in - margin)
        payload = json.dumps({"token": token, "expires_at": self._clock() + ttl})
        await self._kv.set(self.cache_key, self._box.seal(payload, self._purpose()), ttl=ttl)


class SuiteTokenProvider(CachedTokenProvider):
    """``suite_access_token`` from suite id + secret + the newest pushed suite ticket.

    https://developer.work.weixin.qq.com/document/path/90600
    """

    param: ClassVar[str] = "suite_access_token"
    fetch_path: ClassVar[str] = SUITE_TOKEN_PATH

    def __init__(
        self,
        client: WeComClient,
        kv: KV,
        box: SecretBox,
        *,
        suite_id: str,
        suite_secret: str,
        suite_ticket: Callable[[], Awaitable[str | None]],
        clock: Callable[[], float] = time.time,
        safety_margin_s: float = 300.0,
    ) -> None:
        super().__init__(
            kv=kv,
            box=box,
            cache_key=f"token:suite:{suite_id}",
            scope=suite_id,
            clock=clock,
            safety_margin_s=safety_margin_s,
        )
        self._client = client
        self.suite_id = suite_id
        self._suite_secret = suite_secret
        self._suite_ticket = suite_ticket

    async def _fetch(self) -> tuple[str, int]:
        ticket = await self._suite_ticket()
        if not ticket:
            raise SuiteTicketMissing(SUITE_TOKEN_PATH)
        data = await self._client.post(
            SUITE_TOKEN_PATH,
            {"suite_id": self.suite_id, "suite_secret": self._suite_secret, "suite_ticket": ticket},
            scope=self.suite_id,
        )
        return _token_from(data, "suite_access_token", SUITE_TOKEN_PATH)


class CorpTokenProvider(CachedTokenProvider):
    """``access_token`` of a self-built app from corp id + app secret.

    A corp has one secret per app (and separate contact-sync, customer-contact and
    archive secrets), each with its own token; ``purpose`` (e.g. ``"app"``,
    ``"contacts"``, ``"archive"``) keeps them apart in the cache.
    https://developer.work.weixin.qq.com/document/path/91039
    """

    fetch_path: ClassVar[str] = CORP_TOKEN_PATH

    def __init__(
        self,
        client: WeComClient,
        kv: KV,
        box: SecretBox,
        *,
        corp_id: str,
        corp_secret: str,
        purpose: str = "app",
        clock: Callable[[], float] = time.time,
        safety_margin_s: float = 300.0,
    ) -> None:
        super().__init__(
            kv=kv,
            box=box,
            cache_key=f"token:corp:{corp_id}:{purpose}",
            scope=corp_id,
            clock=clock,
            safety_margin_s=safety_margin_s,
        )
        self._client = client
        self.corp_id = corp_id
        self._corp_secret = corp_secret

    async def _fetch(self) -> tuple[str, int]:
        data = await self._client.get(
            CORP_TOKEN_PATH,
            {"corpid": self.corp_id, "corpsecret": self._corp_secret},
            scope=self.corp_id,
        )
        return _token_from(data, "access_token", CORP_TOKEN_PATH)


class AuthorizedCorpTokenProvider(CachedTokenProvider):
    """``access_token`` of a corp that installed our suite, from its permanent code.

    40084 (``AuthCancelled``) here means the corp has cancelled the authorisation.
    https://developer.work.weixin.qq.com/document/path/90605
    """

    fetch_path: ClassVar[str] = AUTHORIZED_CORP_TOKEN_PATH

    def __init__(
        self,
        client: WeComClient,
        kv: KV,
        box: SecretBox,
        *,
        suite: SuiteTokenProvider,
        auth_corpid: str,
        permanent_code: str,
        clock: Callable[[], float] = time.time,
        safety_margin_s: float = 300.0,
    ) -> None:
        super().__init__(
            kv=kv,
            box=box,
            cache_key=f"token:suite:{suite.suite_id}:corp:{auth_corpid}",
            scope=auth_corpid,
            clock=clock,
            safety_margin_s=safety_margin_s,
        )
        self._client = client
        self._suite = suite
        self.corp_id = auth_corpid
        self._permanent_code = permanent_code

    async def _fetch(self) -> tuple[str, int]:
        data = await self._client.post(
            AUTHORIZED_CORP_TOKEN_PATH,
            {"auth_corpid": self.corp_id, "permanent_code": self._permanent_code},
            token=self._suite,
        )
        return _token_from(data, "access_token", AUTHORIZED_CORP_TOKEN_PATH)


def _token_from(data: JSONObject, field: str, path: str) -> tuple[str, int]:
    token = data.get(field)
    if not isinstance(token, str) or not token:
        raise Unreachable(-1, f"the answer has no {field}", path, retry_safe=False)
    try:
        expires_in = int(data.get("expires_in", _DEFAULT_EXPIRES_IN))
    except (TypeError, ValueError):
        expires_in = _DEFAULT_EXPIRES_IN
    return token, expires_in


def _consume_outcome(task: asyncio.Task[str]) -> None:
    if not task.cancelled():
        task.exception()
