"""SQLite FTS5 backend (the embedded default).

``search_fts`` is a contentless FTS5 table (``tokenize='ascii'``: terms are split at
ASCII spaces, everything else was decided by :mod:`wecom_app.text.terms`). It has no
prefix index: one would double the indexing time and add half to the index, for the
rare search of a single character (``钱``: all bigrams starting with it), which costs
about 6 ms on 200k messages without it (measured). Its ``rowid`` is the tenant/time
key, so a page is::

    SELECT rowid FROM search_fts
    WHERE search_fts MATCH :expr AND rowid BETWEEN :low AND :high
    ORDER BY rowid DESC LIMIT :n

which FTS5 answers by walking its doclists backwards from ``:high`` and stopping after
``:n`` hits: the tenant filter, the time range, the order and the page are all the
index's own work. Triggers on ``search_docs`` maintain ``search_fts``; documents are
inserted many rows to a statement (see :meth:`SqliteBackend.insert`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.index import Hit, IndexDoc, Plan, effective_range
from wecom_app.search.query import AllOf, AnyOf, Expr, MatchQuery, Phrase
from wecom_app.store.sql import rows_of

_PAGE = (
    "SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? "
    "ORDER BY rowid DESC LIMIT ?"
)
# bm25 with the filter column weighted 0: filters decide membership, not relevance
_RANKED = (
    "SELECT rowid, rank FROM search_fts "
    "WHERE search_fts MATCH ? AND rank MATCH 'bm25(1.0, 0.0)' AND rowid BETWEEN ? AND ? "
    "AND (? IS NULL OR rank > ? OR (rank = ? AND rowid < ?)) "
    "ORDER BY rank, rowid DESC LIMIT ?"
)
_INSERT_ROWS = 5000  # 5 parameters a row, under SQLite's 32,766 per statement
_COUNT = (
    "SELECT count(*) FROM (SELECT rowid FROM search_fts "
    "WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?)"
)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5_expr(expr: Expr) -> str:
    if isinstance(expr, Phrase):
        text = '"' + " ".join(t.replace('"', '""') for t in expr.terms) + '"'
        return text + " *" if expr.prefix else text
    joiner = " AND " if isinstance(expr, AllOf) else " OR "
    assert isinstance(expr, AllOf | AnyOf)
    return "(" + joiner.join(fts5_expr(item) for item in expr.items) + ")"


def fts5_query(match: MatchQuery, filter_groups: Sequence[Sequence[str]] = ()) -> str:
    """The FTS5 MATCH expression of a query plus filter terms (built from terms only)."""
    parts = [fts5_expr(e) for e in match.must]
    parts += ["(" + " OR ".join(_quote(t) for t in group) + ")" for group in filter_groups]
    text = "(" + " AND ".join(parts) + ")"
    for expr in match.must_not:
        text += " NOT (" + fts5_expr(expr) + ")"
    return text


class SqliteBackend:
    name = "sqlite-fts5"

    async def insert(self, conn: BaseDBAsyncClient, docs: Sequence[IndexDoc]) -> None:
        # One multi-row statement per _INSERT_ROWS documents, not executemany: FTS5
        # flushes its pending terms to a new segment at every statement savepoint, and
        # the trigger that feeds search_fts makes each executemany row a statement of
        # its own (measured: 25 µs a document row by row, 8 µs in one statement).
        for start in range(0, len(docs), _INSERT_ROWS):
            chunk = docs[start : start + _INSERT_ROWS]
            values: list[object] = []
            for d in chunk:
                values += (d.doc_id, d.corp_pk, d.message_id, d.terms, d.filters)
            await conn.execute_query(
                "INSERT INTO search_docs (doc_id, corp_id, message_id, w, f, tsv) VALUES "
                + ", ".join("(?, ?, ?, ?, ?, '')" for _ in chunk),
                values,
            )

    async def taken(self, conn: BaseDBAsyncClient, keys: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            result = await conn.execute_query(
                f"SELECT doc_id FROM search_docs WHERE doc_id IN ({marks})", chunk
            )
            found.update(int(r[0]) for r in rows_of(result))
        return found

    async def indexed(self, conn: BaseDBAsyncClient, message_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(message_ids), 500):
            chunk = list(message_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            result = await conn.execute_query(
                f"SELECT message_id FROM search_docs WHERE message_id IN ({marks})", chunk
            )
            found.update(int(r[0]) for r in rows_of(result))
        return found

    async def search(self, conn: BaseDBAsyncClient, plan: Plan) -> list[Hit]:
        low, high = effective_range(plan)
        if low > high:
            return []
        expr = fts5_query(plan.match, plan.filter_groups)
        if plan.sort == "time":
            result = await conn.execute_query(_PAGE, [expr, low, high, plan.limit])
            return [Hit(int(r[0])) for r in rows_of(result)]
        after = plan.after
        score = after.score if after is not None else None
        last = after.doc_id if after is not None else 0
        result = await conn.execute_query(
            _RANKED, [expr, low, high, score, score, score, last, plan.limit]
        )
        return [Hit(int(r[0]), float(r[1])) for r in rows_of(result)]

    async def count(self, conn: BaseDBAsyncClient, plan: Plan, cap: int) -> int:
        low, high = plan.low, plan.high
        expr = fts5_query(plan.match, plan.filter_groups)
        result = await conn.execute_query(_COUNT, [expr, low, high, cap])
        return int(rows_of(result)[0][0])
