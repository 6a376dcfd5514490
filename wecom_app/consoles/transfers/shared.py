"""What the transfers pages share: their paths and role, the running transfer service,
the plan a URL names (of the signed-in tenant only), and plan errors as HTTP errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from wecom_app.consoles import web
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import PlanError, TransferService

if TYPE_CHECKING:
    pass

ADMIN = ("admin",)
API = "/console/api/transfers"
PAGES = "/console/transfers"
PLAN_API = f"{API}/plans/{{plan_id:int}}"
PLAN_PAGE = f"{PAGES}/{{plan_id:int}}"


def transfer_service(request: Request) -> TransferService:
    return TransferService.of(web.services_of(request))


def fail(exc: PlanError) -> web.WebError:
    """A plan error as the console's HTTP error: 404 for an unknown plan, else 400 with
    the error's stable ``code``."""
    if exc.code in ("unknown_plan",):
        return web.NotFound(exc.message)
    error = web.BadRequest(exc.message)
    error.code = exc.code
    return error


async def plan_of(who: web.Principal, request: Request) -> TransferPlan:
    """The plan of the URL's ``plan_id``, if it belongs to the signed-in tenant."""
    try:
        plan_id = int(request.path_params["plan_id"])
    except (KeyError, ValueError):
        raise web.NotFound("no such plan") from None
    plan = await who.scoped(TransferPlan).filter(id=plan_id).first()
    if plan is None:
        raise web.NotFound("no such plan")
    return plan
