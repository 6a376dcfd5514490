"""The customer API the sidebar reads: the profile (its hottest path), the message
history, and the corp tags an employee may put on a customer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import history
from sidebar.access import CustomerGrant
from sidebar.http import BadBody, json_bytes, json_ok
from sidebar.reads import audit_history, audit_profile
from sidebar.session import Session
from sidebar.site import Site, sidebar_of
from wecom_app.store.directory import Tag, TagGroup

CUSTOMER = "/sidebar/api/customers/{external_userid}"


async def customer_profile(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    body = await sidebar_of(request).service.profile_bytes(
        session.corp_pk, session.corp_id, grant, external_userid
    )
    if grant.employees:  # the newest messages and the insights of their conversations
        await audit_profile(request, session, grant, external_userid)
    return json_bytes(body)


async def customer_messages(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> Response:
    params = request.query_params
    try:
        before = history.parse_cursor(params.get("before"))
        limit = int(params.get("limit") or history.PAGE_SIZE)
    except ValueError:
        raise BadBody("bad paging parameters") from None
    predecessors = [p.userid for p in grant.predecessors]
    employees = grant.employees
    if params.get("of") == "predecessors":
        employees = tuple(e for e in grant.employees if e in predecessors)
    result = await history.page(
        session.corp_pk,
        external_userid,
        employees,
        viewer=session.userid,
        predecessors=predecessors,
        before=before,
        query=params.get("q", ""),
        limit=limit,
    )
    await audit_history(request, session, grant, external_userid, employees, result.messages)
    return json_ok({"items": result.messages, "next": result.next})


async def tag_library(request: Request, session: Session) -> Response:
    """The corp tags an employee may put on a customer (WeCom's mark_tag sets only
    these), grouped as in WeCom."""
    group_rows = await TagGroup.filter(corp_id=session.corp_pk, deleted=False).order_by(
        "-order", "id"
    )
    tags = await Tag.filter(corp_id=session.corp_pk, deleted=False, type=1).order_by("-order", "id")
    by_group: dict[str, list[dict[str, Any]]] = {}
    for tag in tags:
        by_group.setdefault(tag.group_id, []).append({"id": tag.tag_id, "name": tag.name})
    groups = [
        {"id": g.group_id, "name": g.name, "tags": by_group.get(g.group_id, [])}
        for g in group_rows
        if by_group.get(g.group_id)
    ]
    return json_ok({"groups": groups})


def routes(site: Site) -> list[BaseRoute]:
    return [
        # First: Starlette tries routes in order, and this is the one every chat switch
        # calls (no other sidebar path matches it).
        site.customer(CUSTOMER, customer_profile),
        site.customer(CUSTOMER + "/messages", customer_messages),
        site.api("/sidebar/api/tags", tag_library),
    ]
