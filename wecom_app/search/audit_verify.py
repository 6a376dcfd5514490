"""Walk a tenant's audit chain and say where it does not hold, against the checkpoint.

What is checked, entry by entry: ``seq`` counts 1, 2, 3, … (a gap is deleted entries);
each ``prev_hash`` is the hash of the entry before (else entries were deleted, inserted,
reordered or the one before rewritten); each ``hash`` is the HMAC of its content under
the audit key. A plain SHA-256 hash is accepted only in the *legacy prefix* — entries
written before the HMAC chain, all before the first HMAC entry. Then the head row
(``audit_heads``) must name the newest entry.

Without the key none of this can be forged, but rows can still be deleted: the newest
ones with the head moved back, or a tenant's whole log with its head. The signed
checkpoint (:mod:`wecom_app.search.audit_checkpoint`) catches both: the log must reach
the checkpoint's entry, that entry must still have the checkpoint's hash, and the
legacy prefix must be exactly as long as the checkpoint recorded (so a chain rewritten
and recomputed with plain SHA-256 does not pass as legacy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wecom_app.search.audit import (
    GENESIS,
    AuditKey,
    Entry,
    chain_hash,
    content_of,
    iter_entries,
    legacy_hash,
)
from wecom_app.store.db import db
from wecom_app.store.sql import marker, rows_of


@dataclass(frozen=True)
class Anchor:
    """One tenant's chain as a checkpoint recorded it."""

    corp_pk: int
    corp_id: str
    seq: int
    hash: str
    legacy_through: int
    at_ms: int  # when the checkpoint was taken


@dataclass
class Problem:
    seq: int
    entry_id: int | None
    kind: str  # edited | missing | broken_link | tail_missing | head | checkpoint | no_log
    message: str


@dataclass
class Verification:
    corp_pk: int
    checked: int = 0
    head_seq: int = 0
    head_hash: str = ""
    legacy_through: int = 0  # how many entries at the start are plain SHA-256
    anchored_at: int = 0  # the checkpoint's seq this chain was checked against (0: none)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Walk:
    def __init__(self, key: AuditKey, result: Verification, anchor: Anchor | None) -> None:
        self.key = key
        self.result = result
        self.anchor = anchor
        self.expected = 1
        self.prev = GENESIS
        self.hmac_seen = False
        self.hash_at_anchor: str | None = None

    def add(self, entry: Entry) -> None:
        result = self.result
        result.checked += 1
        if entry.seq != self.expected:
            result.problems.append(
                Problem(
                    self.expected,
                    None,
                    "missing",
                    f"entries {self.expected}..{entry.seq - 1} are missing (deleted)",
                )
            )
        if entry.prev_hash != self.prev:
            result.problems.append(
                Problem(
                    entry.seq,
                    entry.id,
                    "broken_link",
                    f"entry {entry.seq} (id {entry.id}) does not follow the entry before it: "
                    "entries were deleted, inserted or reordered, or the one before was rewritten",
                )
            )
        self._check_hash(entry)
        if self.anchor is not None and entry.seq == self.anchor.seq:
            self.hash_at_anchor = entry.hash
        self.prev = entry.hash
        self.expected = entry.seq + 1

    def _check_hash(self, entry: Entry) -> None:
        content = content_of(
            entry.corp_pk, entry.seq, entry.at_ms, entry.actor, entry.action, entry.detail
        )
        if chain_hash(self.key, entry.prev_hash, content) == entry.hash:
            self.hmac_seen = True
            return
        if legacy_hash(entry.prev_hash, content) == entry.hash:
            if not self.hmac_seen:
                self.result.legacy_through = entry.seq
                return
            message = (
                f"entry {entry.seq} (id {entry.id}) carries a plain SHA-256 hash after the "
                "HMAC chain began: it was rewritten and recomputed without the audit key"
            )
        else:
            message = (
                f"entry {entry.seq} (id {entry.id}) was changed after it was written "
                "(its content does not match its HMAC: wrong audit key, or rewritten)"
            )
        self.result.problems.append(Problem(entry.seq, entry.id, "edited", message))


async def verify(corp_pk: int, key: AuditKey, anchor: Anchor | None = None) -> Verification:
    """Walk a tenant's chain and report every place where it does not hold."""
    result = Verification(corp_pk, anchored_at=anchor.seq if anchor else 0)
    walk = _Walk(key, result, anchor)
    async for entry in iter_entries(corp_pk):
        walk.add(entry)
    await _check_head(result, walk.expected - 1, walk.prev)
    if anchor is not None:
        _check_anchor(result, anchor, walk.expected - 1, walk.hash_at_anchor)
    return result


async def _check_head(result: Verification, last: int, prev: str) -> None:
    conn = db()
    mark = marker(conn)(1)
    head = rows_of(
        await conn.execute_query(
            f"SELECT seq, hash FROM audit_heads WHERE corp_id = {mark}", [result.corp_pk]
        )
    )
    if not head:
        if result.checked:
            result.problems.append(
                Problem(1, None, "head", "the chain head of this tenant is gone")
            )
        return
    result.head_seq = int(head[0][0])
    result.head_hash = str(head[0][1])
    if result.head_seq > last:
        result.problems.append(
            Problem(
                last + 1,
                None,
                "tail_missing",
                f"the log ends at entry {last} but {result.head_seq} were written: "
                f"entries {last + 1}..{result.head_seq} were deleted",
            )
        )
    elif result.head_seq < last:
        result.problems.append(
            Problem(
                result.head_seq + 1,
                None,
                "head",
                f"entries after {result.head_seq} were not written through the chain head",
            )
        )
    elif result.head_seq and result.head_hash != prev:
        result.problems.append(
            Problem(
                last,
                None,
                "head",
                f"the newest entry {last} differs from the one the head recorded",
            )
        )


def _check_anchor(
    result: Verification, anchor: Anchor, last: int, hash_at_anchor: str | None
) -> None:
    if last < anchor.seq:
        gone = "the whole log is gone" if last == 0 else f"the log ends at entry {last}"
        result.problems.append(
            Problem(
                last + 1,
                None,
                "checkpoint",
                f"the checkpoint recorded entry {anchor.seq} but {gone}: "
                f"entries {last + 1}..{anchor.seq} were deleted",
            )
        )
    elif hash_at_anchor != anchor.hash:
        result.problems.append(
            Problem(
                anchor.seq,
                None,
                "checkpoint",
                f"entry {anchor.seq} is not the one the checkpoint recorded: "
                "the chain up to it was rewritten",
            )
        )
    if result.legacy_through != anchor.legacy_through:
        result.problems.append(
            Problem(
                min(result.legacy_through, anchor.legacy_through) + 1,
                None,
                "checkpoint",
                f"{result.legacy_through} entries carry plain SHA-256 hashes but the "
                f"checkpoint recorded {anchor.legacy_through}: entries were recomputed "
                "without the audit key",
            )
        )
