"""Decoding stored-but-undecoded messages again: parked ones once their key arrives.

A parked row kept its encrypted GetChatData record (``record``) and its
``publickey_ver``. When a key of that version is added, :func:`retry_stored` decodes
those rows through the same pool as the puller and replaces each one, in one
transaction per chunk, with the decoded message (media queued, recalls linked,
consent recorded, search index told). An operator can also retry ``failed`` rows
(after replacing a wrong key, say). Rows are claimed by their status: a row another
retry already replaced is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wecom_app.archive import writer
from wecom_app.archive.decode_pool import DecodePool
from wecom_app.archive.keys import load_key_material
from wecom_app.archive.listeners import StoredListener
from wecom_app.archive.outcomes import Decoded, NeedsDecrypt, RawRecord, Undecoded
from wecom_app.archive.puller import decrypt_here
from wecom_app.archive.source import ArchiveSource
from wecom_app.archive.sources import local_decryptor
from wecom_app.secretbox import SecretBox
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.models import Corp


@dataclass
class RetryReport:
    tried: int = 0
    ok: int = 0
    parked: int = 0  # still no key
    failed: int = 0
    unreadable: int = 0  # the kept record itself is incomplete (a malformed record)


def _raw(row: dict[str, Any]) -> RawRecord | None:
    record = row.get("record")
    if not isinstance(record, dict):
        return None
    seq, msgid = record.get("seq"), record.get("msgid")
    version = record.get("publickey_ver")
    key, message = record.get("encrypt_random_key"), record.get("encrypt_chat_msg")
    if (
        not isinstance(seq, int)
        or not isinstance(msgid, str)
        or not isinstance(version, int)
        or not isinstance(key, str)
        or not isinstance(message, str)
        or not key
        or not message
    ):
        return None
    return (seq, msgid, version, key, message)


async def pending_versions(corp_pk: int) -> set[int]:
    """``publickey_ver`` values that parked messages wait for."""
    rows = (
        await ArchiveMessage.filter(corp_id=corp_pk, status="parked")
        .distinct()
        .values("publickey_ver")
    )
    return {int(r["publickey_ver"]) for r in rows}


async def retry_stored(
    corp: Corp,
    source: ArchiveSource,
    *,
    box: SecretBox,
    decoder: DecodePool,
    media_max_bytes: int,
    statuses: Sequence[str] = ("parked",),
    chunk: int = 500,
    hook: StoredListener | None = None,
) -> RetryReport:
    """Decode rows of ``statuses`` again, with the keys stored now."""
    report = RetryReport()
    keys = await load_key_material(corp.pk, box)
    if not keys:
        return report
    decryptor = local_decryptor(source)
    last_id = 0
    while True:
        query = ArchiveMessage.filter(corp_id=corp.pk, status__in=list(statuses), id__gt=last_id)
        if list(statuses) == ["parked"]:
            query = query.filter(publickey_ver__in=list(keys))
        rows = await query.order_by("id").limit(chunk).values("id", "record")
        if not rows:
            return report
        last_id = int(rows[-1]["id"])
        ids: list[int] = []
        raws: list[RawRecord] = []
        for row in rows:
            raw = _raw(row)
            if raw is None:
                report.unreadable += 1
                continue
            ids.append(int(row["id"]))
            raws.append(raw)
        if not raws:
            continue
        outcomes = await decoder.decode(keys, decryptor, raws)
        pairs: list[tuple[int, Decoded | Undecoded]] = []
        for row_id, outcome in zip(ids, outcomes, strict=True):
            if isinstance(outcome, NeedsDecrypt):
                outcome = await decrypt_here(source, outcome)
            pairs.append((row_id, outcome))
        stored = await writer.update_decoded(
            corp,
            pairs,
            from_statuses=statuses,
            now=datetime.now(UTC),
            media_max_bytes=media_max_bytes,
            hook=hook,
        )
        report.tried += len(pairs)
        report.ok += len(stored.messages)
        report.parked += stored.parked
        report.failed += stored.failed
