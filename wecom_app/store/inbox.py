"""The inbox table: batch inserts, leased claims, outcomes, counts and replays.

The callback receiver stores rows through :class:`callbacks.inbox.InboxWriter` (group
commit: one multi-row ``INSERT ... ON CONFLICT DO NOTHING`` per batch, see
:func:`insert_rows`); the worker claims and finishes them; the console and the CLI read
counts and replay. The ORM stays out of this hot path; the SQL below runs unchanged on
SQLite (≥ 3.35) and PostgreSQL apart from bind markers (:mod:`wecom_app.store.sql`) and
``FOR UPDATE SKIP LOCKED``.

On SQLite the batch insert returns no rows (see :func:`_insert_sqlite`): the statement
runs on aiosqlite's thread, and every row fetched there is one more hand-back of the
GIL from the event loop's thread, which under load waits out the interpreter's switch
interval each time; a statement with no rows keeps the commit to a single hand-back.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.store.db import db, dialect
from wecom_app.store.sql import placeholders

_COLUMNS = (
    "scope",
    "dedup_key",
    "source",
    "corp_id",
    "name",
    "change_type",
    "payload",
    "received_at",
    "next_attempt_at",
    "status",
    "attempts",
    "last_error",
    "lease_until",
    "claim_token",
)

STATUSES = ("pending", "processing", "done", "no_handler", "skipped", "failed")


class NewInboxRow(NamedTuple):
    """A verified callback to store (a tuple: one is built per request, cheaply)."""

    scope: str
    dedup_key: str
    source: str
    corp_id: str
    name: str
    change_type: str
    payload: str
    received_at: float

    def values(self) -> tuple[str, str, str, str, str, str, str, float]:
        return tuple(self)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    id: int
    scope: str
    source: str
    corp_id: str
    name: str
    change_type: str
    payload: str
    attempts: int
    received_at: float
    claim_token: str


Key = tuple[str, str]  # (scope, dedup_key): what the unique index compares


# The columns every new row gets the same value for are written into the SQL, so each
# row binds 8 values, not 14.
_NEW_ROW_CONSTANTS = "'pending', 0, '', 0, ''"
_RETURNING = "ON CONFLICT (scope, dedup_key) DO NOTHING RETURNING scope, dedup_key"

# PostgreSQL: one statement text for any batch size (arrays, unnest), so asyncpg's
# prepared-statement cache keeps a single entry instead of one per batch size.
_PG_INSERT = (
    f"INSERT INTO inbox ({', '.join(_COLUMNS)}) "
    "SELECT s, d, so, c, n, ct, p, r, r, " + _NEW_ROW_CONSTANTS + " FROM unnest("
    "$1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], "
    "$6::varchar[], $7::text[], $8::float8[]) AS t(s, d, so, c, n, ct, p, r) " + _RETURNING
)


@functools.lru_cache(maxsize=256)
def _sqlite_insert(rows: int) -> str:
    group = "(?, ?, ?, ?, ?, ?, ?, ?, ?, " + _NEW_ROW_CONSTANTS + ")"
    return (
        f"INSERT INTO inbox ({', '.join(_COLUMNS)}) VALUES "
        + ", ".join([group] * rows)
        + " ON CONFLICT (scope, dedup_key) DO NOTHING"
    )


async def insert_rows(rows: Sequence[NewInboxRow]) -> list[bool]:
    """Insert rows in one statement (one commit); True for each row newly stored."""
    conn = db()
    if dialect(conn) == "postgres":
        columns: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
        # execute_query_dict: Tortoise's asyncpg execute_query drops RETURNING rows.
        returned = await conn.execute_query_dict(_PG_INSERT, columns)
        stored = {(r["scope"], r["dedup_key"]) for r in returned}
    else:
        stored = await _insert_sqlite(conn, rows)
    result: list[bool] = []
    for row in rows:
        key = (row.scope, row.dedup_key)
        result.append(key in stored)
        stored.discard(key)  # a second copy within the same batch is a duplicate
    return result


async def _insert_sqlite(conn: BaseDBAsyncClient, rows: Sequence[NewInboxRow]) -> set[Key]:
    """Insert ``rows`` on SQLite; the keys this statement stored.

    The statement returns nothing; the number of rows it changed says whether every
    distinct key was new (the usual case). When it was not (WeCom retried a callback),
    one query finds which: ``id`` is ``AUTOINCREMENT``, so the rows this statement
    stored carry the highest ids among the batch's keys — a row with one of those keys
    that existed before has a lower id, and none can be added after without conflicting.
    """
    distinct: dict[Key, NewInboxRow] = {}
    for row in rows:
        distinct.setdefault((row.scope, row.dedup_key), row)
    values: list[Any] = []
    for row in distinct.values():
        values.extend(row)
        values.append(row.received_at)  # next_attempt_at: due at once
    changed, _ = await conn.execute_query(_sqlite_insert(len(distinct)), values)
    if changed == len(distinct):
        return set(distinct)
    if changed == 0:
        return set()
    scopes = sorted({scope for scope, _ in distinct})
    keys = sorted({key for _, key in distinct})
    # IN on both columns of the unique index: one index lookup per pair, no scan.
    scope_marks = ", ".join(placeholders(len(scopes), conn=conn))
    key_marks = ", ".join(placeholders(len(keys), conn=conn))
    sql = (
        f"SELECT scope, dedup_key, id FROM inbox WHERE scope IN ({scope_marks}) "
        f"AND dedup_key IN ({key_marks})"
    )
    _, found = await conn.execute_query(sql, [*scopes, *keys])
    ours = [row for row in found if (row["scope"], row["dedup_key"]) in distinct]
    ours.sort(key=lambda row: int(row["id"]), reverse=True)
    return {(row["scope"], row["dedup_key"]) for row in ours[:changed]}


async def claim(limit: int, lease_seconds: float, now: float) -> list[ClaimedRow]:
    """Claim up to ``limit`` due rows (pending, or processing with an expired lease)."""
    conn = db()
    token = secrets.token_hex(8)
    pg = dialect(conn) == "postgres"
    p = placeholders(5, conn=conn)
    lock = " FOR UPDATE SKIP LOCKED" if pg else ""
    sql = (
        f"UPDATE inbox SET status = 'processing', attempts = attempts + 1, "
        f"lease_until = {p[0]}, claim_token = {p[1]} "
        f"WHERE id IN (SELECT id FROM inbox WHERE "
        f"(status = 'pending' AND next_attempt_at <= {p[2]}) OR "
        f"(status = 'processing' AND lease_until < {p[3]}) "
        f"ORDER BY id LIMIT {p[4]}{lock}) "
        "RETURNING id, scope, source, corp_id, name, change_type, payload, attempts, "
        "received_at, claim_token"
    )
    rows = await conn.execute_query_dict(sql, [now + lease_seconds, token, now, now, limit])
    claimed = [
        ClaimedRow(
            id=int(r["id"]),
            scope=r["scope"],
            source=r["source"],
            corp_id=r["corp_id"],
            name=r["name"],
            change_type=r["change_type"],
            payload=r["payload"],
            attempts=int(r["attempts"]),
            received_at=float(r["received_at"]),
            claim_token=r["claim_token"],
        )
        for r in rows
    ]
    claimed.sort(key=lambda row: row.id)
    return claimed


async def finish(row: ClaimedRow, status: str, now: float, error: str = "") -> bool:
    """Record a final outcome; False if our lease was lost (another worker owns it)."""
    conn = db()
    p = placeholders(5, conn=conn)
    sql = (
        f"UPDATE inbox SET status = {p[0]}, applied_at = {p[1]}, last_error = {p[2]}, "
        f"claim_token = '' WHERE id = {p[3]} AND claim_token = {p[4]}"
    )
    count, _ = await conn.execute_query(sql, [status, now, error[:2000], row.id, row.claim_token])
    return count == 1


async def retry_later(row: ClaimedRow, next_attempt_at: float, error: str) -> bool:
    conn = db()
    p = placeholders(4, conn=conn)
    sql = (
        f"UPDATE inbox SET status = 'pending', next_attempt_at = {p[0]}, last_error = {p[1]}, "
        f"claim_token = '' WHERE id = {p[2]} AND claim_token = {p[3]}"
    )
    count, _ = await conn.execute_query(
        sql, [next_attempt_at, error[:2000], row.id, row.claim_token]
    )
    return count == 1


async def backlog() -> dict[str, int]:
    """Count of rows per status (for /metrics and the console)."""
    _, rows = await db().execute_query("SELECT status, COUNT(*) AS n FROM inbox GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


async def replay(ids: Sequence[int] = (), *, status: str | None = None, now: float) -> int:
    """Put rows back to pending so a worker applies them again (operator action)."""
    conn = db()
    if not ids and status is None:
        return 0
    params: list[Any] = [now]
    where: list[str] = []
    if ids:
        marks = placeholders(len(ids), 2, conn=conn)
        where.append(f"id IN ({', '.join(marks)})")
        params.extend(ids)
    if status is not None:
        (mark,) = placeholders(1, len(params) + 1, conn=conn)
        where.append(f"status = {mark}")
        params.append(status)
    (first,) = placeholders(1, conn=conn)
    sql = (
        f"UPDATE inbox SET status = 'pending', next_attempt_at = {first}, attempts = 0, "
        f"claim_token = '', lease_until = 0 WHERE {' AND '.join(where)}"
    )
    count, _ = await conn.execute_query(sql, params)
    return int(count)
