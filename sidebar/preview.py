"""``/sidebar/preview``: the sidebar in any browser, with a page that plays the WeCom client.

The preview picks an employee and a customer or group chat, signs in as that employee
through the (simulated) OAuth sign-in, and frames the real sidebar page, handing it a
``wx`` object shaped like the one WeCom's client provides (``config``, ``ready``,
``error``, ``agentConfig``, ``invoke('getContext' | 'getCurExternalContact' |
'getCurExternalChat' | 'sendChatMessage')``). Its ``config``/``agentConfig`` ask the
simulator whether WeCom would accept our signatures, and fail like the client when
not. Messages "sent" are listed beside the frame.

Available only when WeCom is the built-in simulator (``WECOM_APP_SIDEBAR_PREVIEW=auto``,
the default) or when ``WECOM_APP_SIDEBAR_PREVIEW=on``. It lists the directory to
anyone who can reach it: never turn it on in production.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.functions import Count

from sidebar.http import json_ok, no_store
from wecom_app.store.directory import Customer, FollowRelation, GroupChat, GroupChatMember
from wecom_app.store.models import Corp, Employee
from wecom_app.wecom.errors import WeComError

if TYPE_CHECKING:
    from sidebar.routes import SidebarRoutes

LISTED = 200


def routes(owner: SidebarRoutes) -> list[BaseRoute]:
    service = owner.service

    async def gate() -> Response | None:
        if await service.preview_enabled():
            return None
        return PlainTextResponse("not found", status_code=404)

    async def page(request: Request) -> Response:
        closed = await gate()
        if closed is not None:
            return closed
        # The framed sidebar signs in through WeCom's (the simulator's) sign-in page.
        sign_in = urlsplit(service.config.authorize_url)
        return owner.render("preview.html", {}, frame_src=f"{sign_in.scheme}://{sign_in.netloc}")

    async def directory(request: Request) -> Response:
        closed = await gate()
        if closed is not None:
            return closed
        corps = await Corp.filter(status__in=("active", "disconnected")).order_by("id")
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
        busiest = (
            await FollowRelation.filter(corp_id=corp.id, status="active")
            .group_by("userid")
            .annotate(n=Count("id"))
            .order_by("-n", "userid")
            .first()
            .values_list("userid", flat=True)
        )
        default = str(busiest) if busiest else (employees[0].userid if employees else "")
        userid = request.query_params.get("userid") or default
        result["employees"] = [{"userid": e.userid, "name": e.name or e.userid} for e in employees]
        result["userid"] = userid
        relations = (
            await FollowRelation.filter(corp_id=corp.id, userid=userid, status="active")
            .order_by("-added_at")
            .limit(LISTED)
        )
        names = {
            c.external_userid: c.name
            for c in await Customer.filter(
                corp_id=corp.id, external_userid__in=[r.external_userid for r in relations]
            ).only("external_userid", "name")
        }
        result["customers"] = [
            {"external_userid": r.external_userid, "name": names.get(r.external_userid, "")}
            for r in relations
        ]
        chat_ids = [
            m.chat_id
            for m in await GroupChatMember.filter(corp_id=corp.id, userid=userid, type=1).limit(
                LISTED
            )
        ]
        chats = await GroupChat.filter(corp_id=corp.id, chat_id__in=chat_ids, dismissed=False)
        owned = await GroupChat.filter(corp_id=corp.id, owner=userid, dismissed=False).limit(LISTED)
        seen: dict[str, GroupChat] = {c.chat_id: c for c in [*chats, *owned]}
        result["groups"] = [
            {"chat_id": c.chat_id, "name": c.name or c.chat_id} for c in seen.values()
        ]
        return no_store(json_ok(result))

    async def verify(request: Request) -> Response:
        """Would WeCom's client accept this ``wx.config``/``wx.agentConfig``?"""
        closed = await gate()
        if closed is not None:
            return closed
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

    return [
        Route("/sidebar/preview", page),
        Route("/sidebar/preview/api/directory", directory),
        Route("/sidebar/preview/api/verify", verify),
    ]
