"""WeCom's rate limits shared by every process: counters in the KV store (Redis).

WeCom limits each corp to 10,000 calls a minute and 150,000 an hour to any single API,
and each *IP* to 20,000 a minute and 600,000 an hour to any single API, across all
tenants (https://developer.work.weixin.qq.com/document/path/90454). The in-process
token buckets (:mod:`wecom_app.wecom.ratelimit`) pace one process; with N processes
they would allow N times the budget, so the client also takes a slot here.

Counters are fixed windows of a sixth of each limit's period (10 s for the minute, 10
minutes for the hour), each with a sixth of the budget: any rolling period overlaps at
most seven windows, so with the budgets below at most 7,000 calls per corp and API
fit in any minute (of WeCom's 10,000), 140,000 in any hour (150,000), and 17,500 /
583,333 per egress IP and API (20,000 / 600,000). A call over a window's budget waits
for the window to end and tries again; over-counted slots only make us slower.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class Counters(Protocol):
    async def incr(self, key: str, ttl: float | None = None) -> int: ...


@dataclass(frozen=True)
class Window:
    scope: str  # "corp" or "ip"
    seconds: float
    budget: int


# Per corp per API, then per egress IP per API (see the module docstring's arithmetic).
WINDOWS = (
    Window("corp", 10.0, 1_000),
    Window("corp", 600.0, 20_000),
    Window("ip", 10.0, 2_500),
    Window("ip", 600.0, 83_333),
)


class SharedRateLimiter:
    """Takes one slot per call for ``(corp, api)`` and ``(egress ip, api)``."""

    def __init__(
        self,
        counters: Counters,
        *,
        egress: str,
        clock: Callable[[], float] = time.time,
        windows: tuple[Window, ...] = WINDOWS,
    ) -> None:
        self.counters = counters
        self.egress = egress
        self.clock = clock
        self.windows = windows

    async def reserve(self, key: tuple[str, str]) -> float:
        """Count this call in every window; seconds to wait before trying again (0: go)."""
        corp, api = key
        now = self.clock()
        wait = 0.0
        for window in self.windows:
            n = math.floor(now / window.seconds)
            who = corp if window.scope == "corp" else self.egress
            counter = f"wecom-rate:{window.scope}:{who}:{api}:{window.seconds:g}:{n}"
            if await self.counters.incr(counter, ttl=2 * window.seconds) > window.budget:
                wait = max(wait, (n + 1) * window.seconds - now)
        return wait

    async def acquire(
        self, key: tuple[str, str], sleep: Callable[[float], Awaitable[None]]
    ) -> float:
        """Wait until every window has room for this call; returns how long we waited."""
        waited = 0.0
        while (wait := await self.reserve(key)) > 0:
            await sleep(wait)
            waited += wait
        return waited
