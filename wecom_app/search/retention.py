"""The retention purge: a tenant's messages older than its retention period go.

``ArchiveSettings.retention_days`` (0 = keep forever) sets the period per tenant. The
purge deletes, in batches, each expired message with its index entry (the foreign keys
take ``search_docs``, and with it the FTS5 entry or the PostgreSQL document), its alerts,
its media rows, and, after the batch has committed, its media files. Messages of a
customer or an employee under an active legal hold (sender, receiver, employee side or
customer side) are kept. Audit entries are never touched; the purge itself is audited
(actor ``system``) when it removed something.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tortoise.transactions import in_transaction

from wecom_app.search import audit
from wecom_app.store.archive import ArchiveMedia, ArchiveSettings
from wecom_app.store.db import db
from wecom_app.store.search import LegalHold
from wecom_app.store.sql import in_list, json_list, marker, rows_of

log = logging.getLogger(__name__)

BATCH: Final = 500
DAY_MS: Final = 86_400_000


@dataclass
class PurgeResult:
    corp_pk: int
    cutoff_ms: int = 0
    messages: int = 0
    media: int = 0
    kept_on_hold: int = 0


def _people(row: Any) -> set[str]:
    people = {str(row[3]), str(row[4]), str(row[5]), *json_list(row[6])}
    people.discard("")
    return people


async def active_holds(corp_pk: int) -> set[str]:
    rows = await LegalHold.filter(corp_id=corp_pk, released_at__isnull=True).values_list(
        "subject", flat=True
    )
    return {str(r) for r in rows}


def _unlink(path: Path, root: Path | None) -> bool:
    try:
        resolved = path.resolve()
        if root is not None and not resolved.is_relative_to(root.resolve()):
            log.warning("media path outside the media directory left alone: %s", path.name)
            return False
        resolved.unlink(missing_ok=True)
        return True
    except OSError as exc:
        log.warning("could not remove media file %s: %s", path.name, exc)
        return False


async def purge_corp(
    corp_pk: int,
    retention_days: int,
    *,
    now: float,
    audit_key: audit.AuditKey,
    media_dir: Path | None = None,
) -> PurgeResult:
    """Purge one tenant's messages older than ``retention_days`` before ``now``."""
    result = PurgeResult(corp_pk)
    if retention_days <= 0:
        return result
    result.cutoff_ms = int(now * 1000) - retention_days * DAY_MS
    held = await active_holds(corp_pk)
    after_time, after_id = -(2**62), 0
    while True:
        conn = db()
        m = marker(conn)
        rows = rows_of(
            await conn.execute_query(
                "SELECT id, msgid, msgtime, sender, employee_userid, external_userid, receivers "
                f"FROM archive_messages WHERE corp_id = {m(1)} AND msgtime < {m(2)} "
                f"AND (msgtime > {m(3)} OR (msgtime = {m(4)} AND id > {m(5)})) "
                f"ORDER BY msgtime, id LIMIT {m(6)}",
                [corp_pk, result.cutoff_ms, after_time, after_time, after_id, BATCH],
            )
        )
        if not rows:
            break
        after_time, after_id = int(rows[-1][2]), int(rows[-1][0])
        doomed = [r for r in rows if not (_people(r) & held)]
        result.kept_on_hold += len(rows) - len(doomed)
        if not doomed:
            continue
        ids = [int(r[0]) for r in doomed]
        msgids = [str(r[1]) for r in doomed]
        async with in_transaction() as tx:
            media = (
                await ArchiveMedia.filter(corp_id=corp_pk, msgid__in=msgids)
                .using_db(tx)
                .values_list("id", "path")
            )
            if media:
                await ArchiveMedia.filter(id__in=[mid for mid, _ in media]).using_db(tx).delete()
            t = marker(tx)
            await tx.execute_query(
                f"DELETE FROM archive_messages WHERE corp_id = {t(1)} "
                f"AND id IN {in_list(2, len(ids), tx)}",
                [corp_pk, *ids],
            )
        # files go after the commit: a rolled-back batch keeps its files
        root = media_dir
        for _, path in media:
            if path:
                file = Path(path)
                if not file.is_absolute() and root is not None:
                    file = root / file
                if _unlink(file, root):
                    result.media += 1
        result.messages += len(ids)
    if result.messages or result.media:
        await audit.record(
            corp_pk,
            "system",
            "retention_purge",
            {
                "retention_days": retention_days,
                "cutoff_ms": result.cutoff_ms,
                "messages": result.messages,
                "media_files": result.media,
                "kept_on_hold": result.kept_on_hold,
            },
            key=audit_key,
            now=now,
        )
    return result


async def purge_all(
    *, now: float, audit_key: audit.AuditKey, media_dir: Path | None = None
) -> list[PurgeResult]:
    """Purge every tenant that has a retention period."""
    results = []
    for settings in await ArchiveSettings.filter(retention_days__gt=0):
        results.append(
            await purge_corp(
                settings.corp_id,
                settings.retention_days,
                now=now,
                audit_key=audit_key,
                media_dir=media_dir,
            )
        )
    return results
