"""The async HTTP client every WeCom API group module calls through.

One :class:`WeComClient` per process, shared by all corps. It

- injects the token (``access_token`` or ``suite_access_token``) from a
  :class:`TokenSource` and, when WeCom rejects it early, drops it, fetches a new one and
  retries once;
- turns ``errcode != 0`` into the matching :mod:`~wecom_app.wecom.errors` class;
- retries -1 (busy) and 45033 (too many concurrent calls) with exponential backoff;
- paces calls per corp and API below WeCom's limits and caps concurrency per corp;
- counts calls per API path (the sync benchmark reports them).

The transport is injectable like httpcore's: ``httpx.MockTransport`` in unit tests,
``httpx.ASGITransport`` over the simulator, the network otherwise.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from wecom_app.config import DEFAULT_API_BASE, Settings
from wecom_app.protocol import jsonin
from wecom_app.wecom.errors import (
    Busy,
    ConcurrencyLimited,
    TokenInvalid,
    Unreachable,
    WeComError,
    error_for,
)
from wecom_app.wecom.ratelimit import (
    PER_IP,
    PER_MEMBER_MESSAGES,
    PER_PROVIDER_IP,
    RateLimit,
    RateLimiter,
)
from wecom_app.wecom.redact import install_httpx_log_filter, redact_text, sensitive_values
from wecom_app.wecom.shared_limit import SharedRateLimiter

log = logging.getLogger(__name__)

JSONObject = dict[str, Any]
QueryParams = Mapping[str, str | int]

# Failures where the request cannot have reached WeCom, so even a POST may be repeated.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Gateway answers: the request did not get through to WeCom's application servers.
_GATEWAY_STATUSES = frozenset({502, 503})


class TokenSource(Protocol):
    """Where the client gets the token for a call (see :mod:`wecom_app.wecom.tokens`)."""

    @property
    def param(self) -> str:
        """The query parameter WeCom expects: ``access_token`` or ``suite_access_token``."""
        ...

    @property
    def scope(self) -> str:
        """The corp id (or suite id) whose limits this call counts against."""
        ...

    async def get(self) -> str: ...

    async def invalidate(self, token: str) -> None:
        """WeCom rejected ``token``: forget it unless a newer one already replaced it."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for -1 / 45033 / unreachable: ``base * 2**n`` capped, optionally jittered."""

    max_busy_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    # Full jitter would let a retry land immediately; keep at least half the delay.
    jitter: bool = True

    def delay(self, retry_index: int, rng: Callable[[], float]) -> float:
        delay = min(self.backoff_max_s, self.backoff_base_s * 2.0**retry_index)
        return delay * (0.5 + 0.5 * rng()) if self.jitter else delay


class WeComClient:
    def __init__(
        self,
        *,
        base_url: str = DEFAULT_API_BASE,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        ip_rate_limit: RateLimit = PER_IP,
        max_concurrency_per_corp: int = 20,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        shared_limiter: SharedRateLimiter | None = None,
    ) -> None:
        install_httpx_log_filter()
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, transport=transport, timeout=timeout_s
        )
        self.retry = retry or RetryPolicy()
        self._limiter = RateLimiter(rate_limit or RateLimit(), clock)
        # Every corp's calls to one API leave from our IP: WeCom counts them together.
        self._ip_limiter = RateLimiter(ip_rate_limit, clock)
        # App messages per (corp, agent, member): see wecom_app.wecom.ratelimit.
        self.member_messages = RateLimiter(PER_MEMBER_MESSAGES, clock)
        # Across processes (Redis), per corp per API and per egress IP per API.
        self._shared_limiter = shared_limiter
        self._max_concurrency = max_concurrency_per_corp
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._sleep = sleep
        self._rng = rng
        self.calls: Counter[str] = Counter()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> WeComClient:
        if settings.suite is not None:
            # A provider's IPs may call twice as often (Doc 90454).
            options.setdefault("ip_rate_limit", PER_PROVIDER_IP)
        return cls(base_url=settings.wecom_api_base, transport=transport, **options)

    @property
    def total_calls(self) -> int:
        """HTTP requests sent to WeCom, retries and token fetches included."""
        return sum(self.calls.values())

    def __repr__(self) -> str:
        return f"WeComClient(base_url={self.base_url!r}, calls={self.total_calls})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> WeComClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(
        self,
        path: str,
        params: QueryParams | None = None,
        *,
        token: TokenSource | None = None,
        scope: str = "",
    ) -> JSONObject:
        return await self.request("GET", path, params=params, token=token, scope=scope)

    async def post(
        self,
        path: str,
        json: Mapping[str, Any] | None = None,
        *,
        params: QueryParams | None = None,
        token: TokenSource | None = None,
        scope: str = "",
    ) -> JSONObject:
        return await self.request(
            "POST", path, params=params, json=json or {}, token=token, scope=scope
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Mapping[str, Any] | None = None,
        token: TokenSource | None = None,
        scope: str = "",
    ) -> JSONObject:
        """One WeCom call with the token, retry and pacing rules; the parsed answer.

        ``scope`` names the corp for limits when there is no token (token fetches).
        """
        if token is not None:
            scope = token.scope
        secrets = sensitive_values(params, json)
        token_retried = False
        busy_retries = 0
        while True:
            query: dict[str, str | int] = dict(params or {})
            current = ""
            if token is not None:
                current = await token.get()
                query[token.param] = current
            try:
                return await self._send(method, path, query, json, scope, [*secrets, current])
            except TokenInvalid as exc:
                if token is None or token_retried:
                    raise
                token_retried = True
                log.warning(
                    "wecom %s: %s; fetching a new token and retrying once", path, exc.explanation
                )
                await token.invalidate(current)
            except Busy as exc:
                if busy_retries >= self.retry.max_busy_retries or not _retry_safe(exc):
                    raise
                await self._back_off(path, exc, busy_retries)
                busy_retries += 1
            except ConcurrencyLimited as exc:
                if busy_retries >= self.retry.max_busy_retries:
                    raise
                await self._back_off(path, exc, busy_retries)
                busy_retries += 1

    async def _back_off(self, path: str, exc: WeComError, retry_index: int) -> None:
        delay = self.retry.delay(retry_index, self._rng)
        log.warning(
            "wecom %s: errcode %d (%s); retry %d of %d in %.2f s",
            path,
            exc.errcode,
            exc.explanation,
            retry_index + 1,
            self.retry.max_busy_retries,
            delay,
        )
        await self._sleep(delay)

    def _semaphore(self, scope: str) -> asyncio.Semaphore:
        semaphore = self._semaphores.get(scope)
        if semaphore is None:
            semaphore = self._semaphores[scope] = asyncio.Semaphore(self._max_concurrency)
        return semaphore

    async def pace_messages(self, scope: str, agent_id: int, userids: Sequence[str]) -> float:
        """Wait until every member may get one more app message; the seconds waited."""
        waits = [self.member_messages.reserve((scope, f"{agent_id}:{u}")) for u in userids]
        wait = max(waits, default=0.0)
        if wait > 0:
            await self._sleep(wait)
        return wait

    async def _send(
        self,
        method: str,
        path: str,
        query: dict[str, str | int],
        json: Mapping[str, Any] | None,
        scope: str,
        secrets: list[str],
    ) -> JSONObject:
        await self._limiter.acquire((scope, path), self._sleep)
        await self._ip_limiter.acquire(("ip", path), self._sleep)
        if self._shared_limiter is not None:
            await self._shared_limiter.acquire((scope, path), self._sleep)
        content = None
        headers = None
        if json is not None:
            # WeCom reads UTF-8 JSON; unescaped Chinese keeps bodies small and readable.
            content = jsonlib.dumps(json, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json; charset=utf-8"}
        async with self._semaphore(scope):
            self.calls[path] += 1
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method, path, params=query, content=content, headers=headers
                )
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # httpx messages and the request they carry may hold the URL (and the
                # token): keep only the redacted text, without chaining the original.
                detail = redact_text(f"{type(exc).__name__}: {exc}", secrets)
                raise Unreachable(
                    -1, detail, path, retry_safe=method == "GET" or isinstance(exc, _NOT_SENT)
                ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        data = _parse(response, method, path)
        errcode = _errcode(data, path)
        log.debug("wecom %s %s: errcode %d in %.0f ms", method, path, errcode, elapsed_ms)
        if errcode != 0:
            raise error_for(errcode, redact_text(str(data.get("errmsg", "")), secrets), path, data)
        return data


def _retry_safe(exc: Busy) -> bool:
    return not isinstance(exc, Unreachable) or exc.retry_safe


def _parse(response: httpx.Response, method: str, path: str) -> JSONObject:
    if response.status_code != 200:
        raise Unreachable(
            -1,
            f"HTTP {response.status_code}",
            path,
            retry_safe=method == "GET" or response.status_code in _GATEWAY_STATUSES,
        )
    try:
        data = jsonin.loads(response.content)
    except ValueError:
        raise Unreachable(-1, "the answer is not JSON", path, retry_safe=method == "GET") from None
    if not isinstance(data, dict):
        raise Unreachable(-1, "the answer is not a JSON object", path, retry_safe=method == "GET")
    return data


def _errcode(data: JSONObject, path: str) -> int:
    # get_suite_token and get_corp_token omit errcode on success ("for historical
    # reasons", Doc 97162 / 90605): no errcode means success.
    raw = data.get("errcode", 0)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Unreachable(-1, "errcode is not a number", path, retry_safe=False) from None
