"""Tenants (corps): lookup, self-built registration, sealed credentials, suite tickets."""

from __future__ import annotations

from dataclasses import dataclass

from wecom_app.config import SelfBuiltApp
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.store.models import Corp, SuiteTicket


@dataclass(frozen=True)
class CallbackCredentials:
    token: str
    aes_key: str


async def register_self_built(app: SelfBuiltApp, box: SecretBox, name: str = "") -> Corp:
    """Create or update the tenant of a self-built app; its secrets are sealed at rest."""
    corp, _ = await Corp.get_or_create(corp_id=app.corp_id, defaults={"mode": "self_built"})
    corp.mode = "self_built"
    corp.agent_id = app.agent_id
    corp.secret_sealed = box.seal(app.corp_secret, "corp.secret")
    corp.callback_token_sealed = box.seal(app.callback_token, "corp.callback_token")
    corp.callback_aes_key_sealed = box.seal(app.callback_aes_key, "corp.callback_aes_key")
    if name:
        corp.name = name
    if corp.status == "cancelled":
        corp.status = "active"
    await corp.save()
    return corp


def callback_credentials(corp: Corp, box: SecretBox) -> CallbackCredentials | None:
    if corp.mode != "self_built" or not corp.callback_token_sealed:
        return None
    return CallbackCredentials(
        token=box.open(corp.callback_token_sealed, "corp.callback_token"),
        aes_key=box.open(corp.callback_aes_key_sealed, "corp.callback_aes_key"),
    )


async def active_corp(corp_id: str) -> Corp | None:
    return await Corp.filter(corp_id=corp_id, status__in=("active", "disconnected")).first()


async def store_suite_ticket(suite_id: str, ticket: str, pushed_at: int, box: SecretBox) -> bool:
    """Keep the newest ticket; an older push arriving late changes nothing."""
    existing = await SuiteTicket.filter(suite_id=suite_id).select_for_update().first()
    sealed = box.seal(ticket, "suite.ticket")
    if existing is None:
        await SuiteTicket.create(suite_id=suite_id, ticket_sealed=sealed, pushed_at=pushed_at)
        return True
    if pushed_at < existing.pushed_at:
        return False
    existing.ticket_sealed = sealed
    existing.pushed_at = pushed_at
    await existing.save()
    return True


async def current_suite_ticket(suite_id: str, box: SecretBox) -> str | None:
    row = await SuiteTicket.filter(suite_id=suite_id).first()
    return None if row is None else box.open(row.ticket_sealed, "suite.ticket")


# Bumped whenever a tenant's callback credentials or status change (any process);
# processes poll it to drop their cached credentials (callbacks.endpoints).
CHANGE_VERSION_KEY = "tenants:version"


async def announce_change(kv: KV) -> None:
    """Tell every process (through the shared KV store) that some tenant changed."""
    await kv.incr(CHANGE_VERSION_KEY)


async def change_version(kv: KV) -> bytes | None:
    return await kv.get(CHANGE_VERSION_KEY)
