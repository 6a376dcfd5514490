"""``change_contact``: the employee directory (users) and the department tree (parties)."""

from __future__ import annotations

from callbacks.handlers.tenant import active_tenant
from callbacks.registry import HandlerContext, HandlerRegistry
from wecom_app.directory import employees
from wecom_app.protocol.events import ChangeContact, Event


async def on_user_change(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeContact)
    await employees.apply_user_change(await active_tenant(event), event)


async def on_party_change(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeContact)
    await employees.apply_party_change(await active_tenant(event), event)


def register(registry: HandlerRegistry) -> None:
    for change in ("create_user", "update_user", "delete_user"):
        registry.on("change_contact", change, transactional=True)(on_user_change)
    for change in ("create_party", "update_party", "delete_party"):
        registry.on("change_contact", change, transactional=True)(on_party_change)
