"""The index backend of a connection: SQLite FTS5 or PostgreSQL (tsvector + GIN).

The interface both implement lives in :mod:`wecom_app.search.index`, which imports
neither engine; this module is the one place that knows both, so the engines never
import the module that chooses between them.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.index import Backend, IndexDoc
from wecom_app.search.postgres import PostgresBackend
from wecom_app.search.sqlite import SqliteBackend
from wecom_app.store.db import dialect
from wecom_app.store.sql import rows_of


def backend_for(conn: BaseDBAsyncClient) -> Backend:
    return PostgresBackend() if dialect(conn) == "postgres" else SqliteBackend()


# IndexDoc and rows_of are named here only for wecom_app/search/ingest.py (the archive
# helper's file in issue 12), which imports them from this module. Once it imports
# IndexDoc from wecom_app.search.index and rows_of from wecom_app.store.sql, drop both.
__all__ = ["Backend", "IndexDoc", "backend_for", "rows_of"]
