"""The tenant page: install status, and reconnecting a disconnected organisation."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin.state import ADMIN, setup_urls, tenant_view
from wecom_app.consoles.web import Principal
from wecom_app.install.errors import InstallError
from wecom_app.install.lifecycle import reconnect

log = logging.getLogger(__name__)


async def tenant_page(request: Request, who: Principal) -> Response:
    tenant = tenant_view(web.services_of(request), who.corp)
    return web.render(request, "tenant.html", {"tenant": tenant})


async def tenant_reconnect(request: Request, who: Principal) -> Response:
    services = web.services_of(request)
    try:
        await reconnect(services, who.corp_id)
    except InstallError as exc:
        return web.render(
            request,
            "tenant.html",
            {"tenant": tenant_view(services, who.corp), "error": str(exc)},
            status_code=400,
        )
    log.info("console: %s reconnected %s", who.userid, who.corp_id)
    return web.redirect("/console/tenant", notice="reconnected")


async def tenant_api(request: Request, who: Principal) -> Response:
    services = web.services_of(request)
    return web.json_response(
        {"tenant": tenant_view(services, who.corp), "urls": setup_urls(services, who.corp)}
    )


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/tenant", tenant_page, roles=ADMIN),
        site.page("/console/tenant/reconnect", tenant_reconnect, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/tenant", tenant_api, roles=ADMIN),
    ]
