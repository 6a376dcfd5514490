"""The tenant an event belongs to, for every handler that applies a corp's event."""

from __future__ import annotations

from callbacks.registry import SkipEvent
from wecom_app import tenants
from wecom_app.protocol.events import Event
from wecom_app.store.models import Corp


async def active_tenant(event: Event) -> Corp:
    """The event's corp; a cancelled or unknown corp skips the event (it never applies)."""
    corp = await tenants.active_corp(event.corp_id)
    if corp is None:
        raise SkipEvent(f"corp {event.corp_id!r} is not an active tenant")
    return corp
