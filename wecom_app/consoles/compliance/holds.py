"""The legal holds page: keeping a member's or a conversation's messages past retention."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.compliance.common import POST, PREFIX, form_text, guarded, page, service_of
from wecom_app.search.access import Viewer


@guarded
async def holds_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    holds = await service_of(request).holds(viewer)
    return web.render(request, "compliance/holds.html", {"holds": holds})


@guarded
async def add_hold(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    form = await request.form()
    await service_of(request).add_hold(
        viewer,
        form_text(form, "kind"),
        form_text(form, "subject"),
        form_text(form, "reason"),
    )
    return web.redirect(f"{PREFIX}/holds", notice="hold_added")


@guarded
async def release_hold(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    await service_of(request).release_hold(viewer, int(request.path_params["hold_id"]))
    return web.redirect(f"{PREFIX}/holds", notice="hold_released")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        page(site, f"{PREFIX}/holds", holds_page),
        page(site, f"{PREFIX}/holds", add_hold, POST),
        page(site, f"{PREFIX}/holds/{{hold_id:int}}/release", release_hold, POST),
    ]
