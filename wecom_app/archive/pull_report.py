"""What a pull reports: progress after each batch, and the totals at its end."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PullProgress:
    """Reported after each stored batch (the CLI's progress bar)."""

    seq: int
    stored: int
    parked: int
    failed: int
    duplicates: int
    batches: int
    elapsed_s: float


@dataclass
class PullReport:
    corp_id: str
    started_seq: int = 0
    seq: int = 0
    batches: int = 0
    stored: int = 0  # new rows of any status
    ok: int = 0
    parked: int = 0
    failed: int = 0
    duplicates: int = 0
    media: int = 0
    recalls: int = 0
    skipped: bool = False  # another puller holds this tenant
    error: str = ""
    error_code: int = 0
    elapsed_s: float = 0.0
    more: bool = False  # stopped by max_batches before the end
    parked_versions: set[int] = field(default_factory=set)
    # Where the time went: waiting for fetch + decode of the next batch, and storing
    # (one transaction per batch, the listeners - the search index - included). The pipeline is
    # balanced when neither dominates.
    wait_s: float = 0.0
    store_s: float = 0.0
