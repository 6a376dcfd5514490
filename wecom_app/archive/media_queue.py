"""The media queue: one ``archive_media`` row per file a stored message refers to.

Rows are queued in the batch's transaction; :mod:`wecom_app.archive.media` downloads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.archive.bulk_sql import db_time, insert_rows
from wecom_app.archive.outcomes import Decoded
from wecom_app.protocol.archive.records import MediaRef
from wecom_app.store.models import Corp

# (column, PostgreSQL type) in insert order
MEDIA_COLUMNS: Final = (
    ("corp_id", "int"),
    ("msgid", "text"),
    ("sdkfileid", "text"),
    ("fileid_hash", "text"),
    ("msgtype", "text"),
    ("md5sum", "text"),
    ("expected_size", "bigint"),
    ("status", "text"),
    ("index_buf", "text"),
    ("bytes_done", "bigint"),
    ("path", "text"),
    ("attempts", "int"),
    ("error", "text"),
    ("next_attempt_at", "double precision"),
    ("updated_at", "timestamptz"),
)


def fileid_hash(sdkfileid: str) -> str:
    return hashlib.sha256(sdkfileid.encode("utf-8", "surrogatepass")).hexdigest()


def media_relpath(corp_id: str, ref: MediaRef, digest: str) -> str:
    """Where a file goes under the media directory: ``<corp>/<aa>/<sha256>[.ext]``."""
    ext = "".join(ch for ch in ref.ext.lower() if ch.isalnum())[:10]
    name = f"{digest}.{ext}" if ext else digest
    safe_corp = "".join(ch for ch in corp_id if ch.isalnum() or ch in "-_") or "corp"
    return f"{safe_corp}/{digest[:2]}/{name}"


def media_rows(
    conn: BaseDBAsyncClient,
    corp: Corp,
    messages: Iterable[Decoded],
    now: datetime,
    max_bytes: int,
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    stamp = db_time(conn, now)
    for message in messages:
        for ref in message.media:
            digest = fileid_hash(ref.sdkfileid)
            if digest in seen:
                continue
            seen.add(digest)
            size = ref.size if ref.size is not None and 0 <= ref.size < 2**62 else 0
            too_large = size > max_bytes
            rows.append(
                (
                    corp.pk,
                    message.msgid,
                    ref.sdkfileid,
                    digest,
                    ref.kind[:32],
                    ref.md5sum.lower()[:64],
                    size,
                    "too_large" if too_large else "pending",
                    "",
                    0,
                    media_relpath(corp.corp_id, ref, digest),
                    0,
                    f"announced size {size} exceeds MEDIA_MAX_BYTES {max_bytes}"
                    if too_large
                    else "",
                    0.0,
                    stamp,
                )
            )
    return rows


async def queue_media(
    conn: BaseDBAsyncClient,
    corp: Corp,
    messages: Sequence[Decoded],
    now: datetime,
    max_bytes: int,
) -> int:
    rows = media_rows(conn, corp, messages, now, max_bytes)
    inserted = await insert_rows(
        conn,
        "archive_media",
        MEDIA_COLUMNS,
        rows,
        conflict=("corp_id", "fileid_hash"),
        returning="id",
    )
    return len(inserted)
