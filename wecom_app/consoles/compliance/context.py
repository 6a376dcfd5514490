"""The context and conversation pages: messages around a hit, a whole conversation,
and the media of archived messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.compliance.common import (
    PREFIX,
    api,
    guarded,
    int_or,
    page,
    params_of,
    service_of,
)
from wecom_app.search.access import Viewer
from wecom_app.search.query import QueryError, parse_query
from wecom_app.search.request import parse_time


def _match(request: Request) -> Any:
    """The query whose words the context view highlights (none if it does not parse)."""
    q = request.query_params.get("q", "").strip()
    if not q:
        return None
    try:
        return parse_query(q)
    except QueryError:
        return None


async def context_view(request: Request, viewer: Viewer) -> Any:
    message_id = int(request.path_params["message_id"])
    return await service_of(request).context(
        viewer,
        message_id,
        before=int_or(request.query_params.get("before", ""), 10),
        after=int_or(request.query_params.get("after", ""), 10),
        match=_match(request),
    )


@guarded
async def context_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    view = await context_view(request, viewer)
    return web.render(
        request,
        "compliance/context.html",
        {"view": view, "q": request.query_params.get("q", "")},
    )


@guarded
async def context_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    view = await context_view(request, viewer)
    return web.json_response(view.as_json())


async def conversation_view(request: Request, viewer: Viewer) -> Any:
    params = params_of(request)
    since = parse_time(params["since"]) if params.get("since") else None
    until = parse_time(params["until"], end=True) if params.get("until") else None
    return await service_of(request).conversation(
        viewer,
        params.get("conversation", ""),
        since=since,
        until=until,
        cursor=params.get("cursor", ""),
        limit=int_or(params.get("limit", ""), 200),
    )


@guarded
async def conversation_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    view = await conversation_view(request, viewer)
    params = params_of(request)
    next_link = ""
    if view.next_cursor:
        keep = {k: params[k] for k in ("conversation", "since", "until") if params.get(k)}
        next_link = f"{PREFIX}/conversation?" + urlencode({**keep, "cursor": view.next_cursor})
    return web.render(
        request,
        "compliance/conversation.html",
        {"view": view, "params": params, "next_link": next_link},
    )


@guarded
async def conversation_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    return web.json_response((await conversation_view(request, viewer)).as_json())


@guarded
async def media(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    media_id = int(request.path_params["media_id"])
    path, _ = await service_of(request).media_file(viewer, media_id)
    return FileResponse(path, filename=path.name)


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        page(site, f"{PREFIX}/context/{{message_id:bigint}}", context_page),
        page(site, f"{PREFIX}/conversation", conversation_page),
        page(site, f"{PREFIX}/media/{{media_id:bigint}}", media),
        api(site, f"{PREFIX}/api/context/{{message_id:bigint}}", context_api),
        api(site, f"{PREFIX}/api/conversation", conversation_api),
    ]
