"""Privilege changes made in the consoles go into the tenant's append-only audit log
(:func:`wecom_app.search.audit.record`, the same chain as searches and exports): role
grants, scope changes and revocations, app / archive / transfer / sidebar settings,
retention and key uploads. Who (the signed-in userid), when (the entry's time) and what
(``action`` and ``detail``); secrets are never part of the detail, only whether one
changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from wecom_app.consoles import web
from wecom_app.consoles.client import client_of
from wecom_app.consoles.principal import Principal
from wecom_app.search import audit

ROLE_GRANT = "role_grant"
ROLE_SCOPE = "role_scope_change"
ROLE_REVOKE = "role_revoke"
APP_SETTINGS = "app_settings_change"
ARCHIVE_SETTINGS = "archive_settings_change"
RETENTION = "retention_change"
KEY_UPLOAD = "archive_key_upload"
TRANSFER_SETTINGS = "transfer_settings_change"
SIDEBAR_SETTINGS = "sidebar_settings_change"


async def privilege_change(
    request: Request, who: Principal, action: str, detail: Mapping[str, Any]
) -> None:
    """Append one entry for ``who``'s change to their tenant's audit chain, with the client."""
    key = audit.AuditKey.of(web.services_of(request).settings)
    entry = dict(detail) | {"client": dict(client_of(request))}
    await audit.record(who.corp.pk, who.userid, action, entry, key=key)
