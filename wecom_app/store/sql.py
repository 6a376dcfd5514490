"""Raw-SQL helpers shared by every module that writes SQL of its own.

Both dialects take the same statements apart from bind markers: SQLite wants ``?``,
PostgreSQL (asyncpg) wants ``$1, $2, …``. These helpers are the one place that knows it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.store.db import dialect

T = TypeVar("T")

CHUNK = 500
"""Values per ``IN (...)`` list: well below both engines' bound-parameter limits."""


def marker(conn: BaseDBAsyncClient | None = None) -> Callable[[int], str]:
    """``mark(i)``: the i-th (1-based) bind marker of this connection's dialect."""
    if dialect(conn) == "postgres":
        return lambda i: f"${i}"
    return lambda i: "?"


def placeholders(count: int, start: int = 1, conn: BaseDBAsyncClient | None = None) -> list[str]:
    """``count`` bind markers numbered from ``start``: ``?`` on SQLite, ``$n`` on PostgreSQL."""
    mark = marker(conn)
    return [mark(i) for i in range(start, start + count)]


def in_list(start: int, count: int, conn: BaseDBAsyncClient | None = None) -> str:
    """``(...)`` of ``count`` markers from parameter ``start`` on, for ``IN``."""
    return "(" + ", ".join(placeholders(count, start, conn)) + ")"


def rows_of(result: Any) -> list[Any]:
    """Rows of ``execute_query`` (``(count, rows)`` on every Tortoise backend)."""
    return list(result[1])


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def json_list(value: Any) -> list[str]:
    """A JSON column read by raw SQL: text on SQLite, text or a list on PostgreSQL."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [str(v) for v in value]
