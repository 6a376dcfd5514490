"""Handlers of the chat-archive feature.

- ``msgaudit_notify``: new archive data is ready. The handler only asks for a pull
  (debounced: a burst of notifies becomes one pull, run after the inbox transaction,
  outside it — a pull takes seconds and must not hold the inbox row).
- ``change_external_contact:msg_audit_approved``: the customer agreed to archiving of
  their chats with ``UserID``; stored as consent with the event's time, in the inbox
  transaction.
"""

from __future__ import annotations

from callbacks.handlers.tenant import active_tenant
from callbacks.registry import HandlerContext, HandlerRegistry, SkipEvent
from wecom_app.archive import consent
from wecom_app.protocol.events import ChangeExternalContact, Event
from wecom_app.store.archive import ArchiveSettings


async def on_msgaudit_notify(ctx: HandlerContext, event: Event) -> None:
    corp = await active_tenant(event)
    if not await ArchiveSettings.filter(corp_id=corp.pk, enabled=True).exists():
        raise SkipEvent(f"corp {event.corp_id!r} has not enabled the chat archive")
    await ctx.archive().request_pull(corp)


async def on_msg_audit_approved(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeExternalContact)
    corp = await active_tenant(event)
    if not event.external_user_id:
        raise SkipEvent("msg_audit_approved without ExternalUserID")
    await consent.on_approved(corp.pk, event.user_id, event.external_user_id, event.create_time)


def register(registry: HandlerRegistry) -> None:
    registry.on("msgaudit_notify", transactional=True)(on_msgaudit_notify)
    approved = registry.on("change_external_contact", "msg_audit_approved", transactional=True)
    approved(on_msg_audit_approved)
