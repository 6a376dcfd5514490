"""The tenant's transfer settings (JSON): read, and changed field by field — a field
left out of the body stays as it is."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import audit_trail, web
from wecom_app.consoles.transfers import inputs
from wecom_app.consoles.transfers.shared import ADMIN, API
from wecom_app.store.models import Employee
from wecom_app.store.transfer import TransferSettings
from wecom_app.transfer import rules
from wecom_app.transfer.options import settings_for
from wecom_app.transfer.sql import texts

FLAGS = ("auto_draft", "keep_tag_together", "notify_successors")
USERID_LISTS = ("successor_userids", "admin_userids")


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


async def get_settings(request: Request, who: web.Principal) -> Response:
    return web.json_response(settings_json(await settings_for(who.corp)))


async def put_settings(request: Request, who: web.Principal) -> Response:
    body = await web.json_body(request)
    row = await settings_for(who.corp)
    if "strategy" in body:
        if body["strategy"] not in rules.STRATEGIES:
            raise web.BadRequest(
                "strategy must be one of {choices}", choices=", ".join(rules.STRATEGIES)
            )
        row.strategy = str(body["strategy"])
    for key in FLAGS:
        if key in body:
            if not isinstance(body[key], bool):
                raise web.BadRequest("{key} must be true or false", key=key)
            setattr(row, key, body[key])
    for key in USERID_LISTS:
        if key in body:
            setattr(row, key, await _known_userids(who, key, body[key]))
    if "customer_cap" in body:
        row.customer_cap = _customer_cap(body["customer_cap"])
    if "tag_group_id" in body:
        row.tag_group_id = inputs.text(body, "tag_group_id", 64)
    if "transfer_success_msg" in body:
        row.transfer_success_msg = inputs.text(body, "transfer_success_msg")
    await row.save()
    shown = settings_json(row)
    changed = {"fields": sorted(k for k in body if k in shown), "settings": shown}
    await audit_trail.privilege_change(request, who, audit_trail.TRANSFER_SETTINGS, changed)
    return web.json_response(shown)


async def _known_userids(who: web.Principal, key: str, value: object) -> list[str]:
    """``value`` as a list of this tenant's employees (duplicates dropped), or a 400."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise web.BadRequest("{key} must be a list of userids", key=key)
    known = set(
        texts(await who.scoped(Employee).filter(userid__in=value).values_list("userid", flat=True))
    )
    unknown = [v for v in value if v not in known]
    if unknown:
        raise web.BadRequest("unknown employees: {userids}", userids=", ".join(unknown[:20]))
    return list(dict.fromkeys(value))


def _customer_cap(cap: object) -> int:
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 1_000_000:
        raise web.BadRequest("customer_cap must be a positive number")
    return cap


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.api(f"{API}/settings", get_settings, roles=ADMIN),
        site.api(f"{API}/settings", put_settings, roles=ADMIN, methods=["POST"]),
    ]
