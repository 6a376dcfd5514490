"""The changes an employee makes to a customer from the sidebar: WeCom's tags and
remark (through WeCom first), and our notes, stage, custom fields and reminders.

Every route here is a write: CSRF checked, access decided fresh, and the customer's
cached profiles made stale once the change succeeds (:meth:`sidebar.site.Site.customer`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import edits
from sidebar.access import CustomerGrant
from sidebar.endpoints.customers import CUSTOMER
from sidebar.http import error, json_ok, read_json
from sidebar.session import Session
from sidebar.site import Site, sidebar_of


async def _corp_api(request: Request, session: Session) -> Any:
    return await sidebar_of(request).services.wecom.corp_api(session.corp_id)


def _now(request: Request) -> int:
    return int(sidebar_of(request).service.now())


async def customer_tags(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    result = await edits.change_tags(
        await _corp_api(request, session),
        session.corp_pk,
        grant,
        external_userid,
        await read_json(request),
        now=_now(request),
    )
    return json_ok(result)


async def customer_remark(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    result = await edits.change_remark(
        await _corp_api(request, session),
        session.corp_pk,
        grant,
        external_userid,
        await read_json(request),
        now=_now(request),
    )
    return json_ok(result)


async def customer_note(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    note = await edits.add_note(
        session.corp_pk, grant, external_userid, await read_json(request), now=_now(request)
    )
    return json_ok(note, 201)


async def customer_note_delete(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    deleted = await edits.delete_note(
        session.corp_pk, grant, external_userid, int(request.path_params["note_id"])
    )
    return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)


async def customer_stage(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    settings = await sidebar_of(request).service.settings_for(session.corp_pk)
    result = await edits.set_stage(
        session.corp_pk,
        grant,
        external_userid,
        await read_json(request),
        settings,
        now=_now(request),
    )
    return json_ok(result)


async def customer_fields(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    settings = await sidebar_of(request).service.settings_for(session.corp_pk)
    result = await edits.set_fields(
        session.corp_pk, external_userid, await read_json(request), settings
    )
    return json_ok(result)


async def customer_reminder(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    result = await edits.add_reminder(
        session.corp_pk, grant, external_userid, await read_json(request), now=_now(request)
    )
    return json_ok(result, 201)


async def customer_reminder_done(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    done = await edits.finish_reminder(
        session.corp_pk,
        grant,
        external_userid,
        int(request.path_params["reminder_id"]),
        now=_now(request),
    )
    return json_ok({"done": True}) if done else error("not_found", "", 404)


def routes(site: Site) -> list[BaseRoute]:
    c = site.customer
    return [
        c(CUSTOMER + "/tags", customer_tags, write=True, methods=["POST"]),
        c(CUSTOMER + "/remark", customer_remark, write=True, methods=["POST"]),
        c(CUSTOMER + "/notes", customer_note, write=True, methods=["POST"]),
        c(
            CUSTOMER + "/notes/{note_id:bigint}",
            customer_note_delete,
            write=True,
            methods=["DELETE"],
        ),
        c(CUSTOMER + "/stage", customer_stage, write=True, methods=["PUT"]),
        c(CUSTOMER + "/fields", customer_fields, write=True, methods=["PUT"]),
        c(CUSTOMER + "/reminders", customer_reminder, write=True, methods=["POST"]),
        c(
            CUSTOMER + "/reminders/{reminder_id:bigint}/done",
            customer_reminder_done,
            write=True,
            methods=["POST"],
        ),
    ]
