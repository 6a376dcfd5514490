"""The transfers index: who left with customers, the tenant's plans, drafting a plan
(the JSON API and the page's form)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.admin.people import names_of
from wecom_app.consoles.transfers import inputs
from wecom_app.consoles.transfers.shared import ADMIN, API, PAGES, fail, transfer_service
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import PlanError, PlanOptions, rules
from wecom_app.transfer.options import settings_for
from wecom_app.transfer.preview import progress


async def departures(request: Request, who: web.Principal) -> Response:
    found = await transfer_service(request).departures(who.corp)
    return web.json_response({"departures": [d.to_json() for d in found]})


async def plans(request: Request, who: web.Principal) -> Response:
    query = who.scoped(TransferPlan).order_by("-id").limit(100)
    status = request.query_params.get("status", "")
    if status:
        query = query.filter(status=status)
    return web.json_response({"plans": [await progress(p) for p in await query]})


async def create(request: Request, who: web.Principal) -> Response:
    body = await web.json_body(request)
    handover = inputs.text(body, "handover_userid", 64)
    if not handover:
        raise web.BadRequest("handover_userid is required")
    defaults = PlanOptions.defaults(await settings_for(who.corp))
    service = transfer_service(request)
    try:
        options = inputs.options(body, defaults)
        plan, created = await service.plan(
            who.corp, handover, options, source="admin", created_by=who.userid
        )
        shown = await service.preview(plan)
    except PlanError as exc:
        raise fail(exc) from None
    return web.json_response({"created": created, **shown}, status_code=201 if created else 200)


async def index_page(request: Request, who: web.Principal) -> Response:
    found = await transfer_service(request).departures(who.corp)
    rows = await who.scoped(TransferPlan).order_by("-id").limit(50)
    return web.render(
        request,
        "transfers/index.html",
        {
            "departures": [d.to_json() for d in found],
            "plans": [await progress(p) for p in rows],
            "strategies": rules.STRATEGIES,
            "when": rules.when,
            "people": await names_of(who),
        },
    )


async def create_page(request: Request, who: web.Principal) -> Response:
    form = await request.form()
    handover = str(form.get("handover_userid", "")).strip()
    successors = [s.strip() for s in str(form.get("successors", "")).split(",") if s.strip()]
    strategy = str(form.get("strategy", rules.LEAST_LOADED))
    if strategy not in rules.STRATEGIES:
        raise web.BadRequest("unknown strategy")
    options = PlanOptions(
        strategy=strategy,
        successors=tuple(successors),
        keep_tag_together=form.get("keep_tag_together") == "on",
    )
    try:
        plan, created = await transfer_service(request).plan(
            who.corp, handover, options, source="admin", created_by=who.userid
        )
    except PlanError as exc:
        raise fail(exc) from None
    return web.redirect(f"{PAGES}/{plan.id}", notice="plan_drafted" if created else "plan_exists")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.api(f"{API}/departures", departures, roles=ADMIN),
        site.api(f"{API}/plans", plans, roles=ADMIN),
        site.api(f"{API}/plans", create, roles=ADMIN, methods=["POST"]),
        site.page(PAGES, index_page, roles=ADMIN),
        site.page(f"{PAGES}/plans", create_page, roles=ADMIN, methods=["POST"]),
    ]
