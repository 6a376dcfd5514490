"""A tenant whose credentials WeCom rejected: marked disconnected, with the reason kept
for the admin console.

Kept apart from the flows that start syncs, so the sync runner (which finds out that
credentials stopped working) can use it without an import cycle."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from wecom_app.store.models import Corp

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)


async def mark_disconnected(
    services: Services, corp_id: str, reason: str, *, errcode: int | None = None
) -> None:
    """WeCom rejected the tenant's credentials: stop using them and tell the admin why.

    The reason is kept in ``corp.auth_info["disconnected_reason"]`` (with ``_at`` and
    ``_errcode``) for the admin console; :func:`.lifecycle.reconnect` or a new install clears it.
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        return
    corp.status = "disconnected"
    corp.auth_info = {
        **(corp.auth_info or {}),
        "disconnected_reason": reason,
        "disconnected_at": services.clock(),
        "disconnected_errcode": errcode,
    }
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    services.wecom.forget(corp_id)
    log.warning("corp %s disconnected: %s", corp_id, reason)


def disconnected_reason(corp: Corp) -> str:
    """Why WeCom stopped accepting this tenant's credentials ("" when it did not)."""
    if corp.status != "disconnected":
        return ""
    reason = (corp.auth_info or {}).get("disconnected_reason")
    return str(reason) if reason else "WeCom rejected the app's credentials"


def without_disconnection(info: dict[str, Any] | None) -> dict[str, Any]:
    """``auth_info`` with the disconnection notes dropped (the credentials work again)."""
    return {k: v for k, v in (info or {}).items() if not k.startswith("disconnected")}
