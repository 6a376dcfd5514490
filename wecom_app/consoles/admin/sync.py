"""The sync page: the latest directory sync's progress, and starting a full sync."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app import sync as directory_sync
from wecom_app.consoles import web
from wecom_app.consoles.admin.state import ACTIVE_SYNC, ADMIN, latest_sync, sync_view
from wecom_app.consoles.web import Principal
from wecom_app.wecom import WeComError
from wecom_app.wecom_access import NoAccess

log = logging.getLogger(__name__)


async def sync_page(request: Request, who: Principal) -> Response:
    return web.render(request, "sync.html", {"sync": sync_view(await latest_sync(who))})


async def sync_api(request: Request, who: Principal) -> Response:
    return web.json_response({"sync": sync_view(await latest_sync(who))})


async def sync_start(request: Request, who: Principal) -> Response:
    latest = await latest_sync(who)
    if latest is not None and latest.status in ACTIVE_SYNC:
        return web.redirect("/console/sync", notice="sync_busy")
    services = web.services_of(request)
    try:
        await directory_sync.start_full_sync(services, who.corp_id, reason=f"console:{who.userid}")
    except (WeComError, NoAccess) as exc:
        log.warning("console: sync of %s could not start: %s", who.corp_id, exc)
        raise web.Unavailable("The sync could not start; try again later.") from None
    log.info("console: %s started a full sync of %s", who.userid, who.corp_id)
    return web.redirect("/console/sync", notice="sync_started")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/sync", sync_page, roles=ADMIN),
        site.page("/console/sync", sync_start, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/sync", sync_api, roles=ADMIN),
    ]
