"""How the directory's rows reach their tables: multi-row upserts, values cut to fit.

One ``INSERT ... ON CONFLICT`` statement per page of rows.

Tortoise's ``bulk_create(on_conflict=...)`` builds a model object per row and sends one
statement per row (``executemany``); a sync writes hundreds of thousands of rows, so
the directory writes go through this instead: plain dicts in, values converted by the
models' own fields (JSON encoding, datetimes), one statement per table and page, on
SQLite and PostgreSQL alike. Columns a row leaves out get the field's default, and
``auto_now``/``auto_now_add`` datetimes are set to now (``created_at`` is never
overwritten by the update).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.fields import DatetimeField
from tortoise.fields.base import Field
from tortoise.models import Model
from tortoise.queryset import QuerySet

from wecom_app.store.db import db
from wecom_app.store.sql import marker

# Both engines allow ~32k bound values a statement; stay well below.
MAX_VALUES = 30_000
MAX_ROWS = 500


def cut(value: str, length: int) -> str:
    """Fit a WeCom string into its column (PostgreSQL refuses longer values)."""
    return value if len(value) <= length else value[:length]


async def column(query: QuerySet[Any], name: str) -> list[Any]:
    """One column of a query's rows (Tortoise types ``flat`` value lists as tuples)."""
    values: list[Any] = list(await query.values_list(name, flat=True))
    return values


def _columns(model: type[Model]) -> list[tuple[str, str, Field[Any]]]:
    meta = model._meta
    columns = []
    for name, column in meta.fields_db_projection.items():
        field = meta.fields_map[name]
        if field.pk and getattr(field, "generated", False):
            continue
        columns.append((name, column, field))
    return columns


def _value(
    model: type[Model], name: str, field: Field[Any], row: Mapping[str, Any], now: datetime
) -> Any:
    if name in row:
        value = row[name]
    elif isinstance(field, DatetimeField) and (field.auto_now or field.auto_now_add):
        value = now
    elif field.default is not None:
        value = field.default() if callable(field.default) else field.default
    elif field.null:
        value = None
    else:
        raise ValueError(f"{model.__name__}.{name} needs a value")
    return field.to_db_value(value, model)


async def upsert(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows``; on a conflict of ``conflict`` update ``update`` (nothing if empty).

    Rows are field names → Python values (``corp_id`` for the corp). Two rows with
    the same conflict key in one call are not allowed (PostgreSQL refuses them):
    callers deduplicate first.
    """
    if not rows:
        return
    columns = _columns(model)
    conn = db()
    mark = marker(conn)
    table = model._meta.db_table
    names = ", ".join(f'"{column}"' for _, column, _ in columns)
    target = ", ".join(f'"{c}"' for c in conflict)
    if update:
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in update)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    per_statement = max(1, min(MAX_ROWS, MAX_VALUES // len(columns)))
    now = datetime.now(UTC)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values: list[Any] = []
        groups = []
        for row in chunk:
            marks = []
            for name, _, field in columns:
                values.append(_value(model, name, field, row, now))
                marks.append(mark(len(values)))
            groups.append("(" + ", ".join(marks) + ")")
        sql = (
            f'INSERT INTO "{table}" ({names}) VALUES {", ".join(groups)} '
            f"ON CONFLICT ({target}) {action}"
        )
        await conn.execute_query(sql, values)
