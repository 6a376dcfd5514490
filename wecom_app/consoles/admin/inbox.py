"""The callback inbox page: event counts, failed events, and replaying them."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin import forms
from wecom_app.consoles.admin.state import ADMIN, REPLAYABLE, inbox_view
from wecom_app.consoles.web import Principal
from wecom_app.protocol.digits import parse_id
from wecom_app.store import inbox as inbox_table
from wecom_app.store.models import InboxEvent

log = logging.getLogger(__name__)


async def inbox_page(request: Request, who: Principal) -> Response:
    return web.render(request, "inbox.html", {"inbox": await inbox_view(who)})


async def inbox_api(request: Request, who: Principal) -> Response:
    return web.json_response(await inbox_view(who))


async def replay(request: Request, who: Principal, ids: list[int], every_failed: bool) -> int:
    """Queue this tenant's chosen (or every failed) event to be applied again."""
    services = web.services_of(request)
    query = who.scoped(InboxEvent)
    if every_failed:
        query = query.filter(status="failed")
    else:
        query = query.filter(id__in=ids, status__in=REPLAYABLE)
    # Only ids of this tenant reach replay(): an id of another tenant is dropped here.
    mine = [int(row["id"]) for row in await query.values("id")]
    replayed = 0
    for start in range(0, len(mine), 500):
        replayed += await inbox_table.replay(mine[start : start + 500], now=services.clock())
    if replayed:
        services.inbox_due()
        log.info("console: %s replayed %d inbox events of %s", who.userid, replayed, who.corp_id)
    return replayed


async def inbox_replay(request: Request, who: Principal) -> Response:
    form = await request.form()
    ids = [i for i in map(parse_id, forms.items(form, "ids")) if i is not None][:1000]
    every_failed = forms.text(form, "all_failed") in ("1", "on")
    replayed = await replay(request, who, ids, every_failed)
    return web.redirect("/console/inbox", notice="replayed" if replayed else "nothing_replayed")


async def inbox_replay_api(request: Request, who: Principal) -> Response:
    body = await web.json_body(request)
    raw_ids = body.get("ids", [])
    ids = [i for i in raw_ids if isinstance(i, int)][:1000] if isinstance(raw_ids, list) else []
    replayed = await replay(request, who, ids, body.get("all_failed") is True)
    return web.json_response({"replayed": replayed})


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/inbox", inbox_page, roles=ADMIN),
        site.page("/console/inbox/replay", inbox_replay, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/inbox", inbox_api, roles=ADMIN),
        site.api("/console/api/inbox/replay", inbox_replay_api, roles=ADMIN, methods=["POST"]),
    ]
