"""The compliance console: archive search, context, conversations, export, saved
searches, keyword alerts and rules, legal holds, and (for admins) the audit log.

Pages and their JSON APIs live under ``/console/compliance/`` (the console's session
cookie is scoped to ``/console``). Every endpoint is open to any signed-in member and
checks the role itself, through :class:`~wecom_app.search.service.Compliance`: a member
without the compliance role gets 403 *and the attempt is written to the audit log*,
which the web foundation's role guard could not do. The tenant always comes from the
session (``who.corp``), never from the URL or a form.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.path_ids import use_bounded_ids
from wecom_app.protocol.digits import parse_id
from wecom_app.search.access import AccessDenied, Viewer, viewer_for
from wecom_app.search.alerts import RuleError
from wecom_app.search.query import QueryError, parse_query, parse_request
from wecom_app.search.service import Compliance, NotFound
from wecom_app.text.tokenise import initialise as initialise_tokeniser

if TYPE_CHECKING:
    from wecom_app.services import Services

PREFIX = "/console/compliance"
COMPLIANCE = ("compliance",)

web.NOTICES.update(
    {
        "search_saved": "Search saved.",
        "search_deleted": "Saved search deleted.",
        "alert_acknowledged": "Alert acknowledged.",
        "rule_added": "Alert rule added.",
        "rule_updated": "Alert rule updated.",
        "hold_added": "Legal hold added.",
        "hold_released": "Legal hold released.",
    }
)
web.add_nav("Search", f"{PREFIX}/", COMPLIANCE)
web.add_nav("Alerts", f"{PREFIX}/alerts", COMPLIANCE)
web.add_nav("Legal holds", f"{PREFIX}/holds", ("compliance", "admin"))
web.add_nav("Audit log", f"{PREFIX}/audit", ("admin",))

SEARCH_FIELDS = (
    "q",
    "employee",
    "customer",
    "room",
    "msgtype",
    "direction",
    "since",
    "until",
    "sort",
)

Handler = Callable[[Request, web.Principal, Viewer], Awaitable[Response]]


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def _form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(value: str, default: int) -> int:
    parsed = parse_id(value)
    return default if parsed is None else parsed


_segmenter_ready = False


async def _warm_segmenter() -> None:
    """Load the segmenter's dictionary (0.1 s) off the event loop, once per process,
    before the first query is parsed."""
    global _segmenter_ready
    if not _segmenter_ready:
        await asyncio.to_thread(initialise_tokeniser)
        _segmenter_ready = True


def routes(services: Services) -> list[BaseRoute]:
    use_bounded_ids()  # the :bigint ids below
    site = web.console(services)
    service = Compliance(clock=services.clock, media_dir=services.settings.media_dir)

    def guarded(handler: Handler) -> web.Endpoint:
        """Build the viewer from the session and turn service refusals into 4xx."""

        async def endpoint(request: Request, who: web.Principal) -> Response:
            await _warm_segmenter()
            viewer = await viewer_for(who.corp, who.userid, who.roles)
            try:
                return await handler(request, who, viewer)
            except AccessDenied:
                raise web.NoRole("Your account has no access to this page.") from None
            except NotFound:
                raise web.NotFound("Not found.") from None
            except (QueryError, RuleError) as exc:
                raise web.BadRequest(str(exc)) from None

        return endpoint

    def page(path: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> BaseRoute:
        return site.page(path, guarded(handler), roles=web.SIGNED_IN, methods=methods)

    def api(path: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> BaseRoute:
        return site.api(path, guarded(handler), roles=web.SIGNED_IN, methods=methods)

    # -- search --

    async def search_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        params = _params(request)
        await service.require(viewer, "search", {"q": params.get("q", "")})
        context: dict[str, Any] = {
            "params": {k: params.get(k, "") for k in SEARCH_FIELDS},
            "page": None,
            "error": "",
            "saved": await service.saved_searches(viewer),
            "query_string": "",
            "next_link": "",
        }
        if params.get("q", "").strip():
            try:
                request_ = parse_request(params)
            except QueryError as exc:
                context["error"] = str(exc)
                return web.render(request, "compliance/search.html", context, status_code=400)
            result = await service.search(viewer, request_)
            keep = {k: params[k] for k in SEARCH_FIELDS if params.get(k)}
            context["page"] = result
            context["query_string"] = urlencode(keep)
            if result.next_cursor:
                context["next_link"] = f"{PREFIX}/?" + urlencode(
                    {**keep, "cursor": result.next_cursor}
                )
        return web.render(request, "compliance/search.html", context)

    async def search_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        result = await service.search(viewer, parse_request(_params(request)))
        return web.json_response(result.as_json())

    # -- context and conversations --

    def _match(request: Request) -> Any:
        q = request.query_params.get("q", "").strip()
        if not q:
            return None
        try:
            return parse_query(q)
        except QueryError:
            return None

    async def context_view(request: Request, who: web.Principal, viewer: Viewer) -> Any:
        message_id = int(request.path_params["message_id"])
        return await service.context(
            viewer,
            message_id,
            before=_int(request.query_params.get("before", ""), 10),
            after=_int(request.query_params.get("after", ""), 10),
            match=_match(request),
        )

    async def context_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        view = await context_view(request, who, viewer)
        return web.render(
            request,
            "compliance/context.html",
            {"view": view, "q": request.query_params.get("q", "")},
        )

    async def context_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        view = await context_view(request, who, viewer)
        return web.json_response(view.as_json())

    async def conversation_view(request: Request, viewer: Viewer) -> Any:
        from wecom_app.search.query import parse_time

        params = _params(request)
        since = parse_time(params["since"]) if params.get("since") else None
        until = parse_time(params["until"], end=True) if params.get("until") else None
        return await service.conversation(
            viewer,
            params.get("conversation", ""),
            since=since,
            until=until,
            cursor=params.get("cursor", ""),
            limit=_int(params.get("limit", ""), 200),
        )

    async def conversation_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        view = await conversation_view(request, viewer)
        params = _params(request)
        next_link = ""
        if view.next_cursor:
            keep = {k: params[k] for k in ("conversation", "since", "until") if params.get(k)}
            next_link = f"{PREFIX}/conversation?" + urlencode({**keep, "cursor": view.next_cursor})
        return web.render(
            request,
            "compliance/conversation.html",
            {"view": view, "params": params, "next_link": next_link},
        )

    async def conversation_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        return web.json_response((await conversation_view(request, viewer)).as_json())

    # -- export --

    async def export(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        params = _params(request)
        fmt = params.pop("format", "csv")
        if fmt not in ("csv", "jsonl"):
            raise QueryError("Export as csv or jsonl.")
        params.pop("limit", None)
        request_ = parse_request(params)
        stream: AsyncIterator[bytes] = await service.export(
            viewer, request_, "csv" if fmt == "csv" else "jsonl"
        )
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        headers = {"Content-Disposition": f'attachment; filename="archive-search.{fmt}"'}
        return StreamingResponse(stream, media_type=media, headers=headers)

    # -- saved searches --

    async def save_search(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        form = await request.form()
        params = {k: _form_text(form, k) for k in SEARCH_FIELDS}
        await service.save_search(viewer, _form_text(form, "name"), params)
        return web.redirect(
            f"{PREFIX}/?" + urlencode({k: v for k, v in params.items() if v}), notice="search_saved"
        )

    async def delete_search(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        await service.delete_saved(viewer, int(request.path_params["saved_id"]))
        return web.redirect(f"{PREFIX}/", notice="search_deleted")

    async def saved_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        if request.method == "POST":
            body = await web.json_body(request)
            raw = body.get("params")
            params = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
            saved = await service.save_search(viewer, str(body.get("name", "")), params)
            return web.json_response({"id": saved.id, "name": saved.name, "params": saved.params})
        rows = await service.saved_searches(viewer)
        return web.json_response(
            {"saved": [{"id": r.id, "name": r.name, "params": r.params} for r in rows]}
        )

    async def saved_delete_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        done = await service.delete_saved(viewer, int(request.path_params["saved_id"]))
        if not done:
            raise NotFound("saved search")
        return web.json_response({"deleted": True})

    # -- alerts and rules --

    async def alerts_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
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

    async def alerts_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        before = request.query_params.get("before", "")
        rows = await service.alerts(
            viewer,
            status=request.query_params.get("status", "open"),
            before_id=parse_id(before),
        )
        return web.json_response({"alerts": rows})

    async def ack(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        done = await service.acknowledge(viewer, int(request.path_params["alert_id"]))
        if request.state.api:
            if not done:
                raise NotFound("alert")
            return web.json_response({"acknowledged": True})
        return web.redirect(f"{PREFIX}/alerts", notice="alert_acknowledged")

    def _rule_json(rule: Any) -> dict[str, Any]:
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

    def _split(value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [v.strip() for v in str(value or "").replace("，", ",").split(",") if v.strip()]

    async def add_rule(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        if request.state.api:
            body: Mapping[str, Any] = await web.json_body(request)
        else:
            form = await request.form()
            body = {
                k: _form_text(form, k) for k in ("name", "kind", "pattern", "departments", "notify")
            }
        rule = await service.add_rule(
            viewer,
            name=str(body.get("name", "")),
            kind=str(body.get("kind", "words")),
            pattern=str(body.get("pattern", "")),
            departments=_split(body.get("departments")),
            notify=_split(body.get("notify")),
        )
        if request.state.api:
            return web.json_response(_rule_json(rule), status_code=201)
        return web.redirect(f"{PREFIX}/alerts", notice="rule_added")

    async def rules_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        if request.method == "POST":
            return await add_rule(request, who, viewer)
        return web.json_response({"rules": [_rule_json(r) for r in await service.rules(viewer)]})

    async def toggle_rule(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        form = await request.form()
        enabled = _form_text(form, "enabled") == "1"
        await service.set_rule_enabled(viewer, int(request.path_params["rule_id"]), enabled)
        return web.redirect(f"{PREFIX}/alerts", notice="rule_updated")

    # -- legal holds --

    async def holds_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        return web.render(request, "compliance/holds.html", {"holds": await service.holds(viewer)})

    async def add_hold(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        form = await request.form()
        await service.add_hold(
            viewer,
            _form_text(form, "kind"),
            _form_text(form, "subject"),
            _form_text(form, "reason"),
        )
        return web.redirect(f"{PREFIX}/holds", notice="hold_added")

    async def release_hold(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        await service.release_hold(viewer, int(request.path_params["hold_id"]))
        return web.redirect(f"{PREFIX}/holds", notice="hold_released")

    # -- audit log (admins) --

    def _entry_json(entry: Any) -> dict[str, Any]:
        return {
            "seq": entry.seq,
            "at_ms": entry.at_ms,
            "actor": entry.actor,
            "action": entry.action,
            "detail": entry.detail_dict(),
            "hash": entry.hash,
        }

    async def audit_page(request: Request, who: web.Principal, viewer: Viewer) -> Response:
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
                "times": {
                    e.seq: datetime.fromtimestamp(e.at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
                    for e in rows
                },
                "verification": verification,
                "older": f"{PREFIX}/audit?before={rows[-1].seq}" if len(rows) == 100 else "",
            },
        )

    async def audit_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        before = request.query_params.get("before", "")
        rows = await service.audit_entries(viewer, before_seq=parse_id(before))
        return web.json_response({"entries": [_entry_json(e) for e in rows]})

    async def audit_verify_api(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        result = await service.audit_verify(viewer)
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

    # -- media --

    async def media(request: Request, who: web.Principal, viewer: Viewer) -> Response:
        path, _ = await service.media_file(viewer, int(request.path_params["media_id"]))
        return FileResponse(path, filename=path.name)

    post = ("POST",)
    return [
        page(f"{PREFIX}/", search_page),
        page(f"{PREFIX}/context/{{message_id:bigint}}", context_page),
        page(f"{PREFIX}/conversation", conversation_page),
        page(f"{PREFIX}/export", export),
        page(f"{PREFIX}/saved", save_search, post),
        page(f"{PREFIX}/saved/{{saved_id:int}}/delete", delete_search, post),
        page(f"{PREFIX}/alerts", alerts_page),
        page(f"{PREFIX}/alerts/{{alert_id:bigint}}/ack", ack, post),
        page(f"{PREFIX}/rules", add_rule, post),
        page(f"{PREFIX}/rules/{{rule_id:int}}/toggle", toggle_rule, post),
        page(f"{PREFIX}/holds", holds_page),
        page(f"{PREFIX}/holds", add_hold, post),
        page(f"{PREFIX}/holds/{{hold_id:int}}/release", release_hold, post),
        page(f"{PREFIX}/audit", audit_page),
        page(f"{PREFIX}/media/{{media_id:bigint}}", media),
        api(f"{PREFIX}/api/search", search_api),
        api(f"{PREFIX}/api/context/{{message_id:bigint}}", context_api),
        api(f"{PREFIX}/api/conversation", conversation_api),
        api(f"{PREFIX}/api/export", export),
        api(f"{PREFIX}/api/saved", saved_api, ("GET", "POST")),
        api(f"{PREFIX}/api/saved/{{saved_id:int}}", saved_delete_api, ("DELETE",)),
        api(f"{PREFIX}/api/alerts", alerts_api),
        api(f"{PREFIX}/api/alerts/{{alert_id:bigint}}/ack", ack, post),
        api(f"{PREFIX}/api/rules", rules_api, ("GET", "POST")),
        api(f"{PREFIX}/api/audit", audit_api),
        api(f"{PREFIX}/api/audit/verify", audit_verify_api),
    ]
