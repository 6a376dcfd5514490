"""Raw SQL on the hot paths, written once with ``?`` placeholders for both dialects.

The profile's access check and insights are a handful of indexed lookups and
aggregates; raw SQL keeps them to one round trip each without building model objects.
PostgreSQL (asyncpg) wants ``$1, $2, …``: :func:`fetch` numbers the placeholders with
:func:`wecom_app.store.sql.marker` (the one place that knows each dialect's markers).
Our statements never contain a literal ``?``.

**SQLite reads on the event loop.** Tortoise runs SQLite on one connection in one
worker thread (aiosqlite): every statement is a hand-off to that thread and back, and
behind whatever transaction holds the connection. Under load the event loop keeps the
GIL busy and each hand-off waits for a GIL switch (milliseconds), so fifty concurrent
cache misses queued behind one another for hundreds of milliseconds while each read
itself takes tens of microseconds. Outside a transaction, :func:`fetch` therefore
reads through a connection of its own to the same file (``query_only``; WAL mode lets
it read the last committed state while a writer works), directly on the event loop.
A read may block the loop for at most :data:`INLINE_BUDGET_S`: a progress handler
interrupts a statement that runs longer, and a busy or interrupted read is sent
through Tortoise's thread instead, as is every read inside a transaction (it must see
the transaction's own writes) and every read of an in-memory database.
"""

from __future__ import annotations

import sqlite3
import time
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient

from wecom_app.store.db import db
from wecom_app.store.sql import marker

# The longest a read may hold the event loop before it is moved to the worker thread.
INLINE_BUDGET_S = 0.005
# SQLite virtual-machine steps between two looks at the clock.
_PROGRESS_STEPS = 5000


@lru_cache(maxsize=512)
def _split(sql: str) -> tuple[str, ...]:
    return tuple(sql.split("?"))


def in_dialect(sql: str, conn: BaseDBAsyncClient) -> str:
    """A statement written with ``?`` in ``conn``'s own bind markers (numbered on
    PostgreSQL), from the one dialect helper :func:`wecom_app.store.sql.marker`."""
    mark = marker(conn)
    if mark(1) == "?":
        return sql
    first, *rest = _split(sql)
    return first + "".join(mark(index) + part for index, part in enumerate(rest, start=1))


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


class InlineReader:
    """A read-only connection to the SQLite file, used from the event loop's thread."""

    def __init__(self, path: str, budget_s: float = INLINE_BUDGET_S) -> None:
        self.budget_s = budget_s
        self._deadline = 0.0
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        self._conn.execute("PRAGMA query_only = ON")
        self._conn.execute("PRAGMA busy_timeout = 0")  # never wait on the event loop
        self._conn.set_progress_handler(self._over_budget, _PROGRESS_STEPS)

    def _over_budget(self) -> bool:
        return time.perf_counter() > self._deadline

    def fetch(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows as dicts; raises :class:`sqlite3.Error` when busy or over budget."""
        names, rows = self.fetch_rows(sql, params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def fetch_rows(self, sql: str, params: Sequence[Any]) -> tuple[list[str], list[Any]]:
        """Column names and the rows as tuples (raises as :meth:`fetch`)."""
        self._deadline = time.perf_counter() + self.budget_s
        cursor = self._conn.execute(sql, params)
        try:
            return [column[0] for column in cursor.description or ()], cursor.fetchall()
        finally:
            cursor.close()

    def close(self) -> None:
        self._conn.close()


_readers: weakref.WeakKeyDictionary[BaseDBAsyncClient, InlineReader] = weakref.WeakKeyDictionary()
# Counters for tests and benchmarks: reads served inline, and reads sent to the thread.
stats = {"inline": 0, "fallback": 0}


def inline_reader(conn: BaseDBAsyncClient) -> InlineReader | None:
    """The inline reader for ``conn``, when reads on it may bypass its worker thread."""
    if not isinstance(conn, SqliteClient) or isinstance(conn, TransactionalDBClient):
        return None  # PostgreSQL, or inside a transaction
    reader = _readers.get(conn)
    if conn._connection is None:  # closed (or not yet opened): Tortoise decides
        if reader is not None:
            reader.close()
            del _readers[conn]
        return None
    if reader is None:
        path = conn.filename
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        reader = _readers[conn] = InlineReader(path)
    return reader


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows as dicts keyed by column name."""
    conn = db()
    reader = inline_reader(conn)
    if reader is not None:
        try:
            found = reader.fetch(sql, params)
        except sqlite3.Error:
            stats["fallback"] += 1
        else:
            stats["inline"] += 1
            return found
    return await _through_tortoise(conn, sql, params)


async def fetch_rows(sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
    """The rows as sequences in the statement's column order (no dict per row)."""
    conn = db()
    reader = inline_reader(conn)
    if reader is not None:
        try:
            _, found = reader.fetch_rows(sql, params)
        except sqlite3.Error:
            stats["fallback"] += 1
        else:
            stats["inline"] += 1
            return found
    return [tuple(row.values()) for row in await _through_tortoise(conn, sql, params)]


async def _through_tortoise(
    conn: BaseDBAsyncClient, sql: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await conn.execute_query_dict(in_dialect(sql, conn), list(params))
    return rows
