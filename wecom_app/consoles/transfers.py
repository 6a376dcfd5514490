"""The transfers console: who left with customers, plans, live progress, results.

JSON API (admin role; POSTs need the CSRF token in ``X-CSRF-Token``), all under
``/console/api/transfers``:

=======  ============================  ==================================================
GET      ``/departures``               leavers with unassigned customers and chats
GET      ``/plans``                    plans with progress (``?status=draft|running|…``)
POST     ``/plans``                    draft one: ``{handover_userid, strategy,
                                       successors, keep_tag_together, tag_group_id,
                                       transfer_success_msg}`` (201; 200 = the open one)
GET      ``/plans/{id}``               live progress (counts by status and successor)
GET      ``/plans/{id}/preview``       the rules applied now, per successor, blocked items
GET      ``/plans/{id}/items``         results with reasons (``status, kind, successor,
                                       offset, limit``)
POST     ``/plans/{id}/items``         edit ``{items: [ids or customer/chat ids],
                                       successor | exclude | include, version}``
POST     ``/plans/{id}/replan``        assign unsent items again with other options
POST     ``/plans/{id}/submit``        start it (``{version}``); runs in the background
POST     ``/plans/{id}/cancel``        unsent items are cancelled
GET      ``/plans/{id}/export.csv``    every item with its result
GET/POST ``/settings``                 the tenant's transfer settings
=======  ============================  ==================================================

Pages: ``/console/transfers`` (departures and plans) and ``/console/transfers/{id}``. The
tenant always comes from the session (``who.corp``), never from the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.web import Principal
from wecom_app.protocol.digits import id_or_text, parse_id
from wecom_app.store.models import Employee
from wecom_app.store.transfer import TransferPlan, TransferSettings
from wecom_app.transfer import PlanError, PlanOptions, TransferService, rules
from wecom_app.transfer.candidates import validate_successors
from wecom_app.transfer.options import settings_for
from wecom_app.transfer.preview import progress
from wecom_app.transfer.report import csv_rows, list_items
from wecom_app.transfer.sql import texts

if TYPE_CHECKING:
    from wecom_app.services import Services

ADMIN = ("admin",)
API = "/console/api/transfers"
PAGES = "/console/transfers"

web.NOTICES.update(
    {
        "plan_drafted": "Plan drafted. Check the preview, then submit.",
        "plan_exists": "This employee already has an open plan; here it is.",
        "plan_submitted": "Plan submitted: transfers are being sent to WeCom.",
        "plan_cancelled": "Plan cancelled: nothing more will be sent.",
        "plan_edited": "Plan updated.",
    }
)
web.add_nav("Transfers", PAGES, ADMIN)


def _fail(exc: PlanError) -> web.WebError:
    if exc.code in ("unknown_plan",):
        return web.NotFound(exc.message)
    error = web.BadRequest(exc.message)
    error.code = exc.code
    return error


async def _plan(who: Principal, request: Request) -> TransferPlan:
    try:
        plan_id = int(request.path_params["plan_id"])
    except (KeyError, ValueError):
        raise web.NotFound("no such plan") from None
    plan = await who.scoped(TransferPlan).filter(id=plan_id).first()
    if plan is None:
        raise web.NotFound("no such plan")
    return plan


def _text(body: dict[str, Any], key: str, limit: int = 200) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise web.BadRequest(f"{key} must be text of at most {limit} characters")
    return value.strip()


def _options(body: dict[str, Any], default: PlanOptions) -> PlanOptions:
    strategy = body.get("strategy", default.strategy)
    if strategy not in rules.STRATEGIES:
        raise web.BadRequest(f"strategy must be one of {', '.join(rules.STRATEGIES)}")
    successors = body.get("successors", list(default.successors))
    if not isinstance(successors, list) or not all(isinstance(s, str) for s in successors):
        raise web.BadRequest("successors must be a list of userids")
    if len(successors) > 200:
        raise web.BadRequest("at most 200 successors")
    return PlanOptions(
        strategy=str(strategy),
        successors=tuple(s.strip() for s in successors if s.strip()),
        keep_tag_together=bool(body.get("keep_tag_together", default.keep_tag_together)),
        tag_group_id=_text(body, "tag_group_id", 64) if "tag_group_id" in body else "",
        transfer_success_msg=_text(body, "transfer_success_msg")
        if "transfer_success_msg" in body
        else default.transfer_success_msg,
    )


def _refs(body: dict[str, Any]) -> list[int | str]:
    items = body.get("items")
    if not isinstance(items, list) or not items or len(items) > 10_000:
        raise web.BadRequest("items must be a list of 1..10000 item ids or customer/chat ids")
    refs: list[int | str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise web.BadRequest("items must be item ids or customer/chat ids")
        refs.append(item)
    return refs


def _version(body: dict[str, Any]) -> int | None:
    value = body.get("version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise web.BadRequest("version must be a number")
    return value


def settings_json(settings: TransferSettings) -> dict[str, Any]:
    return {
        "auto_draft": settings.auto_draft,
        "strategy": settings.strategy,
        "successor_userids": list(settings.successor_userids or []),
        "keep_tag_together": settings.keep_tag_together,
        "tag_group_id": settings.tag_group_id,
        "customer_cap": settings.customer_cap,
        "member_caps": dict(settings.member_caps or {}),
        "transfer_success_msg": settings.transfer_success_msg,
        "notify_successors": settings.notify_successors,
        "admin_userids": list(settings.admin_userids or []),
    }


def routes(services: Services) -> list[BaseRoute]:
    site = web.console(services)

    def service() -> TransferService:
        return TransferService.of(services)

    # -- JSON API ------------------------------------------------------------------------

    async def departures(request: Request, who: Principal) -> Response:
        found = await service().departures(who.corp)
        return web.json_response({"departures": [d.to_json() for d in found]})

    async def plans(request: Request, who: Principal) -> Response:
        query = who.scoped(TransferPlan).order_by("-id").limit(100)
        status = request.query_params.get("status", "")
        if status:
            query = query.filter(status=status)
        return web.json_response({"plans": [await progress(p) for p in await query]})

    async def create(request: Request, who: Principal) -> Response:
        body = await web.json_body(request)
        handover = _text(body, "handover_userid", 64)
        if not handover:
            raise web.BadRequest("handover_userid is required")
        defaults = PlanOptions.defaults(await settings_for(who.corp))
        try:
            options = _options(body, defaults)
            plan, created = await service().plan(
                who.corp, handover, options, source="admin", created_by=who.userid
            )
            shown = await service().preview(plan)
        except PlanError as exc:
            raise _fail(exc) from None
        return web.json_response({"created": created, **shown}, status_code=201 if created else 200)

    async def plan_progress(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        return web.json_response(await service().progress(plan))

    async def plan_preview(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        return web.json_response(await service().preview(plan))

    async def plan_items(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        query = request.query_params
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "100"))
        except ValueError:
            raise web.BadRequest("offset and limit are numbers") from None
        status = query.get("status", "")
        if status and status not in rules.STATUSES:
            raise web.BadRequest("unknown status")
        total, items = await list_items(
            plan,
            status=status,
            kind=query.get("kind", ""),
            successor=query.get("successor", ""),
            offset=offset,
            limit=limit,
        )
        return web.json_response({"total": total, "offset": offset, "items": items})

    async def edit(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        body = await web.json_body(request)
        successor = body.get("successor")
        if successor is not None and not isinstance(successor, str):
            raise web.BadRequest("successor must be a userid")
        try:
            result = await service().edit(
                plan,
                _refs(body),
                takeover=successor,
                exclude=bool(body.get("exclude", False)),
                include=bool(body.get("include", False)),
                expect_version=_version(body),
            )
        except PlanError as exc:
            raise _fail(exc) from None
        return web.json_response(
            {
                "changed": result.changed,
                "not_editable": result.not_editable,
                "version": result.version,
            }
        )

    async def replan(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        body = await web.json_body(request)
        try:
            if _version(body) not in (None, plan.version):
                raise PlanError("stale_version", "the plan changed since you looked; reload it")
            await service().replan(plan, _options(body, PlanOptions.of_plan(plan)))
            shown = await service().preview(plan)
        except PlanError as exc:
            raise _fail(exc) from None
        return web.json_response(shown)

    async def submit(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        body = await web.json_body(request)
        runner = service()
        try:
            await runner.submit(plan, expect_version=_version(body), run=False)
        except PlanError as exc:
            raise _fail(exc) from None
        # WeCom calls for 10,000 customers take a while: answer now, send after.
        return _accepted(await runner.progress(plan), runner, plan)

    async def cancel(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        try:
            cancelled = await service().cancel(plan)
        except PlanError as exc:
            raise _fail(exc) from None
        return web.json_response({"cancelled": cancelled, **(await service().progress(plan))})

    async def export(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        name = f"transfer-plan-{plan.id}.csv"
        return StreamingResponse(
            csv_rows(plan),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def get_settings(request: Request, who: Principal) -> Response:
        return web.json_response(settings_json(await settings_for(who.corp)))

    async def put_settings(request: Request, who: Principal) -> Response:
        body = await web.json_body(request)
        row = await settings_for(who.corp)
        if "strategy" in body:
            if body["strategy"] not in rules.STRATEGIES:
                raise web.BadRequest(f"strategy must be one of {', '.join(rules.STRATEGIES)}")
            row.strategy = str(body["strategy"])
        for key in ("auto_draft", "keep_tag_together", "notify_successors"):
            if key in body:
                if not isinstance(body[key], bool):
                    raise web.BadRequest(f"{key} must be true or false")
                setattr(row, key, body[key])
        for key in ("successor_userids", "admin_userids"):
            if key in body:
                value = body[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise web.BadRequest(f"{key} must be a list of userids")
                known = set(
                    texts(
                        await who.scoped(Employee)
                        .filter(userid__in=value)
                        .values_list("userid", flat=True)
                    )
                )
                unknown = [v for v in value if v not in known]
                if unknown:
                    raise web.BadRequest("unknown employees: " + ", ".join(unknown[:20]))
                setattr(row, key, list(dict.fromkeys(value)))
        if "customer_cap" in body:
            cap = body["customer_cap"]
            if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 1_000_000:
                raise web.BadRequest("customer_cap must be a positive number")
            row.customer_cap = cap
        if "tag_group_id" in body:
            row.tag_group_id = _text(body, "tag_group_id", 64)
        if "transfer_success_msg" in body:
            row.transfer_success_msg = _text(body, "transfer_success_msg")
        await row.save()
        return web.json_response(settings_json(row))

    # -- pages -----------------------------------------------------------------------------

    async def index_page(request: Request, who: Principal) -> Response:
        found = await service().departures(who.corp)
        rows = await who.scoped(TransferPlan).order_by("-id").limit(50)
        return web.render(
            request,
            "transfers/index.html",
            {
                "departures": [d.to_json() for d in found],
                "plans": [await progress(p) for p in rows],
                "strategies": rules.STRATEGIES,
                "when": rules.when,
            },
        )

    async def create_page(request: Request, who: Principal) -> Response:
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
            plan, created = await service().plan(
                who.corp, handover, options, source="admin", created_by=who.userid
            )
        except PlanError as exc:
            raise _fail(exc) from None
        return web.redirect(
            f"{PAGES}/{plan.id}", notice="plan_drafted" if created else "plan_exists"
        )

    async def plan_page(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        shown = await service().preview(plan)
        status = request.query_params.get("status", "")
        if status and status not in rules.STATUSES:
            status = ""
        total, items = await list_items(plan, status=status, limit=200)
        return web.render(
            request,
            "transfers/plan.html",
            {
                "shown": shown,
                "items": items,
                "total": total,
                "status": status,
                "statuses": rules.STATUSES,
                "when": rules.when,
                "open": plan.status in rules.OPEN_PLAN,
            },
        )

    async def plan_action(request: Request, who: Principal) -> Response:
        plan = await _plan(who, request)
        form = await request.form()
        action = request.path_params["action"]
        runner = service()
        try:
            if action == "submit":
                version = str(form.get("version", ""))
                await runner.submit(plan, expect_version=parse_id(version), run=False)
                response = web.redirect(f"{PAGES}/{plan.id}", notice="plan_submitted")
                response.background = BackgroundTask(runner.run, plan)
                return response
            if action == "cancel":
                await runner.cancel(plan)
                return web.redirect(f"{PAGES}/{plan.id}", notice="plan_cancelled")
            if action == "edit":
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
        except PlanError as exc:
            raise _fail(exc) from None
        raise web.NotFound("no such action")

    return [
        site.api(f"{API}/departures", departures, roles=ADMIN),
        site.api(f"{API}/plans", plans, roles=ADMIN),
        site.api(f"{API}/plans", create, roles=ADMIN, methods=["POST"]),
        site.api(f"{API}/plans/{{plan_id:int}}", plan_progress, roles=ADMIN),
        site.api(f"{API}/plans/{{plan_id:int}}/preview", plan_preview, roles=ADMIN),
        site.api(f"{API}/plans/{{plan_id:int}}/items", plan_items, roles=ADMIN),
        site.api(f"{API}/plans/{{plan_id:int}}/items", edit, roles=ADMIN, methods=["POST"]),
        site.api(f"{API}/plans/{{plan_id:int}}/replan", replan, roles=ADMIN, methods=["POST"]),
        site.api(f"{API}/plans/{{plan_id:int}}/submit", submit, roles=ADMIN, methods=["POST"]),
        site.api(f"{API}/plans/{{plan_id:int}}/cancel", cancel, roles=ADMIN, methods=["POST"]),
        site.api(f"{API}/plans/{{plan_id:int}}/export.csv", export, roles=ADMIN),
        site.api(f"{API}/settings", get_settings, roles=ADMIN),
        site.api(f"{API}/settings", put_settings, roles=ADMIN, methods=["POST"]),
        site.page(PAGES, index_page, roles=ADMIN),
        site.page(f"{PAGES}/plans", create_page, roles=ADMIN, methods=["POST"]),
        site.page(f"{PAGES}/{{plan_id:int}}", plan_page, roles=ADMIN),
        site.page(
            f"{PAGES}/{{plan_id:int}}/{{action}}", plan_action, roles=ADMIN, methods=["POST"]
        ),
    ]


def _accepted(data: dict[str, Any], runner: TransferService, plan: TransferPlan) -> Response:
    """202 with the plan's progress; the first run goes on after the answer is sent."""
    response = web.json_response(data, status_code=202)
    response.background = BackgroundTask(runner.run, plan)
    return response
