"""The index interface: what a backend stores (:class:`IndexDoc`), the page it answers
(:class:`Plan` → :class:`Hit`) and the :class:`Backend` protocol both engines implement,
SQLite FTS5 (:mod:`wecom_app.search.sqlite`) and PostgreSQL tsvector + GIN
(:mod:`wecom_app.search.postgres`); :func:`wecom_app.search.backend.backend_for` picks
one for a connection. This module imports neither engine, so they can import it.

Both index the same terms (:mod:`wecom_app.text.terms`) under the same key
(:mod:`wecom_app.search.keys`) and answer the same :class:`Plan`, so one test suite runs
every query case against both. The hot path is raw SQL on the current connection (the
transaction's, inside ``in_transaction()``): no ORM objects are built for index rows.

A backend compiles a :class:`~wecom_app.search.query.MatchQuery` itself, from terms
only: every term is quoted (FTS5 ``"…"``, tsquery ``'…'``) and terms never contain
quotes or operators anyway, so user input is never query syntax. The compiled query is
passed as a bound parameter, never spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.query import MatchQuery
from wecom_app.search.request import Cursor, Sort


@dataclass(frozen=True)
class IndexDoc:
    doc_id: int
    corp_pk: int
    message_id: int
    # Space-separated, as the decoder processes hand them over (a term never holds a
    # space): text terms in position order; filter terms (employee, customer, room,
    # type, direction). SQLite's FTS5 takes them as they are.
    terms: str
    filters: str


@dataclass(frozen=True)
class Plan:
    """One page of one tenant's search, as the index sees it."""

    match: MatchQuery
    # AND of OR-groups of filter terms (employee in (a, b) AND type in (text))
    filter_groups: tuple[tuple[str, ...], ...]
    low: int  # doc_id range, inclusive: the tenant and the time range
    high: int
    sort: Sort = "time"
    after: Cursor | None = None
    limit: int = 50


@dataclass(frozen=True)
class Hit:
    """A document key, as an index engine returns it (``search_docs`` maps it to the
    message; the service reads both in one query with the rows it shows)."""

    doc_id: int
    # relevance order only: lower is better on every backend (the cursor relies on it)
    score: float | None = None


class Backend(Protocol):
    name: str

    async def insert(self, conn: BaseDBAsyncClient, docs: Sequence[IndexDoc]) -> None: ...

    async def taken(self, conn: BaseDBAsyncClient, keys: Sequence[int]) -> set[int]: ...

    async def indexed(self, conn: BaseDBAsyncClient, message_ids: Sequence[int]) -> set[int]: ...

    async def search(self, conn: BaseDBAsyncClient, plan: Plan) -> list[Hit]: ...

    async def count(self, conn: BaseDBAsyncClient, plan: Plan, cap: int) -> int: ...


def effective_range(plan: Plan) -> tuple[int, int]:
    """The key range left for this page: time order continues below the cursor."""
    high = plan.high
    if plan.sort == "time" and plan.after is not None:
        high = min(high, plan.after.doc_id - 1)
    return plan.low, high
