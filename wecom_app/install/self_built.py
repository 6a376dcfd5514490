"""Self-built (single-org) registration: an org that runs us as its own app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wecom_app import sync, tenants
from wecom_app.config import SelfBuiltApp
from wecom_app.install.credentials import drop_tokens
from wecom_app.install.disconnect import without_disconnection
from wecom_app.install.errors import InstallError
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp
from wecom_app.wecom import CorpTokenProvider, WeComError

if TYPE_CHECKING:
    from wecom_app.services import Services


async def register_self_built_org(
    services: Services, app: SelfBuiltApp, *, admin_userids: list[str], verify: bool = True
) -> Corp:
    """Make an org's self-built app a tenant (secrets sealed) and queue its first sync.

    ``verify`` first asks WeCom for a token with the secret, so a wrong secret is
    reported here (:class:`InstallError`) instead of failing the sync later.
    """
    if verify:
        probe = CorpTokenProvider(
            services.wecom.client,
            services.kv_store,
            services.secrets,
            corp_id=app.corp_id,
            corp_secret=app.corp_secret,
        )
        await services.kv_store.delete(probe.cache_key)
        try:
            await probe.get()
        except WeComError as exc:
            raise InstallError(f"WeCom refused the app secret: {exc.explanation}") from exc
    await drop_tokens(services, app.corp_id)
    corp = await tenants.register_self_built(app, services.secrets)
    if corp.status == "disconnected":
        corp.status = "active"
        corp.auth_info = without_disconnection(corp.auth_info)
        await corp.save(update_fields=["status", "auth_info", "updated_at"])
    for userid in dict.fromkeys(u for u in admin_userids if u):
        await ConsoleRole.get_or_create(
            corp=corp, userid=userid, role="admin", defaults={"granted_by": "register"}
        )
    services.tenant_changed(app.corp_id)
    await sync.start_full_sync(services, corp.corp_id, reason="register")
    return corp
