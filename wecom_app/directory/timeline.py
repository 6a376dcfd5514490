"""A customer's timeline: what happened between the corp and one external contact.

Every feature that learns of a change writes it here (the directory's callbacks and
syncs, transfers, notes, ...) and the sidebar reads it. Writing is idempotent: each
entry carries a dedup key, unique per corp, built from what identifies the change (the
relation, WeCom's time of it, ...). Applying the same change twice — a replayed
callback, a re-run sync, a callback and a sync that both saw an add — stores one row.

Kinds written by the directory: ``added``, ``half_added``, ``deleted_by_employee``,
``deleted_by_customer``, ``transferred``, ``removed`` (a complete sync no longer found
the relation), ``edited``, ``tags_changed``, ``joined_group``, ``left_group``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wecom_app.directory.upsert import upsert
from wecom_app.store.directory import TimelineEvent

# TimelineEvent.dedup_key is 96 characters: the kind (≤ 32) + ":" + 40 hex characters.
_KEY_HASH_CHARS = 40


def dedup_key(kind: str, *parts: object) -> str:
    """A key for one change: the kind, then a digest of whatever identifies it.

    The digest keeps the key inside the column whatever the parts are (WeCom ids run
    up to 64 characters each) and never confuses ``("a:b", "c")`` with ``("a", "b:c")``.
    """
    joined = "\x1f".join(str(part) for part in parts)
    digest = hashlib.sha256(joined.encode()).hexdigest()[:_KEY_HASH_CHARS]
    return f"{kind[:32]}:{digest}"


@dataclass(frozen=True)
class Entry:
    """One change to write; ``key_parts`` identify it (see :func:`dedup_key`)."""

    external_userid: str
    kind: str
    occurred_at: int
    key_parts: tuple[object, ...]
    userid: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def row(self, corp_id: int) -> dict[str, Any]:
        return {
            "corp_id": corp_id,
            "external_userid": self.external_userid[:64],
            "userid": self.userid[:64],
            "kind": self.kind[:32],
            "occurred_at": int(self.occurred_at),
            "detail": self.detail,
            "dedup_key": dedup_key(self.kind, *self.key_parts),
        }


async def record(corp_id: int, entries: Iterable[Entry]) -> None:
    """Store the entries; those already stored (same dedup key) are left alone.

    ``INSERT ... ON CONFLICT DO NOTHING``: a duplicate neither raises nor aborts the
    surrounding transaction (a callback handler's, on PostgreSQL).
    """
    rows: dict[str, dict[str, Any]] = {}
    for entry in entries:
        row = entry.row(corp_id)
        rows.setdefault(row["dedup_key"], row)
    await upsert(TimelineEvent, list(rows.values()), conflict=["corp_id", "dedup_key"])


async def record_one(corp_id: int, entry: Entry) -> None:
    await record(corp_id, [entry])


async def for_customer(
    corp_id: int, external_userid: str, *, limit: int = 100, before: int | None = None
) -> list[TimelineEvent]:
    """The customer's newest entries first (``before``: older than this time)."""
    query = TimelineEvent.filter(corp_id=corp_id, external_userid=external_userid)
    if before is not None:
        query = query.filter(occurred_at__lt=before)
    return await query.order_by("-occurred_at", "-id").limit(limit)
