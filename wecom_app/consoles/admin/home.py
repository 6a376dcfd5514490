"""The console's overview page and who-am-I API."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin.state import (
    ANY_ROLE,
    archive_view,
    inbox_view,
    latest_sync,
    sync_view,
    tenant_view,
)
from wecom_app.consoles.web import Principal


async def home(request: Request, who: Principal) -> Response:
    context: dict[str, Any] = {"tenant": tenant_view(web.services_of(request), who.corp)}
    if who.has("admin"):
        context["sync"] = sync_view(await latest_sync(who))
        context["inbox"] = await inbox_view(who)
        context["archive"] = await archive_view(who)
    return web.render(request, "home.html", context)


async def me_api(request: Request, who: Principal) -> Response:
    return web.json_response(
        {
            "corp_id": who.corp_id,
            "corp_name": who.corp.name,
            "userid": who.userid,
            "name": who.name,
            "roles": sorted(who.roles),
        }
    )


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/", home, roles=ANY_ROLE),
        site.api("/console/api/me", me_api, roles=web.SIGNED_IN),
    ]
