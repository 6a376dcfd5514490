"""Searching: a request becomes an index plan, the plan a page of hits, the hits views.

The viewer's tenant bounds the index key range and their scope becomes one more filter
group (the employees they may see), so a scoped viewer's page is still one index query.
The total is counted up to :data:`COUNT_CAP` (then shown as "1,000+").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from wecom_app.search.access import Viewer, visible_employees
from wecom_app.search.backend import backend_for
from wecom_app.search.guard import Guard
from wecom_app.search.highlight import snippet
from wecom_app.search.index import Hit, Plan
from wecom_app.search.keys import time_range
from wecom_app.search.messages import MessageView, attach_media, load_hits, names_for
from wecom_app.search.request import Cursor, Filters, SearchRequest
from wecom_app.store.db import db
from wecom_app.text.terms import filter_term

COUNT_CAP: Final = 1000


@dataclass
class SearchPage:
    request: SearchRequest
    hits: list[MessageView]
    next_cursor: str | None
    took_ms: float
    names: dict[str, str] = field(default_factory=dict)
    # how many messages match in all, counted up to COUNT_CAP (then "COUNT_CAP or more")
    total: int = 0

    @property
    def total_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.total >= COUNT_CAP else f"{self.total:,}"

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.request.params(),
            "hits": [h.as_json() for h in self.hits],
            "next_cursor": self.next_cursor,
            "total": self.total,
            "total_capped": self.total >= COUNT_CAP,
            "took_ms": round(self.took_ms, 2),
            "names": self.names,
        }


def filter_groups(filters: Filters) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    for kind, values in (
        ("e", filters.employees),
        ("x", filters.customers),
        ("r", filters.rooms),
        ("t", filters.msgtypes),
        ("d", filters.directions),
    ):
        if values:
            groups.append(tuple(filter_term(kind, v) for v in values))
    return groups


async def index_plan(viewer: Viewer, request: SearchRequest) -> Plan | None:
    """The index page for this request in the viewer's tenant and scope; None when the
    scope holds nobody (nothing to find)."""
    groups = filter_groups(request.filters)
    allowed = await visible_employees(viewer)
    if allowed is not None:
        if not allowed:
            return None
        groups.append(tuple(filter_term("e", e) for e in sorted(allowed)))
    low, high = time_range(viewer.corp_pk, request.filters.since, request.filters.until)
    return Plan(
        match=request.match,
        filter_groups=tuple(groups),
        low=low,
        high=high,
        sort=request.sort,
        after=request.cursor,
        limit=request.limit,
    )


async def page(
    viewer: Viewer, request: SearchRequest, *, highlight: bool = True
) -> tuple[list[MessageView], Cursor | None]:
    """One page of hits as views, unaudited (the caller audits what it shows)."""
    plan = await index_plan(viewer, request)
    if plan is None:
        return [], None
    conn = db()
    hits = await backend_for(conn).search(conn, plan)
    return await _views(viewer, request, plan, hits, highlight)


async def _views(
    viewer: Viewer,
    request: SearchRequest,
    plan: Plan,
    hits: Sequence[Hit],
    highlight: bool,
) -> tuple[list[MessageView], Cursor | None]:
    messages = await load_hits(viewer.corp_pk, [h.doc_id for h in hits])
    views: list[MessageView] = []
    phrases = request.match.phrases()
    for hit in hits:
        view = messages.get(hit.doc_id)
        if view is None or view.corp_pk != viewer.corp_pk:
            continue  # purged between the index and the read
        if highlight:
            view.html = snippet(view.text, phrases)
        views.append(view)
    next_cursor = None
    if len(hits) == plan.limit and hits:
        last = hits[-1]
        next_cursor = Cursor(last.doc_id, last.score)
    return views, next_cursor


async def search(guard: Guard, viewer: Viewer, request: SearchRequest) -> SearchPage:
    """A page of hits with highlights, media, names and the capped total; audited."""
    await guard.require(viewer, "search", {"q": request.text})
    started = time.perf_counter()
    total = 0
    plan = await index_plan(viewer, request)
    if plan is None:
        views: list[MessageView] = []
        next_cursor: Cursor | None = None
    else:
        conn = db()
        backend = backend_for(conn)
        hits = await backend.search(conn, plan)
        views, next_cursor = await _views(viewer, request, plan, hits, True)
        total = await backend.count(conn, plan, COUNT_CAP)
    took = (time.perf_counter() - started) * 1000
    await attach_media(viewer.corp_pk, views)
    await guard.audit(
        viewer,
        "search",
        {
            **request.params(),
            "results": len(views),
            "total": total,
            "message_ids": [v.id for v in views],
        },
    )
    return SearchPage(
        request,
        views,
        next_cursor.encode() if next_cursor is not None else None,
        took,
        await names_for(viewer.corp_pk, views),
        total,
    )
