"""The admin console's reads of one tenant's state: what the pages and JSON APIs show.

Every view reads that tenant's rows only (``who.scoped(...)``); secrets never come out:
"set" / "not set", and archive keys by the fingerprint of their public half.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tortoise.functions import Count

from wecom_app import roles
from wecom_app.archive.status import archive_status
from wecom_app.consoles.auth import CALLBACK_PATH, INSTALL_RETURN_PATH
from wecom_app.consoles.i18n import N_
from wecom_app.consoles.web import Principal
from wecom_app.install.disconnect import disconnected_reason
from wecom_app.store import inbox
from wecom_app.store.archive import ArchiveKey, ArchiveSettings
from wecom_app.store.directory import ConsoleRole, SyncRun
from wecom_app.store.models import Corp, Employee, InboxEvent

if TYPE_CHECKING:
    from wecom_app.services import Services

ADMIN = ("admin",)
ANY_ROLE = roles.ROLES
REPLAYABLE = ("failed", "no_handler")
ACTIVE_SYNC = ("queued", "running", "paused")  # a failed run may be resumed ("sync now")
PROGRESS_KEYS = ("departments", "employees", "tags", "relations", "group_chats")
RECENT_EVENTS = 50
SIDEBAR_PATH = "/sidebar/"


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
                "label": N_("Receive messages: URL (接收消息 · URL)"),
                "value": f"{base}/callbacks/corp/{corp.corp_id}",
                "where": N_("App → 接收消息 → 设置API接收"),
            }
        )
    else:
        rows.extend(
            [
                {
                    "label": N_("Command callback URL (指令回调URL)"),
                    "value": f"{base}/callbacks/suite",
                    "where": N_("Provider admin → app → 回调配置"),
                },
                {
                    "label": N_("Data callback URL (数据回调URL)"),
                    "value": f"{base}/callbacks/data",
                    "where": N_("Provider admin → app → 回调配置"),
                },
                {
                    "label": N_("Install redirect URL (安装完成回调)"),
                    "value": base + INSTALL_RETURN_PATH,
                    "where": N_("Provider admin → app → 授权完成回调域名 (the domain)"),
                },
            ]
        )
    rows.extend(
        [
            {
                "label": N_("Trusted domain / OAuth redirect domain (可信域名)"),
                "value": domain,
                "where": N_("App → 网页授权及JS-SDK / 企业微信授权登录"),
            },
            {
                "label": N_("Sign-in redirect URL"),
                "value": base + CALLBACK_PATH,
                "where": N_("used by the console's sign-in (its domain must be trusted)"),
            },
            {
                "label": N_("Chat toolbar page (聊天工具栏)"),
                "value": base + SIDEBAR_PATH,
                "where": N_("App → 配置到聊天工具栏 (single and group chats)"),
            },
            {
                "label": N_("Admin console"),
                "value": f"{base}/console/",
                "where": N_("App → 应用主页 or a bookmark"),
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
        "disconnected_reason": disconnected_reason(corp),
    }
