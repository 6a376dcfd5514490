"""Raw SQL on the hot paths, written once with ``?`` placeholders for both dialects.

The profile's access check and insights are a handful of indexed lookups and
aggregates; raw SQL keeps them to one round trip each without building model objects.
PostgreSQL (asyncpg) wants ``$1, $2, …``: :func:`fetch` numbers the placeholders.
Our statements never contain a literal ``?``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from wecom_app.store.db import db


@lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    parts = sql.split("?")
    out = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        out.append(f"${index}{part}")
    return "".join(out)


# Archived messages that are conversation: decrypted (not parked or failed), neither
# recall notices nor archive switch records. ``status`` is wrapped in an expression on
# purpose: the archive has an index on (corp_id, status) that matches every row of a
# corp, and planners without statistics (SQLite always; PostgreSQL before its first
# ANALYZE) would pick it over (corp_id, external_userid, msgtime) and read the whole
# corp's archive for one customer.
CONVERSATION = "(status || '') = 'ok' AND action NOT IN ('recall', 'switch')"


def marks(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` of ``count`` values (at least one)."""
    return ", ".join("?" * max(1, count))


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    conn = db()
    if conn.capabilities.dialect == "postgres":
        sql = _numbered(sql)
    rows: list[dict[str, Any]] = await conn.execute_query_dict(sql, list(params))
    return rows
