"""One plan, looked at: live progress, the preview of submitting, its items with their
results (JSON, CSV and the plan page)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin.people import names_of
from wecom_app.consoles.transfers.shared import (
    ADMIN,
    PLAN_API,
    PLAN_PAGE,
    plan_of,
    transfer_service,
)
from wecom_app.transfer import rules
from wecom_app.transfer.report import csv_rows, list_items


async def plan_progress(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    return web.json_response(await transfer_service(request).progress(plan))


async def plan_preview(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    return web.json_response(await transfer_service(request).preview(plan))


async def plan_items(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    query = request.query_params
    try:
        offset = int(query.get("offset", "0"))
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise web.BadRequest("offset and limit are numbers") from None
    status = query.get("status", "")
    if status and status not in rules.STATUSES:
        raise web.BadRequest("unknown status")
    total, items = await list_items(
        plan,
        status=status,
        kind=query.get("kind", ""),
        successor=query.get("successor", ""),
        offset=offset,
        limit=limit,
    )
    return web.json_response({"total": total, "offset": offset, "items": items})


async def export(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    name = f"transfer-plan-{plan.id}.csv"
    return StreamingResponse(
        csv_rows(plan),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def plan_page(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    shown = await transfer_service(request).preview(plan)
    status = request.query_params.get("status", "")
    if status and status not in rules.STATUSES:
        status = ""
    total, items = await list_items(plan, status=status, limit=200)
    return web.render(
        request,
        "transfers/plan.html",
        {
            "shown": shown,
            "items": items,
            "total": total,
            "status": status,
            "statuses": rules.STATUSES,
            "when": rules.when,
            "open": plan.status in rules.OPEN_PLAN,
            "people": await names_of(who),
        },
    )


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.api(PLAN_API, plan_progress, roles=ADMIN),
        site.api(f"{PLAN_API}/preview", plan_preview, roles=ADMIN),
        site.api(f"{PLAN_API}/items", plan_items, roles=ADMIN),
        site.api(f"{PLAN_API}/export.csv", export, roles=ADMIN),
        site.page(PLAN_PAGE, plan_page, roles=ADMIN),
    ]
