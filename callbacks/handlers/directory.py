"""Customer-side directory events: customers, group chats, the corp tag library.

Each handler finds the tenant (a cancelled or unknown corp → :class:`SkipEvent`), then
calls :mod:`wecom_app.directory`. Fetches made here are reads, so a retried event only
reads again. They call WeCom, so they run outside the inbox transaction
(``transactional=False``): the directory fetches first, then writes in its own short
transaction, with the rows it compares versions on locked. A permanent code WeCom
has revoked (40084) disconnects the tenant: the event is then finished without effect
(a new install syncs everything again).

``transfer_fail`` and ``msg_audit_approved`` belong to the transfer and archive features.
"""

from __future__ import annotations

import logging

from callbacks.handlers.tenant import active_tenant
from callbacks.registry import HandlerContext, HandlerRegistry, SkipEvent
from wecom_app.directory import customers, group_chats, tags
from wecom_app.install.disconnect import mark_disconnected
from wecom_app.protocol.events import (
    ChangeExternalChat,
    ChangeExternalContact,
    ChangeExternalTag,
    Event,
)
from wecom_app.store.models import Corp
from wecom_app.wecom import AuthCancelled, CorpAPI
from wecom_app.wecom_access import NoAccess

log = logging.getLogger(__name__)

CONTACT_CHANGES = (
    "add_external_contact",
    "edit_external_contact",
    "add_half_external_contact",
    "del_external_contact",
    "del_follow_user",
)
# Changes applied from the event alone (no WeCom call needed).
_NO_FETCH = frozenset({"del_external_contact", "del_follow_user", "dismiss"})


async def _api(ctx: HandlerContext, corp: Corp) -> CorpAPI:
    try:
        return await ctx.wecom.corp_api(corp.corp_id)
    except NoAccess as exc:
        raise SkipEvent(str(exc)) from None


async def on_external_contact(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeExternalContact)
    corp = await active_tenant(event)
    api = None if event.change_type in _NO_FETCH else await _api(ctx, corp)
    try:
        await customers.apply_external_contact_change(corp, api, event)
    except AuthCancelled as exc:
        await _disconnected(ctx, corp, exc)


async def on_external_chat(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeExternalChat)
    corp = await active_tenant(event)
    api = None if event.change_type in _NO_FETCH else await _api(ctx, corp)
    try:
        await group_chats.apply_external_chat_change(corp, api, event)
    except AuthCancelled as exc:
        await _disconnected(ctx, corp, exc)


async def on_external_tag(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeExternalTag)
    corp = await active_tenant(event)
    try:
        await tags.apply_external_tag_change(corp, await _api(ctx, corp))
    except AuthCancelled as exc:
        await _disconnected(ctx, corp, exc)


async def _disconnected(ctx: HandlerContext, corp: Corp, exc: AuthCancelled) -> None:
    # Returning (not raising) keeps the mark: the worker would roll it back otherwise.
    log.warning("corp %s: %s; event dropped", corp.corp_id, exc.explanation)
    await mark_disconnected(ctx.services, corp.corp_id, exc.explanation, errcode=exc.errcode)


def register(registry: HandlerRegistry) -> None:
    for change in CONTACT_CHANGES:
        registry.on("change_external_contact", change, transactional=False)(on_external_contact)
    for change in ("create", "update", "dismiss"):
        registry.on("change_external_chat", change, transactional=False)(on_external_chat)
    registry.on("change_external_tag", transactional=False)(on_external_tag)
