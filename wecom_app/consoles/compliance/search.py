"""The search page: archive search, export, and saved searches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.compliance.common import (
    POST,
    PREFIX,
    SEARCH_FIELDS,
    api,
    form_text,
    guarded,
    page,
    params_of,
    service_of,
)
from wecom_app.search.access import Viewer
from wecom_app.search.query import QueryError
from wecom_app.search.request import parse_request
from wecom_app.search.service import NotFound


@guarded
async def search_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    service = service_of(request)
    params = params_of(request)
    await service.require(viewer, "search", {"q": params.get("q", "")})
    context: dict[str, Any] = {
        "params": {k: params.get(k, "") for k in SEARCH_FIELDS},
        "page": None,
        "error": "",
        "saved": await service.saved_searches(viewer),
        "query_string": "",
        "next_link": "",
    }
    if params.get("q", "").strip():
        try:
            query = parse_request(params)
        except QueryError as exc:
            context["error"] = str(exc)
            return web.render(request, "compliance/search.html", context, status_code=400)
        result = await service.search(viewer, query)
        keep = {k: params[k] for k in SEARCH_FIELDS if params.get(k)}
        context["page"] = result
        context["query_string"] = urlencode(keep)
        if result.next_cursor:
            context["next_link"] = f"{PREFIX}/?" + urlencode({**keep, "cursor": result.next_cursor})
    return web.render(request, "compliance/search.html", context)


@guarded
async def search_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    result = await service_of(request).search(viewer, parse_request(params_of(request)))
    return web.json_response(result.as_json())


@guarded
async def export(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    params = params_of(request)
    fmt = params.pop("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise QueryError("Export as csv or jsonl.")
    params.pop("limit", None)
    query = parse_request(params)
    stream: AsyncIterator[bytes] = await service_of(request).export(
        viewer, query, "csv" if fmt == "csv" else "jsonl"
    )
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    headers = {"Content-Disposition": f'attachment; filename="archive-search.{fmt}"'}
    return StreamingResponse(stream, media_type=media, headers=headers)


@guarded
async def save_search(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    form = await request.form()
    params = {k: form_text(form, k) for k in SEARCH_FIELDS}
    await service_of(request).save_search(viewer, form_text(form, "name"), params)
    return web.redirect(
        f"{PREFIX}/?" + urlencode({k: v for k, v in params.items() if v}), notice="search_saved"
    )


@guarded
async def delete_search(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    await service_of(request).delete_saved(viewer, int(request.path_params["saved_id"]))
    return web.redirect(f"{PREFIX}/", notice="search_deleted")


@guarded
async def saved_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    service = service_of(request)
    if request.method == "POST":
        body = await web.json_body(request)
        raw = body.get("params")
        params = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        saved = await service.save_search(viewer, str(body.get("name", "")), params)
        return web.json_response({"id": saved.id, "name": saved.name, "params": saved.params})
    rows = await service.saved_searches(viewer)
    return web.json_response(
        {"saved": [{"id": r.id, "name": r.name, "params": r.params} for r in rows]}
    )


@guarded
async def saved_delete_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    done = await service_of(request).delete_saved(viewer, int(request.path_params["saved_id"]))
    if not done:
        raise NotFound("saved search")
    return web.json_response({"deleted": True})


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        page(site, f"{PREFIX}/", search_page),
        page(site, f"{PREFIX}/export", export),
        page(site, f"{PREFIX}/saved", save_search, POST),
        page(site, f"{PREFIX}/saved/{{saved_id:int}}/delete", delete_search, POST),
        api(site, f"{PREFIX}/api/search", search_api),
        api(site, f"{PREFIX}/api/export", export),
        api(site, f"{PREFIX}/api/saved", saved_api, ("GET", "POST")),
        api(site, f"{PREFIX}/api/saved/{{saved_id:int}}", saved_delete_api, ("DELETE",)),
    ]
