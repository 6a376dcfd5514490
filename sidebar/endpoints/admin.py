"""The sidebar's admin API (``/sidebar/admin/api``, the ``admin`` role): the tenant's
sidebar settings, its shared quick replies, and the members WeCom refuses for lack of
an interface licence (:mod:`wecom_app.licences`). Domain verification files have their
own module (:mod:`.verify_files`); the console page is :mod:`.console`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import replies, tenant
from sidebar.http import error, json_ok, read_json
from sidebar.session import Session
from sidebar.site import Site, sidebar_of
from wecom_app import licences

SETTINGS = "/sidebar/admin/api/settings"
SHARED_REPLIES = "/sidebar/admin/api/quick-replies"
LICENCES = "/sidebar/admin/api/licences"


async def admin_settings(request: Request, session: Session) -> Response:
    service = sidebar_of(request).service
    return json_ok((await service.settings_for(session.corp_pk)).as_json())


async def admin_settings_update(request: Request, session: Session) -> Response:
    service = sidebar_of(request).service
    current = await service.settings_for(session.corp_pk)
    updated = tenant.validate(await read_json(request), current)
    await service.tenant_settings.save(session.corp_pk, updated)
    return json_ok(updated.as_json())


async def admin_replies(request: Request, session: Session) -> Response:
    listing = await replies.listing(session.corp_pk, "", request.query_params.get("q", ""))
    listing["groups"] = [g for g in listing["groups"] if g["shared"]]
    return json_ok(listing)


async def admin_reply_create(request: Request, session: Session) -> Response:
    reply = await replies.create(session.corp_pk, "", session.userid, await read_json(request))
    return json_ok(replies.render(reply), 201)


async def admin_reply_update(request: Request, session: Session) -> Response:
    reply = await replies.update(
        session.corp_pk, "", int(request.path_params["reply_id"]), await read_json(request)
    )
    return json_ok(replies.render(reply)) if reply else error("not_found", "", 404)


async def admin_reply_delete(request: Request, session: Session) -> Response:
    deleted = await replies.delete(session.corp_pk, "", int(request.path_params["reply_id"]))
    return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)


async def admin_licences(request: Request, session: Session) -> Response:
    """Per member, the features WeCom blocks for lack of an interface licence (701008)."""
    service = sidebar_of(request).service
    blocked = await licences.blocked_members(service.kv, session.corp_id, service.now())
    members = [
        {
            "userid": b.userid,
            "features": sorted(b.features),
            "blocked": b.explanations(),
            "last_refused_at": int(max(b.features.values())),
        }
        for b in blocked
    ]
    return json_ok({"members": members, "features": licences.FEATURES})


def routes(site: Site) -> list[BaseRoute]:
    one = SHARED_REPLIES + "/{reply_id:int}"
    return [
        site.admin(SETTINGS, admin_settings),
        site.admin(SETTINGS, admin_settings_update, write=True, methods=["PUT"]),
        site.admin(SHARED_REPLIES, admin_replies),
        site.admin(SHARED_REPLIES, admin_reply_create, write=True, methods=["POST"]),
        site.admin(one, admin_reply_update, write=True, methods=["PUT"]),
        site.admin(one, admin_reply_delete, write=True, methods=["DELETE"]),
        site.admin(LICENCES, admin_licences),
    ]
