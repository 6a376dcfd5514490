"""Client-side pacing, so we stay under WeCom's limits instead of hitting 45009.

WeCom allows each corp 10,000 calls per minute and 150,000 per hour to any single API
(https://developer.work.weixin.qq.com/document/path/90454) and blocks the API for 60 s
(or 60 min) past that. We keep one token bucket per (corp, API) and window, each sized
so that burst + one window of refill stays under WeCom's limit: with the defaults at
most 1,000 + 6,000 calls fit in any minute and 20,000 + 120,000 in any hour.

WeCom's other limits (Doc 90454 频率限制; Doc 90236 for app messages):

* per IP, over every corp it calls for: 20,000 calls a minute and 600,000 an hour to any
  single API; a third-party provider's IPs may make twice that (40,000 and 1,200,000).
  :data:`PER_IP` / :data:`PER_PROVIDER_IP` pace one process at 80 % of those (processes
  sharing an IP share the limit: the shared limiter of the scale-out work covers that).
* app messages: one app may send one member at most 30 messages a minute and 1,000 an
  hour; WeCom *drops* the excess silently (answers ok, delivers nothing), so
  :data:`PER_MEMBER_MESSAGES` paces sends to each member below that.

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


# WeCom's numbers (what the simulator enforces) and our pacing below them.
WECOM_PER_CORP_API = (10_000, 150_000)  # per minute, per hour
WECOM_PER_IP_API = (20_000, 600_000)
WECOM_PER_PROVIDER_IP_API = (40_000, 1_200_000)
WECOM_MESSAGES_PER_MEMBER = (30, 1_000)  # per app, per member

PER_IP = RateLimit(per_minute=16_000, per_hour=480_000)
PER_PROVIDER_IP = RateLimit(per_minute=32_000, per_hour=960_000)
# burst + one window of refill: 6 + 24 = 30 in any minute, 200 + 800 = 1,000 an hour.
PER_MEMBER_MESSAGES = RateLimit(per_minute=24, per_hour=800, minute_burst=6, hour_burst=200)


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
