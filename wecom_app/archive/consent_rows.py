"""Consent rows: the archiving consent agree/disagree messages carry, newest wins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.archive.bulk_sql import db_time, insert_rows

CONSENT_COLUMNS: Final = (
    ("corp_id", "int"),
    ("subject", "text"),
    ("userid", "text"),
    ("status", "text"),
    ("changed_at", "bigint"),
    ("updated_at", "timestamptz"),
)


async def record_consents(
    conn: BaseDBAsyncClient,
    corp_pk: int,
    consents: Iterable[tuple[str, str, str, int]],
    now: datetime,
) -> int:
    """Upsert consent rows; an older change never overwrites a newer one."""
    newest: dict[tuple[str, str], tuple[str, int]] = {}
    for subject, userid, status, changed_at in consents:
        key = (subject, userid)
        if key not in newest or newest[key][1] <= changed_at:
            newest[key] = (status, changed_at)
    if not newest:
        return 0
    stamp = db_time(conn, now)
    rows = [(corp_pk, s, u, st, at, stamp) for (s, u), (st, at) in newest.items()]
    await insert_rows(
        conn,
        "archive_consents",
        CONSENT_COLUMNS,
        rows,
        conflict=("corp_id", "subject", "userid"),
        update=(
            "status = excluded.status, changed_at = excluded.changed_at, "
            "updated_at = excluded.updated_at "
            "WHERE archive_consents.changed_at <= excluded.changed_at"
        ),
    )
    return len(rows)
