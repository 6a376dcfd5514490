"""The demo's clock: the wall clock plus whatever the operator advanced it by.

The simulator and the product share it, so "+24 h" moves both: WeCom completes the
transfers it holds for 24 h, and the product's tracker sees that a day has passed and
asks. Nothing sleeps: advancing adds to an offset.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class DemoClock:
    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.offset = 0.0

    def __call__(self) -> float:
        return self._wall() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.offset += seconds
