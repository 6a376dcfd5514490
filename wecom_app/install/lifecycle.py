"""After the install: WeCom's ``change_auth`` and ``cancel_auth``, and reconnecting a
tenant whose credentials work again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wecom_app import sync
from wecom_app.install.credentials import PERMANENT_CODE_PURPOSE, drop_tokens
from wecom_app.install.disconnect import mark_disconnected, without_disconnection
from wecom_app.install.errors import InstallError
from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp
from wecom_app.sync.state import UNFINISHED
from wecom_app.wecom import AuthCancelled, InvalidCredential
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)


async def refresh_auth_info(services: Services, corp_id: str) -> Corp | None:
    """``change_auth``: re-read what the corp authorised, and queue a sync (the visible
    range may have changed). None when the corp is not an installed tenant."""
    corp = await Corp.filter(corp_id=corp_id, mode="suite").first()
    if corp is None or corp.status == "cancelled":
        return None
    code = services.secrets.open(corp.permanent_code_sealed, PERMANENT_CODE_PURPOSE)
    try:
        info = await services.wecom.service_api().get_auth_info(corp_id, code)
    except AuthCancelled as exc:
        await mark_disconnected(services, corp_id, exc.explanation, errcode=exc.errcode)
        return await Corp.get(corp_id=corp_id)
    corp.name = info.auth_corp_info.corp_name or corp.name
    if info.agents:
        corp.agent_id = str(info.agents[0].agentid)
    corp.auth_info = {
        **(corp.auth_info or {}),
        "auth_corp_info": info.auth_corp_info.raw,
        "auth_info": info.raw.get("auth_info", {}),
        "auth_changed_at": services.clock(),
    }
    await corp.save(update_fields=["name", "agent_id", "auth_info", "updated_at"])
    await sync.start_full_sync(services, corp_id, reason="change_auth")
    return corp


async def cancel_install(services: Services, corp_id: str, *, at: int = 0) -> Corp | None:
    """``cancel_auth``: the tenant is cancelled, its syncs stop, its tokens are gone.

    ``at`` is WeCom's time of the cancel: one older than the corp's latest install (a
    late retry after a re-install) changes nothing. Callbacks for a cancelled tenant
    are skipped from now on. Its data stays (retention is another feature's policy).
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        return corp
    installed_at = float((corp.auth_info or {}).get("installed_at", 0) or 0)
    if at and installed_at and at < installed_at:
        log.info("cancel_auth of %s is older than its latest install; ignored", corp_id)
        return corp
    await drop_tokens(services, corp_id)
    corp.status = "cancelled"
    corp.auth_info = {**(corp.auth_info or {}), "cancelled_at": at or services.clock()}
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).update(
        status="cancelled",
        error="the tenant cancelled the authorisation",
        finished_at=datetime.now(UTC),
    )
    services.tenant_changed(corp_id)
    log.info("corp %s cancelled the authorisation", corp_id)
    return corp


async def reconnect(services: Services, corp_id: str) -> Corp:
    """Try the stored credentials again (the admin fixed something); active if they work."""
    corp = await Corp.get(corp_id=corp_id)
    if corp.status == "cancelled":
        raise InstallError("the app was uninstalled: install it again")
    await drop_tokens(services, corp_id)
    try:
        provider = await services.wecom.corp_tokens(corp_id)
        await provider.get()
    except (AuthCancelled, InvalidCredential) as exc:
        await mark_disconnected(services, corp_id, exc.explanation, errcode=exc.errcode)
        raise InstallError(f"WeCom still refuses: {exc.explanation}") from exc
    except NoAccess as exc:
        raise InstallError(str(exc)) from exc
    corp.status = "active"
    corp.auth_info = without_disconnection(corp.auth_info)
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    await sync.start_full_sync(services, corp_id, reason="reconnect")
    return corp
