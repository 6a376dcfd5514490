"""One plan, changed: items given another successor, taken out or put back, everything
assigned again, the plan submitted or cancelled (the JSON API and the plan page's forms).

Submitting answers at once and sends in the background: WeCom calls for 10,000
customers take a while."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.transfers import inputs
from wecom_app.consoles.transfers.shared import (
    ADMIN,
    PAGES,
    PLAN_API,
    PLAN_PAGE,
    fail,
    plan_of,
    transfer_service,
)
from wecom_app.protocol.digits import id_or_text, parse_id
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import PlanError, PlanOptions, TransferService
from wecom_app.transfer.candidates import validate_successors


async def edit(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    body = await web.json_body(request)
    successor = body.get("successor")
    if successor is not None and not isinstance(successor, str):
        raise web.BadRequest("successor must be a userid")
    try:
        result = await transfer_service(request).edit(
            plan,
            inputs.refs(body),
            takeover=successor,
            exclude=bool(body.get("exclude", False)),
            include=bool(body.get("include", False)),
            expect_version=inputs.version(body),
        )
    except PlanError as exc:
        raise fail(exc) from None
    return web.json_response(
        {"changed": result.changed, "not_editable": result.not_editable, "version": result.version}
    )


async def replan(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    body = await web.json_body(request)
    service = transfer_service(request)
    try:
        if inputs.version(body) not in (None, plan.version):
            raise PlanError("stale_version", "the plan changed since you looked; reload it")
        await service.replan(plan, inputs.options(body, PlanOptions.of_plan(plan)))
        shown = await service.preview(plan)
    except PlanError as exc:
        raise fail(exc) from None
    return web.json_response(shown)


async def submit(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    body = await web.json_body(request)
    runner = transfer_service(request)
    try:
        await runner.submit(plan, expect_version=inputs.version(body), run=False)
    except PlanError as exc:
        raise fail(exc) from None
    return _accepted(await runner.progress(plan), runner, plan)


async def cancel(request: Request, who: web.Principal) -> Response:
    plan = await plan_of(who, request)
    service = transfer_service(request)
    try:
        cancelled = await service.cancel(plan)
    except PlanError as exc:
        raise fail(exc) from None
    return web.json_response({"cancelled": cancelled, **(await service.progress(plan))})


def _accepted(data: dict[str, Any], runner: TransferService, plan: TransferPlan) -> Response:
    """202 with the plan's progress; the first run goes on after the answer is sent."""
    response = web.json_response(data, status_code=202)
    response.background = BackgroundTask(runner.run, plan)
    return response


# -- the plan page's forms -------------------------------------------------------------

FormAction = Callable[[TransferService, TransferPlan, FormData, web.Principal], Awaitable[Response]]


async def _submit_form(
    runner: TransferService, plan: TransferPlan, form: FormData, who: web.Principal
) -> Response:
    version = str(form.get("version", ""))
    await runner.submit(plan, expect_version=parse_id(version), run=False)
    response = web.redirect(f"{PAGES}/{plan.id}", notice="plan_submitted")
    response.background = BackgroundTask(runner.run, plan)
    return response


async def _cancel_form(
    runner: TransferService, plan: TransferPlan, form: FormData, who: web.Principal
) -> Response:
    await runner.cancel(plan)
    return web.redirect(f"{PAGES}/{plan.id}", notice="plan_cancelled")


async def _edit_form(
    runner: TransferService, plan: TransferPlan, form: FormData, who: web.Principal
) -> Response:
    refs = [id_or_text(r) for r in str(form.get("items", "")).split()]
    if not refs:
        raise web.BadRequest("name the items to change")
    successor = str(form.get("successor", "")).strip()
    if form.get("exclude") == "on":
        await runner.edit(plan, refs, exclude=True)
    else:
        await validate_successors(who.corp, plan.handover_userid, [successor])
        await runner.edit(plan, refs, takeover=successor)
    return web.redirect(f"{PAGES}/{plan.id}", notice="plan_edited")


FORM_ACTIONS: dict[str, FormAction] = {
    "submit": _submit_form,
    "cancel": _cancel_form,
    "edit": _edit_form,
}


async def plan_action(request: Request, who: web.Principal) -> Response:
    """``POST /console/transfers/{id}/{action}``: the plan page's submit, cancel and edit."""
    plan = await plan_of(who, request)
    form = await request.form()
    action = FORM_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise web.NotFound("no such action")
    try:
        return await action(transfer_service(request), plan, form, who)
    except PlanError as exc:
        raise fail(exc) from None


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.api(f"{PLAN_API}/items", edit, roles=ADMIN, methods=["POST"]),
        site.api(f"{PLAN_API}/replan", replan, roles=ADMIN, methods=["POST"]),
        site.api(f"{PLAN_API}/submit", submit, roles=ADMIN, methods=["POST"]),
        site.api(f"{PLAN_API}/cancel", cancel, roles=ADMIN, methods=["POST"]),
        site.page(f"{PLAN_PAGE}/{{action}}", plan_action, roles=ADMIN, methods=["POST"]),
    ]
