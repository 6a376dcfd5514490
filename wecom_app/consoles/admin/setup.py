"""The WeCom set-up page: the URLs an admin enters in WeCom's admin pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin.state import ADMIN, setup_urls, tenant_view
from wecom_app.consoles.web import Principal


async def setup_page(request: Request, who: Principal) -> Response:
    services = web.services_of(request)
    return web.render(
        request,
        "setup.html",
        {"urls": setup_urls(services, who.corp), "tenant": tenant_view(services, who.corp)},
    )


def routes(site: web.Web) -> list[BaseRoute]:
    return [site.page("/console/setup", setup_page, roles=ADMIN)]
