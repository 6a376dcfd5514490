"""The licences page: per member, the features WeCom blocks for lack of an interface
licence (接口调用许可, 701008), from :func:`wecom_app.licences.blocked_members`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app import licences
from wecom_app.consoles import web
from wecom_app.consoles.admin.state import ADMIN
from wecom_app.consoles.web import Principal
from wecom_app.store.models import Employee


async def licences_page(request: Request, who: Principal) -> Response:
    services = web.services_of(request)
    blocked = await licences.blocked_members(services.kv_store, who.corp_id, services.clock())
    userids = [b.userid for b in blocked]
    names = dict(
        await who.scoped(Employee).filter(userid__in=userids).values_list("userid", "name")
    )
    members = [
        {"userid": b.userid, "name": names.get(b.userid, ""), "blocked": b.explanations()}
        for b in blocked
    ]
    return web.render(request, "licences.html", {"members": members})


def routes(site: web.Web) -> list[BaseRoute]:
    return [site.page("/console/licences", licences_page, roles=ADMIN)]
