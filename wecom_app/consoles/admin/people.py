"""The pickers' search: ``GET /console/api/people?kind=employee|department|customer&q=…``
finds this tenant's employees, departments or customers by name or id (at most 20,
each ``{"id", "name", "label"}``). ``console.js`` turns a field marked
``data-picker="<kind>"`` into a search box with suggestions; the field still takes a
typed id, and the page works without script."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from tortoise.expressions import Q

from wecom_app.consoles import web
from wecom_app.consoles.web import Principal
from wecom_app.store.directory import Customer, Department
from wecom_app.store.models import Employee

PICKER_ROLES = ("admin", "compliance")
MAX_QUERY = 64
LIMIT = 20


async def names_of(who: Principal) -> dict[str, str]:
    """userid → name of everyone in the tenant's directory (leavers too: plans, grants
    and the audit log name people who have gone)."""
    rows = await who.scoped(Employee).values_list("userid", "name")
    return {str(userid): str(name) for userid, name in rows}


def hit(ident: object, name: str) -> dict[str, str]:
    ident = str(ident)
    label = f"{name} ({ident})" if name and name != ident else ident
    return {"id": ident, "name": name, "label": label}


async def employees(who: Principal, q: str) -> list[Any]:
    match = Q(userid__icontains=q) | Q(name__icontains=q)
    query = who.scoped(Employee).filter(match).exclude(status="resigned")
    return list(await query.order_by("userid").limit(LIMIT).values_list("userid", "name"))


async def departments(who: Principal, q: str) -> list[Any]:
    match = Q(name__icontains=q) | (Q(dept_id=int(q)) if q.isdigit() and len(q) < 16 else Q())
    query = who.scoped(Department).filter(match)
    return list(await query.order_by("dept_id").limit(LIMIT).values_list("dept_id", "name"))


async def customers(who: Principal, q: str) -> list[Any]:
    match = Q(external_userid__icontains=q) | Q(name__icontains=q)
    query = who.scoped(Customer).filter(match)
    return list(await query.order_by("name").limit(LIMIT).values_list("external_userid", "name"))


SEARCHES = {"employee": employees, "department": departments, "customer": customers}


async def search(who: Principal, kind: str, q: str) -> list[dict[str, str]]:
    rows = await SEARCHES[kind](who, q)
    return [hit(ident, str(name or "")) for ident, name in rows]


async def people_api(request: Request, who: Principal) -> Response:
    kind = request.query_params.get("kind", "employee")
    q = request.query_params.get("q", "").strip()
    if kind not in SEARCHES:
        raise web.BadRequest("kind is employee, department or customer")
    if len(q) > MAX_QUERY:
        raise web.BadRequest("the search is at most {limit} characters", limit=MAX_QUERY)
    return web.json_response({"kind": kind, "hits": await search(who, kind, q)})


def routes(site: web.Web) -> list[BaseRoute]:
    return [site.api("/console/api/people", people_api, roles=PICKER_ROLES)]
