"""The audit log page (admins): every search and export, hash-chained, and its check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.compliance.common import PREFIX, api, guarded, page, service_of
from wecom_app.protocol.digits import parse_id
from wecom_app.search.access import Viewer
from wecom_app.store.models import Employee


def entry_json(entry: Any) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at_ms": entry.at_ms,
        "actor": entry.actor,
        "action": entry.action,
        "detail": entry.detail_dict(),
        "hash": entry.hash,
    }


def _at(entry: Any) -> str:
    return datetime.fromtimestamp(entry.at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


async def actor_names(who: web.Principal, rows: list[Any]) -> dict[str, str]:
    """userid → name of the actors on the page (leavers too: the log outlives them)."""
    actors = {str(e.actor) for e in rows}
    found = await who.scoped(Employee).filter(userid__in=actors).values_list("userid", "name")
    return {str(userid): str(name) for userid, name in found}


@guarded
async def audit_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    service = service_of(request)
    before = request.query_params.get("before", "")
    rows = await service.audit_entries(viewer, before_seq=parse_id(before))
    verification = None
    if request.query_params.get("verify") == "1":
        verification = await service.audit_verify(viewer)
    return web.render(
        request,
        "compliance/audit.html",
        {
            "entries": rows,
            "details": {e.seq: json.dumps(e.detail_dict(), ensure_ascii=False) for e in rows},
            "times": {e.seq: _at(e) for e in rows},
            "people": await actor_names(who, rows),
            "verification": verification,
            "older": f"{PREFIX}/audit?before={rows[-1].seq}" if len(rows) == 100 else "",
        },
    )


@guarded
async def audit_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    before = request.query_params.get("before", "")
    rows = await service_of(request).audit_entries(viewer, before_seq=parse_id(before))
    return web.json_response({"entries": [entry_json(e) for e in rows]})


@guarded
async def audit_verify_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
    result = await service_of(request).audit_verify(viewer)
    return web.json_response(
        {
            "ok": result.ok,
            "checked": result.checked,
            "head_seq": result.head_seq,
            "head_hash": result.head_hash,
            "problems": [
                {"seq": p.seq, "entry_id": p.entry_id, "kind": p.kind, "message": p.message}
                for p in result.problems
            ],
        }
    )


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        page(site, f"{PREFIX}/audit", audit_page),
        api(site, f"{PREFIX}/api/audit", audit_api),
        api(site, f"{PREFIX}/api/audit/verify", audit_verify_api),
    ]
