"""Many rows in one statement: multi-row ``VALUES`` on SQLite, ``unnest`` on PostgreSQL.

The archive writes its batches with hand-written SQL because the ORM would cost ≈25 µs a
row in model objects alone, a tenth of the whole per-message budget; :func:`fast_instance`
gives the model objects of rows just written, without that cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from wecom_app.store.db import dialect

M = TypeVar("M", bound=Model)

SQLITE_MAX_PARAMS: Final = 30_000  # SQLite ≥ 3.32 allows 32,766 per statement


def db_time(conn: BaseDBAsyncClient, when: datetime) -> Any:
    """A timestamp as the driver takes it: SQLite stores Tortoise's datetimes as text,
    asyncpg wants datetime objects."""
    return when if dialect(conn) == "postgres" else str(when)


async def insert_rows(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    update: str = "",
    returning: str = "",
) -> list[dict[str, Any]]:
    """Insert many rows in as few statements as the dialect allows.

    ``update`` is the ``DO UPDATE SET …`` tail (else ``DO NOTHING``); ``returning`` the
    columns of *inserted* rows to return.
    """
    if not rows:
        return []
    names = ", ".join(f'"{c}"' for c, _ in columns)
    on_conflict = f"ON CONFLICT ({', '.join(conflict)}) " + (
        f"DO UPDATE SET {update}" if update else "DO NOTHING"
    )
    tail = f" RETURNING {returning}" if returning else ""
    out: list[dict[str, Any]] = []
    if dialect(conn) == "postgres":
        arrays = ", ".join(
            f"${i + 1}::{'text' if kind == 'jsonb' else kind}[]"
            for i, (_c, kind) in enumerate(columns)
        )
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        picks = ", ".join(
            f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, (_c, kind) in enumerate(columns)
        )
        sql = (
            f'INSERT INTO "{table}" ({names}) SELECT {picks} FROM unnest({arrays}) '
            f"AS t({aliases}) {on_conflict}{tail}"
        )
        values = [list(column) for column in zip(*rows, strict=True)]
        if returning:
            out.extend(await conn.execute_query_dict(sql, values))
        else:
            await conn.execute_query(sql, values)
        return out
    per_row = "(" + ", ".join("?" for _ in columns) + ")"
    step = max(1, SQLITE_MAX_PARAMS // len(columns))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        sql = (
            f'INSERT INTO "{table}" ({names}) VALUES '
            + ", ".join(per_row for _ in chunk)
            + f" {on_conflict}{tail}"
        )
        flat = [value for row in chunk for value in row]
        if returning:
            out.extend(await conn.execute_query_dict(sql, flat))
        else:
            await conn.execute_query(sql, flat)
    return out


def fast_instance(cls: type[M], values: dict[str, Any]) -> M:
    """A model object for a row we just wrote, without the ORM's per-field __init__.

    The same state Tortoise's own ``_init_from_db`` sets up for a loaded row (saved in
    the database, not partial), filled from values already in Python form.
    """
    obj = cls.__new__(cls)
    state = obj.__dict__
    state["_partial"] = False
    state["_saved_in_db"] = True
    state["_custom_generated_pk"] = False
    state["_await_when_save"] = {}
    state.update(values)
    return obj
