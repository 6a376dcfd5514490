"""A small Prometheus text-format registry (counters, histograms, scrape-time gauges).

Per process, like prometheus_client's default registry; values are plain floats since
the event loop is single-threaded.
"""

from __future__ import annotations

import bisect
from collections.abc import Awaitable, Callable, Iterable

LabelValues = tuple[str, ...]


def _fmt_labels(names: tuple[str, ...], values: LabelValues, extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Counter:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self._values: dict[LabelValues, float] = {}

    def inc(self, *label_values: str, amount: float = 1.0) -> None:
        self._values[label_values] = self._values.get(label_values, 0.0) + amount

    def value(self, *label_values: str) -> float:
        return self._values.get(label_values, 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        if not self._values and not self.labels:
            yield f"{self.name} 0"
        for values, number in sorted(self._values.items()):
            yield f"{self.name}{_fmt_labels(self.labels, values)} {number:g}"


class Histogram:
    DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

    def __init__(
        self, name: str, help_text: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS
    ) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts = [0] * (len(buckets) + 1)
        self._sum = 0.0
        self._count = 0

    def observe(self, value: float) -> None:
        self._counts[bisect.bisect_left(self.buckets, value)] += 1
        self._sum += value
        self._count += 1

    @property
    def count(self) -> int:
        return self._count

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        cumulative = 0
        for bound, count in zip(self.buckets, self._counts, strict=False):
            cumulative += count
            yield f'{self.name}_bucket{{le="{bound:g}"}} {cumulative}'
        yield f'{self.name}_bucket{{le="+Inf"}} {self._count}'
        yield f"{self.name}_sum {self._sum:g}"
        yield f"{self.name}_count {self._count}"


GaugeReader = Callable[[], Awaitable[dict[LabelValues, float]]]


class Gauge:
    """Read at scrape time (e.g. inbox backlog from the database)."""

    def __init__(
        self, name: str, help_text: str, read: GaugeReader, labels: tuple[str, ...] = ()
    ) -> None:
        self.name, self.help, self.labels, self._read = name, help_text, labels, read

    async def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        for values, number in sorted((await self._read()).items()):
            lines.append(f"{self.name}{_fmt_labels(self.labels, values)} {number:g}")
        return lines


class Metrics:
    """The app's metrics, one instance per process, passed to whoever counts."""

    def __init__(self) -> None:
        self.callbacks_received = Counter(
            "wecom_callbacks_received_total", "Callbacks stored in the inbox.", ("source",)
        )
        self.callbacks_duplicate = Counter(
            "wecom_callbacks_duplicate_total",
            "Callbacks answered success without storing (a retry of a stored one).",
            ("source",),
        )
        self.callbacks_rejected = Counter(
            "wecom_callbacks_rejected_total", "Callbacks refused, by reason.", ("reason",)
        )
        self.inbox_applied = Counter(
            "wecom_inbox_applied_total", "Inbox events processed, by outcome.", ("outcome",)
        )
        self.inbox_apply_seconds = Histogram(
            "wecom_inbox_apply_seconds", "Time from receipt to the event being applied."
        )
        self.gauges: list[Gauge] = []

    async def render(self) -> str:
        lines: list[str] = []
        for metric in (
            self.callbacks_received,
            self.callbacks_duplicate,
            self.callbacks_rejected,
            self.inbox_applied,
        ):
            lines.extend(metric.render())
        lines.extend(self.inbox_apply_seconds.render())
        for gauge in self.gauges:
            try:
                lines.extend(await gauge.render())
            except Exception:  # noqa: S112 - a broken reader must not break the scrape
                continue
        return "\n".join(lines) + "\n"
