"""Handlers of the transfer feature.

- ``change_external_contact:transfer_fail``: a customer refused, or the successor was at
  the customer limit; the event names the successor (UserID) and the customer, and is
  matched to the plan item in flight for that pair (:func:`on_transfer_fail`).
- ``signals.employee_resigned`` (sent by the directory's ``delete_user`` handler, in
  its transaction): drafts a plan when the tenant turned ``auto_draft`` on.
"""

from __future__ import annotations

import logging

from callbacks.handlers.tenant import active_tenant
from callbacks.registry import HandlerContext, HandlerRegistry, SkipEvent
from wecom_app import signals
from wecom_app.directory import timeline
from wecom_app.protocol.events import ChangeExternalContact, Event
from wecom_app.transfer import on_employee_resigned, on_transfer_fail

log = logging.getLogger(__name__)


async def on_transfer_fail_event(ctx: HandlerContext, event: Event) -> None:
    assert isinstance(event, ChangeExternalContact)
    corp = await active_tenant(event)
    if not event.user_id or not event.external_user_id:
        raise SkipEvent("transfer_fail without UserID or ExternalUserID")
    matched = await on_transfer_fail(
        corp, event.user_id, event.external_user_id, event.fail_reason, event.create_time
    )
    if not matched:
        # A transfer started outside this app (WeCom's admin console): no plan item to
        # end, but the customer's timeline still says it failed.
        log.info("transfer_fail for a transfer we did not start (corp %s)", event.corp_id)
        await timeline.record_one(
            corp.id,
            timeline.Entry(
                external_userid=event.external_user_id,
                userid=event.user_id,
                kind="transfer_failed",
                occurred_at=event.create_time,
                key_parts=(event.user_id, event.external_user_id, event.create_time),
                detail={"to_userid": event.user_id, "reason": event.fail_reason},
            ),
        )


def register(registry: HandlerRegistry) -> None:
    failed = registry.on("change_external_contact", "transfer_fail", transactional=True)
    failed(on_transfer_fail_event)
    signals.employee_resigned.connect(on_employee_resigned)
