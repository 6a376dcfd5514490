"""A tenant's credentials around an install: the sealing purpose of its permanent code,
and dropping the cached corp tokens when the credentials change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

PERMANENT_CODE_PURPOSE = "corp.permanent_code"


async def drop_tokens(services: Services, corp_id: str) -> None:
    """Forget the corp's token provider here and its cached token everywhere (KV)."""
    provider = None
    try:
        provider = await services.wecom.corp_tokens(corp_id)
    except NoAccess:
        provider = None
    services.wecom.forget(corp_id)
    key = getattr(provider, "cache_key", None)
    if isinstance(key, str):
        await services.kv_store.delete(key)
