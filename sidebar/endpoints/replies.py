"""An employee's quick replies (话术): their own and the tenant's shared ones, kept by
:mod:`sidebar.replies`; the admin API keeps the shared ones (:mod:`.admin`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import replies
from sidebar.http import error, json_ok, read_json
from sidebar.session import Session
from sidebar.site import Site

QUICK_REPLIES = "/sidebar/api/quick-replies"


async def quick_replies(request: Request, session: Session) -> Response:
    return json_ok(
        await replies.listing(session.corp_pk, session.userid, request.query_params.get("q", ""))
    )


async def quick_reply_create(request: Request, session: Session) -> Response:
    reply = await replies.create(
        session.corp_pk, session.userid, session.userid, await read_json(request)
    )
    return json_ok(replies.render(reply), 201)


async def quick_reply_update(request: Request, session: Session) -> Response:
    reply = await replies.update(
        session.corp_pk,
        session.userid,
        int(request.path_params["reply_id"]),
        await read_json(request),
    )
    return json_ok(replies.render(reply)) if reply else error("not_found", "", 404)


async def quick_reply_delete(request: Request, session: Session) -> Response:
    deleted = await replies.delete(
        session.corp_pk, session.userid, int(request.path_params["reply_id"])
    )
    return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)


async def quick_reply_used(request: Request, session: Session) -> Response:
    counted = await replies.used(
        session.corp_pk, session.userid, int(request.path_params["reply_id"])
    )
    return json_ok({"counted": True}) if counted else error("not_found", "", 404)


def routes(site: Site) -> list[BaseRoute]:
    one = QUICK_REPLIES + "/{reply_id:int}"
    return [
        site.api(QUICK_REPLIES, quick_replies),
        site.api(QUICK_REPLIES, quick_reply_create, write=True, methods=["POST"]),
        site.api(one, quick_reply_update, write=True, methods=["PUT"]),
        site.api(one, quick_reply_delete, write=True, methods=["DELETE"]),
        site.api(one + "/used", quick_reply_used, write=True, methods=["POST"]),
    ]
