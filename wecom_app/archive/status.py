"""What the admin console shows about a tenant's archive, in one call.

Cursor and last error (10010 "data expired" and friends surface here), how far behind
we are (the newest stored message's time against now), the key versions held, parked
messages per missing ``publickey_ver`` (each needs the admin's old key), failed
messages per reason, and media per status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wecom_app.archive.keys import key_versions
from wecom_app.store.archive import ArchiveCursor, ArchiveMessage, ArchiveSettings
from wecom_app.store.db import db, dialect

_FAILED_SAMPLE = 10_000  # failed rows read to count reasons (they should be few)


@dataclass
class ArchiveStatus:
    enabled: bool = False
    configured: bool = False  # an archive secret is stored
    cursor_seq: int = 0
    last_pull_at: datetime | None = None
    last_error: str = ""
    last_error_code: int = 0
    newest_msgtime: int | None = None  # ms, of the message with the highest seq
    lag_s: float | None = None  # now − newest_msgtime
    key_versions: list[int] = field(default_factory=list)
    messages: dict[str, int] = field(default_factory=dict)  # by status
    parked_by_version: dict[int, int] = field(default_factory=dict)
    missing_versions: list[int] = field(default_factory=list)  # parked, and no key
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    media: dict[str, int] = field(default_factory=dict)  # by status

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the console's API)."""
        return {
            "enabled": self.enabled,
            "configured": self.configured,
            "cursor_seq": self.cursor_seq,
            "last_pull_at": self.last_pull_at.isoformat() if self.last_pull_at else None,
            "last_error": self.last_error,
            "last_error_code": self.last_error_code,
            "newest_msgtime": self.newest_msgtime,
            "lag_s": self.lag_s,
            "key_versions": self.key_versions,
            "messages": self.messages,
            "parked_by_version": {str(k): v for k, v in self.parked_by_version.items()},
            "missing_versions": self.missing_versions,
            "failed_by_reason": self.failed_by_reason,
            "media": self.media,
        }


async def _grouped(sql_sqlite: str, sql_pg: str, corp_pk: int) -> list[dict[str, Any]]:
    conn = db()
    if dialect(conn) == "postgres":
        return await conn.execute_query_dict(sql_pg, [corp_pk])
    return await conn.execute_query_dict(sql_sqlite, [corp_pk])


async def archive_status(corp_pk: int, *, now: float | None = None) -> ArchiveStatus:
    status = ArchiveStatus()
    settings = await ArchiveSettings.filter(corp_id=corp_pk).first()
    if settings is not None:
        status.enabled = settings.enabled
        status.configured = bool(settings.secret_sealed)
    cursor = await ArchiveCursor.filter(corp_id=corp_pk).first()
    if cursor is not None:
        status.cursor_seq = cursor.seq
        status.last_pull_at = cursor.last_pull_at
        status.last_error = cursor.last_error
        status.last_error_code = cursor.last_error_code
    newest = (
        await ArchiveMessage.filter(corp_id=corp_pk, status="ok")
        .order_by("-seq")
        .limit(1)
        .values("msgtime")
    )
    if newest:
        status.newest_msgtime = int(newest[0]["msgtime"])
        status.lag_s = max(
            0.0, (time.time() if now is None else now) - status.newest_msgtime / 1000
        )
    status.key_versions = sorted(await key_versions(corp_pk))
    for row in await _grouped(
        "SELECT status, COUNT(*) AS n FROM archive_messages WHERE corp_id = ? GROUP BY status",
        "SELECT status, COUNT(*) AS n FROM archive_messages WHERE corp_id = $1 GROUP BY status",
        corp_pk,
    ):
        status.messages[str(row["status"])] = int(row["n"])
    for row in await _grouped(
        "SELECT publickey_ver AS v, COUNT(*) AS n FROM archive_messages "
        "WHERE corp_id = ? AND status = 'parked' GROUP BY publickey_ver",
        "SELECT publickey_ver AS v, COUNT(*) AS n FROM archive_messages "
        "WHERE corp_id = $1 AND status = 'parked' GROUP BY publickey_ver",
        corp_pk,
    ):
        status.parked_by_version[int(row["v"])] = int(row["n"])
    status.missing_versions = sorted(set(status.parked_by_version) - set(status.key_versions))
    errors = (
        await ArchiveMessage.filter(corp_id=corp_pk, status="failed")
        .limit(_FAILED_SAMPLE)
        .values("error")
    )
    for row in errors:
        reason = str(row["error"]).split(":", 1)[0] or "unknown"
        status.failed_by_reason[reason] = status.failed_by_reason.get(reason, 0) + 1
    for row in await _grouped(
        "SELECT status, COUNT(*) AS n FROM archive_media WHERE corp_id = ? GROUP BY status",
        "SELECT status, COUNT(*) AS n FROM archive_media WHERE corp_id = $1 GROUP BY status",
        corp_pk,
    ):
        status.media[str(row["status"])] = int(row["n"])
    return status
