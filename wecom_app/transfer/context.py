"""What one run over one plan works with: the tenant, its WeCom APIs, the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferPlan
from wecom_app.wecom import CorpAPI
from wecom_app.wecom.message import MessageAPI
from wecom_app.wecom.transfer import TransferAPI

# Called after items are marked ``submitting`` (committed) and before the WeCom call:
# (kind, item ids). Tests make it raise to stand for a worker killed at that moment.
BeforeCall = Callable[[str, Sequence[int]], Awaitable[None]]


@dataclass
class RunReport:
    """What one run did to one plan (for logs, the CLI and tests)."""

    plan_id: int
    busy: bool = False  # another worker holds the plan
    submitted: int = 0  # items sent in a WeCom call
    accepted: int = 0  # WeCom started the transfer (customers) or moved the chat
    failed: int = 0
    retry_later: int = 0  # transient trouble: sent again next run
    uncertain: int = 0  # sent without a usable answer: will be asked about
    reconciled: int = 0  # abandoned ``submitting`` items settled by asking WeCom
    polled_pairs: int = 0
    resolved: int = 0  # waiting items that reached a final status
    completed: int = 0  # customers carried over
    notified: int = 0
    finished: bool = False
    stopped: str = ""  # why submitting stopped early (rate limit, credentials, ...)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [
            f"plan {self.plan_id}:",
            f"submitted={self.submitted}",
            f"accepted={self.accepted}",
            f"failed={self.failed}",
            f"retry_later={self.retry_later}",
            f"uncertain={self.uncertain}",
            f"reconciled={self.reconciled}",
            f"resolved={self.resolved}",
            f"completed={self.completed}",
            f"notified={self.notified}",
        ]
        if self.busy:
            parts.append("busy")
        if self.finished:
            parts.append("finished")
        if self.stopped:
            parts.append(f"stopped={self.stopped}")
        return " ".join(parts)


@dataclass
class RunContext:
    corp: Corp
    plan: TransferPlan
    transfers: TransferAPI
    corp_api: CorpAPI
    messages: MessageAPI | None
    clock: Callable[[], float]
    report: RunReport
    before_call: BeforeCall | None = None
    concurrency: int = 10
    public_url: str = ""

    def now(self) -> float:
        return self.clock()
