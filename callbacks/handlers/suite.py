"""Suite-level events: the suite ticket, and the install lifecycle of authorising corps.

``create_auth`` and ``reset_permanent_code`` carry a single-use auth code. Their
handlers only record it: the exchange calls WeCom, and this handler's transaction (the
inbox worker's) could still roll back after WeCom spent the code. A background task
(or the ``install-exchanges`` job) exchanges it once the record is committed; the
install redirect may beat it to it, and whoever comes second does nothing.
"""

from __future__ import annotations

from callbacks.credentials import open_value
from callbacks.registry import HandlerContext, HandlerRegistry, SkipEvent
from wecom_app import tenants
from wecom_app.install.exchange import kick_exchange
from wecom_app.install.lifecycle import cancel_install, refresh_auth_info
from wecom_app.install.suite import record_auth_code
from wecom_app.protocol.events import (
    CancelAuth,
    ChangeAuth,
    CreateAuth,
    Event,
    ResetPermanentCode,
    SuiteTicket,
)


async def on_suite_ticket(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, SuiteTicket)
    ticket = open_value(event.ticket, event.name, ctx.secrets)
    await tenants.store_suite_ticket(event.suite_id, ticket, event.create_time, ctx.secrets)


async def on_create_auth(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, CreateAuth | ResetPermanentCode)
    auth_code = open_value(event.auth_code, event.name, ctx.secrets)
    if not auth_code:
        raise SkipEvent(f"{event.name} without an AuthCode")
    digest = await record_auth_code(ctx.services, auth_code, source=event.name)
    kick_exchange(ctx.services, digest)


async def on_change_auth(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeAuth)
    # get_auth_info is a read: repeating it on a retry is harmless.
    if await refresh_auth_info(ctx.services, event.corp_id) is None:
        raise SkipEvent(f"corp {event.corp_id!r} is not an installed tenant")


async def on_cancel_auth(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, CancelAuth)
    if await cancel_install(ctx.services, event.corp_id, at=event.create_time) is None:
        raise SkipEvent(f"corp {event.corp_id!r} is not a tenant")


def register(registry: HandlerRegistry) -> None:
    registry.on("suite_ticket", transactional=True)(on_suite_ticket)
    registry.on("create_auth", transactional=True)(on_create_auth)
    registry.on("reset_permanent_code", transactional=True)(on_create_auth)
    registry.on("change_auth", transactional=False)(on_change_auth)
    registry.on("cancel_auth", transactional=True)(on_cancel_auth)
