"""The index backend of a connection: SQLite FTS5 or PostgreSQL (tsvector + GIN).

The interface both implement lives in :mod:`wecom_app.search.index`, which imports
neither engine; this module is the one place that knows both, so the engines never
import the module that chooses between them.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.index import Backend
from wecom_app.search.postgres import PostgresBackend
from wecom_app.search.sqlite import SqliteBackend
from wecom_app.store.db import dialect


def backend_for(conn: BaseDBAsyncClient) -> Backend:
    return PostgresBackend() if dialect(conn) == "postgres" else SqliteBackend()


__all__ = ["backend_for"]
