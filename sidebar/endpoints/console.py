"""The sidebar's page in the admin console: ``/console/sidebar`` (admin role).

What an admin sets for every employee's sidebar, without opening the sidebar itself:

* the tenant's settings — whether successors see the predecessor's archived chats after
  a transfer, how stale a customer may get before WeCom is asked again, the sales
  pipeline and the custom fields (:mod:`sidebar.tenant` validates them);
* the tenant-wide quick replies (话术库), grouped (:mod:`sidebar.replies`);
* WeCom's domain-ownership files ``WW_verify_*.txt`` (:mod:`sidebar.verify_files`),
  served at the site root once uploaded, and the sidebar URLs to enter in WeCom.

Pages are the console's own (:mod:`wecom_app.consoles.web`): its session, CSRF on every
POST, the role checked on every request, the tenant always from the session. The same
:class:`~sidebar.service.SidebarService` as the sidebar's is used, so a change shows in
this process's sidebar at once.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sidebar import replies, tenant, verify_files
from sidebar.site import CONSOLE_TEMPLATE_DIR, Site, sidebar_of
from wecom_app.consoles import audit_trail, web
from wecom_app.consoles.i18n import N_
from wecom_app.consoles.web import Principal
from wecom_app.protocol.digits import is_digits
from wecom_app.store.sidebar import QuickReply

ADMIN = ("admin",)
PAGE = "/console/sidebar"

web.add_template_dir(CONSOLE_TEMPLATE_DIR)
web.add_nav(N_("Sidebar"), PAGE, ADMIN)
web.NOTICES.update(
    {
        "sidebar_saved": N_("Sidebar settings saved."),
        "reply_added": N_("Quick reply added for everyone."),
        "reply_saved": N_("Quick reply saved."),
        "reply_deleted": N_("Quick reply deleted."),
        "verify_uploaded": N_("Verification file uploaded: WeCom can check the domain now."),
        "verify_deleted": N_("Verification file removed."),
    }
)


# -- the text forms of the pipeline and the custom fields ---------------------------------


def pipeline_text(pipeline: tuple[dict[str, str], ...]) -> str:
    return "\n".join(f"{s['key']} {s['name']}" for s in pipeline)


def parse_pipeline(text: str) -> list[dict[str, str]]:
    """One stage a line: ``key name`` (``won 成交``)."""
    stages = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        key, _, name = line.partition(" ")
        if not name.strip():
            raise tenant.SettingsError(f"pipeline line {number}: write the key, a space, the name")
        stages.append({"key": key, "name": name.strip()})
    return stages


def fields_text(fields: tuple[dict[str, Any], ...]) -> str:
    lines = []
    for f in fields:
        parts = [f["key"], f["label"], f["type"]]
        if f["type"] == "select":
            parts.append(", ".join(f["options"]))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_fields(text: str) -> list[dict[str, Any]]:
    """One field a line: ``key | label | type`` and, for ``select``, ``| a, b, c``."""
    fields: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or len(parts) > 4:
            raise tenant.SettingsError(
                f"field line {number}: write key | label | type (| options for select)"
            )
        field: dict[str, Any] = {
            "key": parts[0],
            "label": parts[1],
            "type": parts[2] if len(parts) > 2 and parts[2] else "text",
        }
        if len(parts) == 4:
            field["options"] = [o.strip() for o in parts[3].split(",") if o.strip()]
        fields.append(field)
    return fields


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def sidebar_admin_page(request: Request, who: Principal) -> Response:
    service = sidebar_of(request).service
    public_url = service.config.public_url
    settings = await service.settings_for(who.corp.id)
    shared = (
        await who.scoped(QuickReply)
        .filter(owner_userid="")
        .order_by("group_name", "position", "id")
    )
    return web.render(
        request,
        "sidebar_admin.html",
        {
            "settings": settings,
            "pipeline": pipeline_text(settings.pipeline),
            "fields": fields_text(settings.custom_fields),
            "field_types": tenant.FIELD_TYPES,
            "replies": [replies.render(r) for r in shared],
            "files": await verify_files.listing(who.corp.id),
            "public_url": public_url,
            "sidebar_url": f"{public_url}/sidebar/",
            "preview": await service.preview_enabled(),
        },
    )


async def save_settings(request: Request, who: Principal) -> Response:
    service = sidebar_of(request).service
    form = await request.form()
    refresh = _text(form, "refresh_minutes").strip()
    data: dict[str, Any] = {
        "successor_view": form.get("successor_view") == "on",
        "refresh_minutes": int(refresh) if is_digits(refresh) else refresh,
    }
    try:
        data["pipeline"] = parse_pipeline(_text(form, "pipeline"))
        data["custom_fields"] = parse_fields(_text(form, "custom_fields"))
        updated = tenant.validate(data, await service.settings_for(who.corp.id))
    except tenant.SettingsError as exc:
        raise web.BadRequest(str(exc)) from None
    await service.tenant_settings.save(who.corp.id, updated)
    detail = {"successor_view": data["successor_view"], "refresh_minutes": data["refresh_minutes"]}
    await audit_trail.privilege_change(request, who, audit_trail.SIDEBAR_SETTINGS, detail)
    return web.redirect(PAGE, notice="sidebar_saved")


def _reply_fields(form: Any) -> dict[str, str]:
    return {k: _text(form, k) for k in ("group", "title", "content")}


async def add_reply(request: Request, who: Principal) -> Response:
    form = await request.form()
    try:
        await replies.create(who.corp.id, "", who.userid, _reply_fields(form))
    except replies.ReplyError as exc:
        raise web.BadRequest(str(exc)) from None
    return web.redirect(PAGE, notice="reply_added")


async def reply_action(request: Request, who: Principal) -> Response:
    reply_id = int(request.path_params["reply_id"])
    action = request.path_params["action"]
    if action == "delete":
        if not await replies.delete(who.corp.id, "", reply_id):
            raise web.NotFound("no such quick reply")
        return web.redirect(PAGE, notice="reply_deleted")
    if action == "edit":
        form = await request.form()
        try:
            found = await replies.update(who.corp.id, "", reply_id, _reply_fields(form))
        except replies.ReplyError as exc:
            raise web.BadRequest(str(exc)) from None
        if found is None:
            raise web.NotFound("no such quick reply")
        return web.redirect(PAGE, notice="reply_saved")
    raise web.NotFound("no such action")


async def upload_file(request: Request, who: Principal) -> Response:
    form = await request.form(max_files=4, max_fields=500)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(verify_files.MAX_CONTENT + 1)
        filename, content = upload.filename, raw.decode("ascii", "replace")
    else:
        filename, content = _text(form, "filename").strip(), _text(form, "content")
    try:
        await verify_files.upload(who.corp.id, who.userid, filename, content)
    except verify_files.VerifyFileError as exc:
        raise web.BadRequest(str(exc)) from None
    return web.redirect(PAGE, notice="verify_uploaded")


async def delete_file(request: Request, who: Principal) -> Response:
    form = await request.form()
    if not await verify_files.delete(who.corp.id, _text(form, "filename")):
        raise web.NotFound("no such verification file")
    return web.redirect(PAGE, notice="verify_deleted")


def routes(site: Site) -> list[BaseRoute]:
    console = web.console(site.services)
    page, bound = console.page, site.bound
    return [
        page(PAGE, bound(sidebar_admin_page), roles=ADMIN),
        page(f"{PAGE}/settings", bound(save_settings), roles=ADMIN, methods=["POST"]),
        page(f"{PAGE}/replies", bound(add_reply), roles=ADMIN, methods=["POST"]),
        page(
            f"{PAGE}/replies/{{reply_id:int}}/{{action}}",
            bound(reply_action),
            roles=ADMIN,
            methods=["POST"],
        ),
        page(f"{PAGE}/verify-files", bound(upload_file), roles=ADMIN, methods=["POST"]),
        page(f"{PAGE}/verify-files/delete", bound(delete_file), roles=ADMIN, methods=["POST"]),
    ]
