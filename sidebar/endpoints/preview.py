"""``/sidebar/preview``: the sidebar in any browser, with a page that plays the WeCom client.

The preview picks an employee and a customer or group chat, signs in as that employee
through the (simulated) OAuth sign-in, and frames the real sidebar page, handing it a
``wx`` object shaped like the one WeCom's client provides (``config``, ``ready``,
``error``, ``agentConfig``, ``invoke('getContext' | 'getCurExternalContact' |
'getCurExternalChat' | 'sendChatMessage')``). Its ``config``/``agentConfig`` ask the
simulator whether WeCom would accept our signatures, and fail like the client when
not. Messages "sent" are listed beside the frame.

Available only when WeCom is the built-in simulator (``WECOM_APP_SIDEBAR_PREVIEW=auto``,
the default) or when ``WECOM_APP_SIDEBAR_PREVIEW=on``. Its directory (who it can
play) is listed to anyone only with the explicit ``on`` (the demo sets it); with
``auto`` only to a signed-in admin, and only their own tenant. Never turn it on in
production.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute
from tortoise.functions import Count

from sidebar.http import error, json_ok, no_store
from sidebar.site import LIVE_CORP, Site, sidebar_of
from wecom_app import roles
from wecom_app.store.directory import Customer, FollowRelation, GroupChat, GroupChatMember
from wecom_app.store.models import Corp, Employee
from wecom_app.wecom.errors import WeComError

LISTED = 200


async def _closed(request: Request) -> Response | None:
    """404 unless the preview is on (it lists the directory to anyone)."""
    if await sidebar_of(request).service.preview_enabled():
        return None
    return PlainTextResponse("not found", status_code=404)


async def preview_page(request: Request) -> Response:
    closed = await _closed(request)
    if closed is not None:
        return closed
    site = sidebar_of(request)
    # The framed sidebar signs in through WeCom's (the simulator's) sign-in page.
    sign_in = urlsplit(site.service.config.authorize_url)
    return site.render("preview.html", {}, frame_src=f"{sign_in.scheme}://{sign_in.netloc}")


async def directory(request: Request) -> Response:
    """Who the preview can play: the tenants, one tenant's employees, and one
    employee's customers and group chats."""
    closed = await _closed(request)
    if closed is not None:
        return closed
    corps = await _listed_corps(request)
    if corps is None:
        return no_store(error("not_signed_in", "sign in as an admin of the tenant", 401))
    wanted = request.query_params.get("corp") or (corps[0].corp_id if corps else "")
    corp = next((c for c in corps if c.corp_id == wanted), None)
    result: dict[str, Any] = {
        "corps": [{"corp_id": c.corp_id, "name": c.name or c.corp_id} for c in corps],
        "corp_id": corp.corp_id if corp else "",
        "employees": [],
    }
    if corp is None:
        return no_store(json_ok(result))
    employees = await Employee.filter(corp_id=corp.id, status="active").order_by("userid")
    default = await _busiest(corp.id) or (employees[0].userid if employees else "")
    userid = request.query_params.get("userid") or default
    result["employees"] = [{"userid": e.userid, "name": e.name or e.userid} for e in employees]
    result["userid"] = userid
    result["customers"] = await _customers_of(corp.id, userid)
    result["groups"] = await _groups_of(corp.id, userid)
    return no_store(json_ok(result))


async def _listed_corps(request: Request) -> list[Corp] | None:
    """The tenants the directory may show this visitor: every one with the explicit
    ``on``, else only a signed-in admin's own (None: nobody's)."""
    site = sidebar_of(request)
    live = Corp.filter(status__in=LIVE_CORP).order_by("id")
    if site.service.config.preview == "on":
        return list(await live)
    session = await site.session(request)
    if session is None:
        return None
    corp = await live.filter(id=session.corp_pk).first()
    if corp is None:
        return None
    if "admin" not in await roles.effective_roles(site.services.settings, corp, session.userid):
        return None
    return [corp]


async def _busiest(corp_pk: int) -> str:
    """The employee with the most customers: the preview's first pick."""
    busiest = (
        await FollowRelation.filter(corp_id=corp_pk, status="active")
        .group_by("userid")
        .annotate(n=Count("id"))
        .order_by("-n", "userid")
        .first()
        .values_list("userid", flat=True)
    )
    return str(busiest) if busiest else ""


async def _customers_of(corp_pk: int, userid: str) -> list[dict[str, str]]:
    relations = (
        await FollowRelation.filter(corp_id=corp_pk, userid=userid, status="active")
        .order_by("-added_at")
        .limit(LISTED)
    )
    names = {
        c.external_userid: c.name
        for c in await Customer.filter(
            corp_id=corp_pk, external_userid__in=[r.external_userid for r in relations]
        ).only("external_userid", "name")
    }
    return [
        {"external_userid": r.external_userid, "name": names.get(r.external_userid, "")}
        for r in relations
    ]


async def _groups_of(corp_pk: int, userid: str) -> list[dict[str, str]]:
    chat_ids = [
        m.chat_id
        for m in await GroupChatMember.filter(corp_id=corp_pk, userid=userid, type=1).limit(LISTED)
    ]
    chats = await GroupChat.filter(corp_id=corp_pk, chat_id__in=chat_ids, dismissed=False)
    owned = await GroupChat.filter(corp_id=corp_pk, owner=userid, dismissed=False).limit(LISTED)
    seen: dict[str, GroupChat] = {c.chat_id: c for c in [*chats, *owned]}
    return [{"chat_id": c.chat_id, "name": c.name or c.chat_id} for c in seen.values()]


async def verify(request: Request) -> Response:
    """Would WeCom's client accept this ``wx.config``/``wx.agentConfig``?"""
    closed = await _closed(request)
    if closed is not None:
        return closed
    service = sidebar_of(request).service
    if not await service.runs_against_simulator():
        return no_store(json_ok({"result": 0, "checked": False}))
    params = {
        key: request.query_params.get(key, "")
        for key in ("kind", "corpid", "agentid", "url", "noncestr", "timestamp", "signature")
    }
    try:
        data = await service.services.wecom.client.get(
            "/cgi-bin/sim/jsapi/verify", params, scope="simulator"
        )
    except WeComError as exc:
        return no_store(json_ok({"result": exc.errcode, "checked": True}))
    return no_store(json_ok({"result": int(data.get("result", -1)), "checked": True}))


def routes(site: Site) -> list[BaseRoute]:
    return [
        site.page("/sidebar/preview", preview_page),
        site.page("/sidebar/preview/api/directory", directory),
        site.page("/sidebar/preview/api/verify", verify),
    ]
