"""The admin console: tenant status and install, the self-built app's settings, sync,
callback inbox health, chat-archive keys, roles, and the URLs to enter in WeCom.

Every page is for the signed-in admin of one tenant and reads and writes that tenant's
rows only (``who.scoped(...)``); nothing here takes a corp id from the URL or a form.
Secrets go in and never come out: forms show "set" / "not set", archive keys show the
fingerprint of their public half.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from tortoise.functions import Count

from callbacks import inbox
from wecom_app import install, roles, sync
from wecom_app.archive import keys as archive_keys
from wecom_app.archive.runtime import runtime_for
from wecom_app.archive.status import archive_status
from wecom_app.config import SelfBuiltApp
from wecom_app.consoles import auth, web
from wecom_app.consoles.web import Principal
from wecom_app.protocol.archive.errors import PrivateKeyError
from wecom_app.protocol.crypto import decode_aes_key
from wecom_app.protocol.digits import INT32_MAX, is_digits, parse_id
from wecom_app.protocol.errors import AesKeyError
from wecom_app.store.archive import ArchiveKey, ArchiveSettings
from wecom_app.store.directory import ConsoleRole, Department, SyncRun
from wecom_app.store.models import Corp, Employee, InboxEvent
from wecom_app.wecom import WeComError
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

ADMIN = ("admin",)
ANY_ROLE = roles.ROLES
REPLAYABLE = ("failed", "no_handler")
ACTIVE_SYNC = ("queued", "running", "paused")  # a failed run may be resumed ("sync now")
PROGRESS_KEYS = ("departments", "employees", "tags", "relations", "group_chats")
RECENT_EVENTS = 50
MAX_RETENTION_DAYS = 36500
SIDEBAR_PATH = "/sidebar/"

web.NOTICES.update(
    {
        "sync_started": "Sync started.",
        "sync_busy": "A sync is already under way.",
        "replayed": "Events queued to be applied again.",
        "nothing_replayed": "No event to replay.",
        "role_granted": "Role granted.",
        "role_updated": "Role scope updated.",
        "role_revoked": "Role revoked.",
        "key_saved": "Private key stored.",
        "archive_saved": "Archive settings saved.",
        "app_saved": "App settings saved.",
        "reconnected": "WeCom accepts the credentials again.",
    }
)

for _label, _path, _roles in (
    ("Overview", "/console/", ANY_ROLE),
    ("Sync", "/console/sync", ADMIN),
    ("Callbacks", "/console/inbox", ADMIN),
    ("Archive", "/console/archive", ADMIN),
    ("Roles", "/console/roles", ADMIN),
    ("App settings", "/console/settings", ADMIN),
    ("WeCom setup", "/console/setup", ADMIN),
):
    web.add_nav(_label, _path, _roles)


# -- reading the tenant's state (also the JSON APIs) -----------------------------------


def _when(value: datetime | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        if not value:
            return ""
        value = datetime.fromtimestamp(value, tz=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def sync_view(run: SyncRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    counts = run.counts if isinstance(run.counts, dict) else {}
    # total_hint is the previous complete run's item count over these keys (the sync's
    # own estimate), so progress sums the same ones; other counts are only shown.
    done = sum(int(counts.get(k, 0) or 0) for k in PROGRESS_KEYS)
    percent = min(99, round(100 * done / run.total_hint)) if run.total_hint else None
    if run.status == "done":
        percent = 100
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "stage": run.stage,
        "counts": dict(run.counts or {}),
        "total_hint": run.total_hint,
        "done": done,
        "percent": percent,
        "error": run.error,
        "active": run.status in ACTIVE_SYNC,
        "started_at": _when(run.started_at),
        "updated_at": _when(run.updated_at),
        "finished_at": _when(run.finished_at),
    }


async def latest_sync(who: Principal) -> SyncRun | None:
    return await who.scoped(SyncRun).order_by("-id").first()


async def inbox_view(who: Principal) -> dict[str, Any]:
    rows = (
        await who.scoped(InboxEvent)
        .annotate(n=Count("id"))
        .group_by("status")
        .values("status", "n")
    )
    counts = {status: 0 for status in inbox.STATUSES}
    for row in rows:
        counts[str(row["status"])] = int(row["n"])
    recent = (
        await who.scoped(InboxEvent)
        .filter(status__in=REPLAYABLE)
        .order_by("-id")
        .limit(RECENT_EVENTS)
    )
    return {
        "counts": counts,
        "backlog": counts.get("pending", 0) + counts.get("processing", 0),
        "problems": [
            {
                "id": event.id,
                "name": event.name,
                "change_type": event.change_type,
                "status": event.status,
                "attempts": event.attempts,
                "last_error": event.last_error[:500],
                "received_at": _when(event.received_at),
            }
            for event in recent
        ],
    }


async def archive_view(who: Principal) -> dict[str, Any]:
    settings_row = await who.scoped(ArchiveSettings).first()
    keys = await who.scoped(ArchiveKey).order_by("version")
    # Where the pull stands: last error (10010 and friends), messages parked for a key
    # version we lack, failed ones, media; the page says what the admin must do.
    current = await archive_status(who.corp.pk)
    status = {**current.as_dict(), "last_pull_at": _when(current.last_pull_at)}
    return {
        "status": status,
        "secret_set": bool(settings_row and settings_row.secret_sealed),
        "enabled": bool(settings_row and settings_row.enabled),
        "retention_days": settings_row.retention_days if settings_row else 0,
        "keys": [
            {"version": k.version, "fingerprint": k.fingerprint, "created_at": _when(k.created_at)}
            for k in keys
        ],
    }


@dataclass(frozen=True)
class RoleRow:
    id: int | None
    userid: str
    name: str
    role: str
    scope: dict[str, list[str]]
    granted_by: str
    revocable: bool


async def roles_view(services: Services, who: Principal) -> list[RoleRow]:
    names = {e.userid: e.name for e in await who.scoped(Employee).only("id", "userid", "name")}
    rows: list[RoleRow] = []
    install_admins = roles.org_admins(services.settings, who.corp)
    source = "WECOM_ADMIN_USERIDS" if who.corp.mode == "self_built" else "install"
    for userid in sorted(install_admins):
        rows.append(
            RoleRow(None, userid, names.get(userid, ""), "admin", {}, source, revocable=False)
        )
    for role in await who.scoped(ConsoleRole).order_by("role", "userid"):
        if role.role == "admin" and role.userid in install_admins:
            continue
        scope = role.scope if isinstance(role.scope, dict) else {}
        rows.append(
            RoleRow(
                role.id,
                role.userid,
                names.get(role.userid, ""),
                role.role,
                {k: [str(x) for x in v] for k, v in scope.items() if isinstance(v, list)},
                role.granted_by,
                revocable=role.role in roles.GRANTABLE_ROLES,
            )
        )
    return rows


def setup_urls(services: Services, corp: Corp) -> list[dict[str, str]]:
    base = services.settings.public_url
    domain = urlsplit(base).netloc
    rows: list[dict[str, str]] = []
    if corp.mode == "self_built":
        rows.append(
            {
                "label": "Receive messages: URL (接收消息 · URL)",
                "value": f"{base}/callbacks/corp/{corp.corp_id}",
                "where": "App → 接收消息 → 设置API接收",
            }
        )
    else:
        rows.extend(
            [
                {
                    "label": "Command callback URL (指令回调URL)",
                    "value": f"{base}/callbacks/suite",
                    "where": "Provider admin → app → 回调配置",
                },
                {
                    "label": "Data callback URL (数据回调URL)",
                    "value": f"{base}/callbacks/data",
                    "where": "Provider admin → app → 回调配置",
                },
                {
                    "label": "Install redirect URL (安装完成回调)",
                    "value": base + auth.INSTALL_RETURN_PATH,
                    "where": "Provider admin → app → 授权完成回调域名 (the domain)",
                },
            ]
        )
    rows.extend(
        [
            {
                "label": "Trusted domain / OAuth redirect domain (可信域名)",
                "value": domain,
                "where": "App → 网页授权及JS-SDK / 企业微信授权登录",
            },
            {
                "label": "Sign-in redirect URL",
                "value": base + auth.CALLBACK_PATH,
                "where": "used by the console's sign-in (its domain must be trusted)",
            },
            {
                "label": "Chat toolbar page (聊天工具栏)",
                "value": base + SIDEBAR_PATH,
                "where": "App → 配置到聊天工具栏 (single and group chats)",
            },
            {
                "label": "Admin console",
                "value": f"{base}/console/",
                "where": "App → 应用主页 or a bookmark",
            },
        ]
    )
    return rows


def tenant_view(services: Services, corp: Corp) -> dict[str, Any]:
    settings = services.settings
    return {
        "corp_id": corp.corp_id,
        "name": corp.name,
        "mode": corp.mode,
        "status": corp.status,
        "agent_id": corp.agent_id,
        "secret_set": bool(corp.secret_sealed),
        "callback_set": bool(corp.callback_token_sealed and corp.callback_aes_key_sealed),
        "installed_at": _when(corp.created_at),
        "from_environment": corp.mode == "self_built"
        and settings.self_built is not None
        and settings.self_built.corp_id == corp.corp_id,
        "suite": settings.suite is not None and corp.mode == "suite",
        "disconnected_reason": install.disconnected_reason(corp),
    }


# -- forms -----------------------------------------------------------------------------


def _text(form: FormData, name: str, limit: int = 4096) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:limit]


def _list(form: FormData, name: str) -> list[str]:
    """A multi-value field, or a comma/space separated text field."""
    values: list[str] = []
    for item in form.getlist(name):
        if isinstance(item, str):
            values.extend(part for part in item.replace(",", " ").split() if part)
    return list(dict.fromkeys(values))


async def _pem(form: FormData) -> str:
    pasted = _text(form, "pem", 64 * 1024)
    if pasted:
        return pasted
    upload = form.get("pem_file")
    if isinstance(upload, UploadFile):
        raw = await upload.read(64 * 1024 + 1)
        if len(raw) > 64 * 1024:
            raise PrivateKeyError("the file is too large to be a private key")
        return raw.decode("utf-8", errors="replace")
    return ""


# -- routes ----------------------------------------------------------------------------


def routes(services: Services) -> list[BaseRoute]:
    site = web.console(services)
    box = services.secrets

    async def home(request: Request, who: Principal) -> Response:
        context: dict[str, Any] = {"tenant": tenant_view(services, who.corp)}
        if who.has("admin"):
            context["sync"] = sync_view(await latest_sync(who))
            context["inbox"] = await inbox_view(who)
            context["archive"] = await archive_view(who)
        return web.render(request, "home.html", context)

    async def tenant_page(request: Request, who: Principal) -> Response:
        return web.render(request, "tenant.html", {"tenant": tenant_view(services, who.corp)})

    async def tenant_reconnect(request: Request, who: Principal) -> Response:
        try:
            await install.reconnect(services, who.corp_id)
        except install.InstallError as exc:
            return web.render(
                request,
                "tenant.html",
                {"tenant": tenant_view(services, who.corp), "error": str(exc)},
                status_code=400,
            )
        log.info("console: %s reconnected %s", who.userid, who.corp_id)
        return web.redirect("/console/tenant", notice="reconnected")

    # -- self-built app settings --

    async def settings_page(request: Request, who: Principal) -> Response:
        return web.render(
            request, "settings.html", {"tenant": tenant_view(services, who.corp), "form": {}}
        )

    async def settings_save(request: Request, who: Principal) -> Response:
        corp = who.corp
        if corp.mode != "self_built":
            raise web.BadRequest("This organisation uses the third-party app: nothing to set.")
        form = await request.form()
        agent_id = _text(form, "agent_id", 32)
        secret = _text(form, "secret", 256)
        token = _text(form, "callback_token", 256)
        aes_key = _text(form, "callback_aes_key", 256)
        problems: list[str] = []
        if not is_digits(agent_id):
            problems.append("The agent id is a number (应用 AgentId).")
        if aes_key:
            try:
                decode_aes_key(aes_key)
            except AesKeyError as exc:
                problems.append(f"EncodingAESKey: {exc}")
        if token and not (3 <= len(token) <= 32 and token.isalnum()):
            problems.append("The callback token is 3–32 letters and digits.")
        if not secret and not corp.secret_sealed:
            problems.append("The app secret is required.")
        if (not token and not corp.callback_token_sealed) or (
            not aes_key and not corp.callback_aes_key_sealed
        ):
            problems.append("The callback token and EncodingAESKey are required.")
        if problems:
            return web.render(
                request,
                "settings.html",
                {
                    "tenant": tenant_view(services, corp),
                    "form": {"agent_id": agent_id},
                    "error": " ".join(problems),
                },
                status_code=400,
            )
        app = SelfBuiltApp(
            corp_id=corp.corp_id,
            corp_secret=secret or box.open(corp.secret_sealed, "corp.secret"),
            agent_id=agent_id,
            callback_token=token or box.open(corp.callback_token_sealed, "corp.callback_token"),
            callback_aes_key=aes_key
            or box.open(corp.callback_aes_key_sealed, "corp.callback_aes_key"),
        )
        try:
            # A new secret is checked with WeCom before it is stored (a wrong one is
            # caught here, not by the next sync); the callback receiver and the token
            # cache drop the old credentials.
            await install.register_self_built_org(
                services, app, admin_userids=[], verify=bool(secret)
            )
        except install.InstallError as exc:
            return web.render(
                request,
                "settings.html",
                {
                    "tenant": tenant_view(services, corp),
                    "form": {"agent_id": agent_id},
                    "error": str(exc),
                },
                status_code=400,
            )
        log.info("console: %s updated the self-built app settings of %s", who.userid, who.corp_id)
        return web.redirect("/console/settings", notice="app_saved")

    # -- sync --

    async def sync_page(request: Request, who: Principal) -> Response:
        return web.render(request, "sync.html", {"sync": sync_view(await latest_sync(who))})

    async def sync_api(request: Request, who: Principal) -> Response:
        return web.json_response({"sync": sync_view(await latest_sync(who))})

    async def sync_start(request: Request, who: Principal) -> Response:
        latest = await latest_sync(who)
        if latest is not None and latest.status in ACTIVE_SYNC:
            return web.redirect("/console/sync", notice="sync_busy")
        try:
            await sync.start_full_sync(services, who.corp_id, reason=f"console:{who.userid}")
        except (WeComError, NoAccess) as exc:
            log.warning("console: sync of %s could not start: %s", who.corp_id, exc)
            raise web.Unavailable("The sync could not start; try again later.") from None
        log.info("console: %s started a full sync of %s", who.userid, who.corp_id)
        return web.redirect("/console/sync", notice="sync_started")

    # -- callback inbox --

    async def inbox_page(request: Request, who: Principal) -> Response:
        return web.render(request, "inbox.html", {"inbox": await inbox_view(who)})

    async def inbox_api(request: Request, who: Principal) -> Response:
        return web.json_response(await inbox_view(who))

    async def _replay(who: Principal, ids: list[int], every_failed: bool) -> int:
        query = who.scoped(InboxEvent)
        if every_failed:
            query = query.filter(status="failed")
        else:
            query = query.filter(id__in=ids, status__in=REPLAYABLE)
        # Only ids of this tenant reach replay(): an id of another tenant is dropped here.
        mine = [int(row["id"]) for row in await query.values("id")]
        replayed = 0
        for start in range(0, len(mine), 500):
            replayed += await inbox.replay(mine[start : start + 500], now=services.clock())
        if replayed and services.worker is not None:
            services.worker.wake()
        if replayed:
            log.info(
                "console: %s replayed %d inbox events of %s", who.userid, replayed, who.corp_id
            )
        return replayed

    async def inbox_replay(request: Request, who: Principal) -> Response:
        form = await request.form()
        ids = [i for i in map(parse_id, _list(form, "ids")) if i is not None][:1000]
        every_failed = _text(form, "all_failed") in ("1", "on")
        replayed = await _replay(who, ids, every_failed)
        return web.redirect("/console/inbox", notice="replayed" if replayed else "nothing_replayed")

    async def inbox_replay_api(request: Request, who: Principal) -> Response:
        body = await web.json_body(request)
        raw_ids = body.get("ids", [])
        ids = [i for i in raw_ids if isinstance(i, int)][:1000] if isinstance(raw_ids, list) else []
        replayed = await _replay(who, ids, body.get("all_failed") is True)
        return web.json_response({"replayed": replayed})

    # -- archive --

    async def archive_page(request: Request, who: Principal) -> Response:
        return web.render(request, "archive.html", {"archive": await archive_view(who)})

    async def archive_api(request: Request, who: Principal) -> Response:
        return web.json_response(await archive_view(who))

    async def _archive_error(request: Request, who: Principal, message: str) -> Response:
        return web.render(
            request,
            "archive.html",
            {"archive": await archive_view(who), "error": message},
            status_code=400,
        )

    async def archive_settings_save(request: Request, who: Principal) -> Response:
        form = await request.form()
        secret = _text(form, "secret", 256)
        retention = _text(form, "retention_days", 8) or "0"
        if not is_digits(retention) or int(retention) > MAX_RETENTION_DAYS:
            return await _archive_error(
                request, who, f"Retention is a number of days, 0 (forever) to {MAX_RETENTION_DAYS}."
            )
        row = await who.scoped(ArchiveSettings).first()
        if row is None:
            row = ArchiveSettings(corp=who.corp)
        if secret:
            row.secret_sealed = box.seal(secret, archive_keys.SECRET_PURPOSE)
        row.enabled = _text(form, "enabled") in ("1", "on")
        row.retention_days = int(retention)
        if row.enabled and not row.secret_sealed:
            return await _archive_error(request, who, "Set the archive secret before enabling.")
        await row.save()
        log.info("console: %s saved archive settings of %s", who.userid, who.corp_id)
        return web.redirect("/console/archive", notice="archive_saved")

    async def archive_key_upload(request: Request, who: Principal) -> Response:
        form = await request.form()
        version = _text(form, "version", 10)
        if not is_digits(version):
            return await _archive_error(
                request, who, "The version is WeCom's publickey_ver, a whole number."
            )
        password = _text(form, "password", 1024)
        try:
            info = await archive_keys.add_key(
                who.corp,
                int(version),
                await _pem(form),
                box,
                password=password.encode() if password else None,
                replace=_text(form, "replace") in ("1", "on"),
            )
        except PrivateKeyError as exc:
            return await _archive_error(request, who, f"The private key was not stored: {exc}.")
        except archive_keys.KeyConflict as exc:
            return await _archive_error(
                request, who, f"{exc}: tick “replace” to store the new key for this version."
            )
        log.info(
            "console: %s stored archive key version %s of %s (sha256 %s)",
            who.userid,
            info.version,
            who.corp_id,
            info.fingerprint[:16],
        )
        # Messages parked for this version are decoded now, in the background.
        runtime_for(services).request_retry(who.corp)
        return web.redirect("/console/archive", notice="key_saved")

    # -- roles --

    async def _roles_page(
        request: Request, who: Principal, error: str = "", status_code: int = 200
    ) -> Response:
        employees = await who.scoped(Employee).exclude(status="resigned").order_by("userid")
        departments = await who.scoped(Department).order_by("dept_id")
        return web.render(
            request,
            "roles.html",
            {
                "roles": await roles_view(services, who),
                "employees": employees,
                "departments": departments,
                "grantable": roles.GRANTABLE_ROLES,
                "error": error,
            },
            status_code=status_code,
        )

    async def roles_page(request: Request, who: Principal) -> Response:
        return await _roles_page(request, who)

    async def roles_api(request: Request, who: Principal) -> Response:
        rows = await roles_view(services, who)
        return web.json_response(
            {
                "roles": [
                    {
                        "id": r.id,
                        "userid": r.userid,
                        "name": r.name,
                        "role": r.role,
                        "scope": r.scope,
                        "granted_by": r.granted_by,
                        "revocable": r.revocable,
                    }
                    for r in rows
                ]
            }
        )

    async def role_grant(request: Request, who: Principal) -> Response:
        form = await request.form()
        userid = _text(form, "userid", 64)
        role = _text(form, "role", 16)
        if role not in roles.GRANTABLE_ROLES:
            return await _roles_page(request, who, "Admins can grant compliance or manager.", 400)
        employee = (
            await who.scoped(Employee).filter(userid=userid).exclude(status="resigned").first()
        )
        if employee is None:
            return await _roles_page(
                request, who, "That member is not in this organisation's directory (sync it?).", 400
            )
        scope: dict[str, list[str]] = {}
        if role == "manager":
            departments = _list(form, "departments")
            userids = _list(form, "scope_userids")
            wanted_depts = [int(d) for d in departments if is_digits(d)]
            dept_rows = (
                await who.scoped(Department).filter(dept_id__in=wanted_depts).values("dept_id")
            )
            known_depts = {str(row["dept_id"]) for row in dept_rows}
            user_rows = await who.scoped(Employee).filter(userid__in=userids).values("userid")
            known_users = {str(row["userid"]) for row in user_rows}
            unknown = [d for d in departments if d not in known_depts] + [
                u for u in userids if u not in known_users
            ]
            if unknown:
                return await _roles_page(
                    request, who, f"Not in this organisation: {', '.join(unknown[:10])}.", 400
                )
            if not departments and not userids:
                return await _roles_page(
                    request, who, "A manager needs a scope: departments and/or members.", 400
                )
            scope = {"departments": departments, "userids": userids}
        existing = await who.scoped(ConsoleRole).filter(userid=userid, role=role).first()
        if existing is not None:
            existing.scope = scope
            existing.granted_by = who.userid
            await existing.save()
            notice = "role_updated"
        else:
            await ConsoleRole.create(
                corp=who.corp, userid=userid, role=role, scope=scope, granted_by=who.userid
            )
            notice = "role_granted"
        log.info("console: %s granted %s to %s in %s", who.userid, role, userid, who.corp_id)
        return web.redirect("/console/roles", notice=notice)

    async def role_revoke(request: Request, who: Principal) -> Response:
        raw = request.path_params.get("role_id", "")
        role_id = parse_id(raw, max_value=INT32_MAX)  # console_roles.id is a SERIAL
        role = None
        if role_id is not None:
            role = await who.scoped(ConsoleRole).filter(id=role_id).first()
        if role is None or role.role not in roles.GRANTABLE_ROLES:
            raise web.NotFound("No such role in this organisation.")
        await role.delete()
        log.info(
            "console: %s revoked %s of %s in %s", who.userid, role.role, role.userid, who.corp_id
        )
        return web.redirect("/console/roles", notice="role_revoked")

    # -- WeCom admin set-up --

    async def setup_page(request: Request, who: Principal) -> Response:
        return web.render(
            request,
            "setup.html",
            {"urls": setup_urls(services, who.corp), "tenant": tenant_view(services, who.corp)},
        )

    async def me_api(request: Request, who: Principal) -> Response:
        return web.json_response(
            {
                "corp_id": who.corp_id,
                "corp_name": who.corp.name,
                "userid": who.userid,
                "name": who.name,
                "roles": sorted(who.roles),
            }
        )

    async def tenant_api(request: Request, who: Principal) -> Response:
        return web.json_response(
            {"tenant": tenant_view(services, who.corp), "urls": setup_urls(services, who.corp)}
        )

    return [
        *auth.routes(services),
        web.static_mount(),
        site.page("/console/", home, roles=ANY_ROLE),
        site.page("/console/tenant", tenant_page, roles=ADMIN),
        site.page("/console/tenant/reconnect", tenant_reconnect, roles=ADMIN, methods=["POST"]),
        site.page("/console/settings", settings_page, roles=ADMIN),
        site.page("/console/settings", settings_save, roles=ADMIN, methods=["POST"]),
        site.page("/console/sync", sync_page, roles=ADMIN),
        site.page("/console/sync", sync_start, roles=ADMIN, methods=["POST"]),
        site.page("/console/inbox", inbox_page, roles=ADMIN),
        site.page("/console/inbox/replay", inbox_replay, roles=ADMIN, methods=["POST"]),
        site.page("/console/archive", archive_page, roles=ADMIN),
        site.page(
            "/console/archive/settings", archive_settings_save, roles=ADMIN, methods=["POST"]
        ),
        site.page("/console/archive/keys", archive_key_upload, roles=ADMIN, methods=["POST"]),
        site.page("/console/roles", roles_page, roles=ADMIN),
        site.page("/console/roles", role_grant, roles=ADMIN, methods=["POST"]),
        site.page("/console/roles/{role_id}/revoke", role_revoke, roles=ADMIN, methods=["POST"]),
        site.page("/console/setup", setup_page, roles=ADMIN),
        site.api("/console/api/me", me_api, roles=web.SIGNED_IN),
        site.api("/console/api/tenant", tenant_api, roles=ADMIN),
        site.api("/console/api/sync", sync_api, roles=ADMIN),
        site.api("/console/api/inbox", inbox_api, roles=ADMIN),
        site.api("/console/api/inbox/replay", inbox_replay_api, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/archive", archive_api, roles=ADMIN),
        site.api("/console/api/roles", roles_api, roles=ADMIN),
    ]
