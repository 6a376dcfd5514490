"""The group chat view the sidebar shows inside a customer group chat."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import groups
from sidebar.http import forbidden, json_ok
from sidebar.reads import audit_read
from sidebar.session import Session
from sidebar.site import Site, sidebar_of


async def group_view(request: Request, session: Session) -> Response:
    service = sidebar_of(request).service
    chat_id = str(request.path_params["chat_id"])
    grant = await service.group_grant(session.corp_pk, session.corp_id, session.userid, chat_id)
    if grant is None:
        return forbidden()
    await service.warm_up()
    view = await groups.build(session.corp_pk, grant, chat_id, now=service.now())
    await audit_read(request, session, "sidebar_group", {"chat_id": chat_id})
    return json_ok(view)


def routes(site: Site) -> list[BaseRoute]:
    return [site.api("/sidebar/api/groups/{chat_id}", group_view)]
