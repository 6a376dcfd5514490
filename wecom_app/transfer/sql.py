"""Small helpers for the few queries the ORM would make slow (10,000-item plans).

Bind markers, ``IN`` chunks and JSON-list columns come from the one dialect helper,
:mod:`wecom_app.store.sql`; what is here is particular to the transfer tables' sizes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from wecom_app.store.db import db, dialect
from wecom_app.store.sql import chunks, placeholders


def texts(values: Iterable[Any]) -> list[str]:
    """``values_list(..., flat=True)`` results as strings (the ORM types them loosely)."""
    return [str(v) for v in values]


def ints(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]


def json_object(value: Any) -> dict[str, Any]:
    """A JSON object column read by raw SQL (text, or already decoded)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


async def rows(sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await db().execute_query_dict(sql, list(values))
    return result


async def fetch_in(
    sql: str, params: Sequence[Any], column: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Rows of ``sql`` (``SELECT ... WHERE <conditions on params>``) whose ``column`` is
    one of ``values``: one ``= ANY($n)`` on PostgreSQL, ``IN`` chunks on SQLite.

    PostgreSQL plans ``IN ($1, ..., $500)`` lists badly on tables without statistics
    (a fresh import); an array parameter keeps it one cheap index scan."""
    if not values:
        return []
    if dialect() == "postgres":
        mark = f"${len(params) + 1}"
        return await rows(f"{sql} AND {column} = ANY({mark})", [*params, list(values)])
    found: list[dict[str, Any]] = []
    for chunk in chunks(values):
        marks = ", ".join("?" * len(chunk))
        found.extend(await rows(f"{sql} AND {column} IN ({marks})", [*params, *chunk]))
    return found


async def insert_rows(table: str, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """Insert many rows: ``COPY`` on PostgreSQL, one prepared ``INSERT`` run for every
    row (``executemany``) on SQLite — an order of magnitude cheaper than building ORM
    objects for 10,000 rows. Values must have the column's Python type (bool, float,
    int, str)."""
    if not values:
        return
    client = db()
    if dialect(client) == "postgres":
        # COPY: PostgreSQL's bulk path (the transaction's connection inside one).
        async with client.acquire_connection() as connection:
            await connection.copy_records_to_table(
                table, records=[tuple(row) for row in values], columns=list(columns)
            )
        return
    marks = ", ".join(placeholders(len(columns)))
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    for chunk in chunks(values, 2000):
        await db().execute_many(sql, [list(row) for row in chunk])
