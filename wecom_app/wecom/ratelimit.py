"""Client-side pacing, so we stay under WeCom's limits instead of hitting 45009.

WeCom allows each corp 10,000 calls per minute and 150,000 per hour to any single API
(https://developer.work.weixin.qq.com/document/path/90454) and blocks the API for 60 s
(or 60 min) past that. We keep one token bucket per (corp, API) and window, each sized
so that burst + one window of refill stays under WeCom's limit: with the defaults at
most 1,000 + 6,000 calls fit in any minute and 20,000 + 120,000 in any hour.

Buckets hand out *reservations*: a caller takes a token even when the bucket is empty
and sleeps until its turn, so waiting callers are served in arrival order and a fake
clock gives exact, repeatable waits in tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """Calls allowed per corp per API; ``None`` bursts default to a sixth of the window."""

    per_minute: int = 6_000
    per_hour: int = 120_000
    minute_burst: int | None = None
    hour_burst: int | None = None

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.per_hour <= 0:
            raise ValueError("rate limits must be positive")


class TokenBucket:
    """``rate`` tokens per second up to ``capacity``; may go negative by reservation."""

    def __init__(self, rate_per_s: float, capacity: float, now: float) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it (0 when available now)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate_per_s)
        self.updated = max(self.updated, now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate_per_s


class RateLimiter:
    """One set of buckets per key (the client uses ``(corp, api path)``)."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[TokenBucket, ...]] = {}

    def _new_buckets(self) -> tuple[TokenBucket, ...]:
        now = self._clock()
        minute_burst = self.limit.minute_burst or max(1, self.limit.per_minute // 6)
        hour_burst = self.limit.hour_burst or max(1, self.limit.per_hour // 6)
        return (
            TokenBucket(self.limit.per_minute / 60.0, minute_burst, now),
            TokenBucket(self.limit.per_hour / 3600.0, hour_burst, now),
        )

    def reserve(self, key: tuple[str, str]) -> float:
        buckets = self._buckets.get(key)
        if buckets is None:
            buckets = self._buckets[key] = self._new_buckets()
        now = self._clock()
        return max(bucket.reserve(now) for bucket in buckets)

    async def acquire(
        self, key: tuple[str, str], sleep: Callable[[float], Awaitable[None]]
    ) -> float:
        """Wait for a slot for ``key``; returns how long we waited."""
        wait = self.reserve(key)
        if wait > 0:
            await sleep(wait)
        return wait
