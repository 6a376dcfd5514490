"""Saved searches: a member's named searches, kept as the request parameters.

Only parameters that would run are kept (they are parsed on save), at most
:data:`MAX_SAVED` a member; saving under an existing name replaces its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard
from wecom_app.search.query import QueryError
from wecom_app.search.request import parse_request
from wecom_app.store.search import SavedSearch

MAX_SAVED: Final = 100


async def saved_searches(guard: Guard, viewer: Viewer) -> list[SavedSearch]:
    await guard.require(viewer, "saved_searches", {})
    return await SavedSearch.filter(corp_id=viewer.corp_pk, owner=viewer.actor).order_by("name")


async def save_search(
    guard: Guard, viewer: Viewer, name: str, params: Mapping[str, str]
) -> SavedSearch:
    await guard.require(viewer, "save_search", {"name": name})
    name = name.strip()
    if not name or len(name) > 100:
        raise QueryError("A saved search needs a name (at most 100 characters).")
    keep = {
        k: str(params[k]).strip()
        for k in (
            "q",
            "employee",
            "customer",
            "room",
            "msgtype",
            "direction",
            "since",
            "until",
            "sort",
        )
        if str(params.get(k, "")).strip()
    }
    parse_request(keep)  # refuse what would not run
    count = await SavedSearch.filter(corp_id=viewer.corp_pk, owner=viewer.actor).count()
    existing = await SavedSearch.filter(
        corp_id=viewer.corp_pk, owner=viewer.actor, name=name
    ).first()
    if existing is not None:
        existing.params = keep
        await existing.save(update_fields=["params"])
        return existing
    if count >= MAX_SAVED:
        raise QueryError(f"At most {MAX_SAVED} saved searches.")
    return await SavedSearch.create(
        corp_id=viewer.corp_pk, owner=viewer.actor, name=name, params=keep
    )


async def delete_saved(guard: Guard, viewer: Viewer, saved_id: int) -> bool:
    await guard.require(viewer, "delete_saved_search", {"id": saved_id})
    deleted = await SavedSearch.filter(
        id=saved_id, corp_id=viewer.corp_pk, owner=viewer.actor
    ).delete()
    return bool(deleted)
