"""The alerts page: keyword alerts, acknowledging them, and the rules that raise them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.compliance.common import (
    POST,
    PREFIX,
    api,
    form_text,
    guarded,
    page,
    service_of,
)
from wecom_app.protocol.digits import parse_id
from wecom_app.search.access import Viewer
from wecom_app.search.service import NotFound

RULE_FIELDS = ("name", "kind", "pattern", "departments", "notify")


def rule_json(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "pattern": rule.pattern,
        "departments": rule.departments,
        "notify": rule.notify,
        "enabled": rule.enabled,
        "disabled_reason": rule.disabled_reason,
    }


def split_list(value: Any) -> list[str]:
    """A JSON list, or a comma-separated text (full-width commas too)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").replace("，", ",").split(",") if v.strip()]


@guarded
async def alerts_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    service = service_of(request)
    status = request.query_params.get("status", "open")
    return web.render(
        request,
        "compliance/alerts.html",
        {
            "alerts": await service.alerts(viewer, status=status),
            "status": status,
            "rules": await service.rules(viewer),
        },
    )


@guarded
async def alerts_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    before = request.query_params.get("before", "")
    rows = await service_of(request).alerts(
        viewer,
        status=request.query_params.get("status", "open"),
        before_id=parse_id(before),
    )
    return web.json_response({"alerts": rows})


@guarded
async def ack(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    done = await service_of(request).acknowledge(viewer, int(request.path_params["alert_id"]))
    if request.state.api:
        if not done:
            raise NotFound("alert")
        return web.json_response({"acknowledged": True})
    return web.redirect(f"{PREFIX}/alerts", notice="alert_acknowledged")


async def add_rule_of(request: Request, viewer: Viewer) -> Response:
    """Add a rule from a form (a page) or a JSON body (the API)."""
    if request.state.api:
        body: Mapping[str, Any] = await web.json_body(request)
    else:
        form = await request.form()
        body = {k: form_text(form, k) for k in RULE_FIELDS}
    rule = await service_of(request).add_rule(
        viewer,
        name=str(body.get("name", "")),
        kind=str(body.get("kind", "words")),
        pattern=str(body.get("pattern", "")),
        departments=split_list(body.get("departments")),
        notify=split_list(body.get("notify")),
    )
    if request.state.api:
        return web.json_response(rule_json(rule), status_code=201)
    return web.redirect(f"{PREFIX}/alerts", notice="rule_added")


@guarded
async def add_rule(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    return await add_rule_of(request, viewer)


@guarded
async def rules_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    if request.method == "POST":
        return await add_rule_of(request, viewer)
    rules = await service_of(request).rules(viewer)
    return web.json_response({"rules": [rule_json(r) for r in rules]})


@guarded
async def toggle_rule(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    form = await request.form()
    enabled = form_text(form, "enabled") == "1"
    rule_id = int(request.path_params["rule_id"])
    await service_of(request).set_rule_enabled(viewer, rule_id, enabled)
    return web.redirect(f"{PREFIX}/alerts", notice="rule_updated")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        page(site, f"{PREFIX}/alerts", alerts_page),
        page(site, f"{PREFIX}/alerts/{{alert_id:bigint}}/ack", ack, POST),
        page(site, f"{PREFIX}/rules", add_rule, POST),
        page(site, f"{PREFIX}/rules/{{rule_id:int}}/toggle", toggle_rule, POST),
        api(site, f"{PREFIX}/api/alerts", alerts_api),
        api(site, f"{PREFIX}/api/alerts/{{alert_id:bigint}}/ack", ack, POST),
        api(site, f"{PREFIX}/api/rules", rules_api, ("GET", "POST")),
    ]
