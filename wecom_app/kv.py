"""Cache, locks and dedup markers: Redis when ``REDIS_URL`` is set, in-process otherwise.

Both implementations satisfy :class:`KV` and are tested by one shared suite. Keys are
namespaced with a prefix so several deployments (or test runs) can share one Redis.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import redis.asyncio as aioredis


class LockTimeout(Exception):
    """The lock could not be acquired within ``blocking_timeout``."""


class KV(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None: ...
    async def set_if_absent(self, key: str, value: bytes | str, ttl: float | None = None) -> bool:
        """Set only if the key does not exist; True when this call set it."""
        ...

    async def delete(self, key: str) -> None: ...
    async def renew(self, key: str, value: bytes | str, ttl: float) -> bool:
        """Reset ``key``'s expiry to ``ttl`` if it still holds ``value``; True if it did
        (a lease its owner keeps alive; False: it expired, or another owns it now)."""
        ...

    async def release(self, key: str, value: bytes | str) -> bool:
        """Delete ``key`` if it still holds ``value`` (give back a lease we own)."""
        ...

    async def incr(self, key: str, ttl: float | None = None) -> int: ...
    def lock(
        self, name: str, *, timeout: float, blocking_timeout: float | None = None
    ) -> AbstractAsyncContextManager[None]:
        """A mutual-exclusion lock that expires after ``timeout`` seconds if not released."""
        ...

    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


def _to_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


class MemoryKV:
    """In-process KV for the embedded default (one process runs everything)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._clock = clock
        self._changed = asyncio.Condition()

    def _live(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return value

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        self._data[key] = (_to_bytes(value), self._expiry(ttl))

    async def set_if_absent(self, key: str, value: bytes | str, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._data[key] = (_to_bytes(value), self._expiry(ttl))
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)
        async with self._changed:
            self._changed.notify_all()

    async def renew(self, key: str, value: bytes | str, ttl: float) -> bool:
        if self._live(key) != _to_bytes(value):
            return False
        self._data[key] = (_to_bytes(value), self._expiry(ttl))
        return True

    async def release(self, key: str, value: bytes | str) -> bool:
        if self._live(key) != _to_bytes(value):
            return False
        await self.delete(key)
        return True

    async def incr(self, key: str, ttl: float | None = None) -> int:
        current = self._live(key)
        value = int(current or b"0") + 1
        expires = self._data[key][1] if current is not None else self._expiry(ttl)
        self._data[key] = (str(value).encode(), expires)
        return value

    @asynccontextmanager
    async def lock(
        self, name: str, *, timeout: float, blocking_timeout: float | None = None
    ) -> AsyncIterator[None]:
        key = "lock:" + name
        token = secrets.token_hex(8)
        deadline = None if blocking_timeout is None else time.monotonic() + blocking_timeout
        while not await self.set_if_absent(key, token, ttl=timeout):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise LockTimeout(name)
            async with self._changed:
                wait = 0.05 if remaining is None else min(0.05, remaining)
                try:
                    await asyncio.wait_for(self._changed.wait(), wait)
                except TimeoutError:
                    pass
        try:
            yield
        finally:
            if self._live(key) == token.encode():
                await self.delete(key)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()


# Release only a lock we still own (it may have expired and been taken by another).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""

_INCR_WITH_TTL = """
local v = redis.call('incr', KEYS[1])
if v == 1 and tonumber(ARGV[1]) > 0 then
  redis.call('pexpire', KEYS[1], ARGV[1])
end
return v
"""


class RedisKV:
    """KV over ``redis.asyncio``; every key is prefixed with ``prefix``."""

    def __init__(self, url: str, prefix: str = "wecom:") -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self.prefix = prefix

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._k(key))
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        px = None if ttl is None else max(1, int(ttl * 1000))
        await self._redis.set(self._k(key), _to_bytes(value), px=px)

    async def set_if_absent(self, key: str, value: bytes | str, ttl: float | None = None) -> bool:
        px = None if ttl is None else max(1, int(ttl * 1000))
        return bool(await self._redis.set(self._k(key), _to_bytes(value), px=px, nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def renew(self, key: str, value: bytes | str, ttl: float) -> bool:
        px = max(1, int(ttl * 1000))
        return bool(await self._redis.eval(_RENEW, 1, self._k(key), _to_bytes(value), px))

    async def release(self, key: str, value: bytes | str) -> bool:
        return bool(await self._redis.eval(_RELEASE, 1, self._k(key), _to_bytes(value)))

    async def incr(self, key: str, ttl: float | None = None) -> int:
        px = 0 if ttl is None else max(1, int(ttl * 1000))
        result = await self._redis.eval(_INCR_WITH_TTL, 1, self._k(key), px)
        return int(result)

    @asynccontextmanager
    async def lock(
        self, name: str, *, timeout: float, blocking_timeout: float | None = None
    ) -> AsyncIterator[None]:
        key = self._k("lock:" + name)
        token = secrets.token_hex(8).encode()
        px = max(1, int(timeout * 1000))
        deadline = None if blocking_timeout is None else time.monotonic() + blocking_timeout
        delay = 0.01
        while not await self._redis.set(key, token, px=px, nx=True):
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(name)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            await self._redis.eval(_RELEASE, 1, key, token)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def delete_prefix(self) -> None:
        """Remove every key under this prefix (tests clean up after themselves)."""
        async for key in self._redis.scan_iter(match=self.prefix + "*", count=500):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


def create_kv(redis_url: str | None, prefix: str = "wecom:") -> MemoryKV | RedisKV:
    return RedisKV(redis_url, prefix) if redis_url else MemoryKV()
