"""The compliance guard: every look at the archive is role-checked and audited.

A refusal is audited too (as ``denied``, with what was attempted), then
:class:`~wecom_app.search.access.AccessDenied` is raised. Each part of the compliance
service (:mod:`wecom_app.search.service`) takes the guard as its first argument.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wecom_app.search import audit as audit_log
from wecom_app.search.access import AccessDenied, Viewer, visible_employees
from wecom_app.search.messages import MessageView
from wecom_app.text.message_terms import employees_of


class Guard:
    """Role checks and the audit log of one process (stateless apart from its clock)."""

    def __init__(
        self, clock: Callable[[], float] = time.time, *, audit_key: audit_log.AuditKey
    ) -> None:
        self.clock = clock
        self.audit_key = audit_key

    async def audit(self, viewer: Viewer, action: str, detail: Mapping[str, Any]) -> None:
        """One entry: who (the viewer), what (``action``, ``detail``) and from where (the
        viewer's client: IP and user agent, when it came over HTTP)."""
        full = {**detail, "client": dict(viewer.client)} if viewer.client else detail
        await audit_log.record(
            viewer.corp_pk, viewer.actor, action, full, key=self.audit_key, now=self.clock()
        )

    async def deny(self, viewer: Viewer, action: str, detail: Mapping[str, Any]) -> AccessDenied:
        await self.audit(viewer, "denied", {"attempted": action, **detail})
        return AccessDenied(action)

    async def require(
        self,
        viewer: Viewer,
        action: str,
        detail: Mapping[str, Any],
        roles: Sequence[str] = ("compliance",),
    ) -> None:
        """Go on if the viewer holds one of ``roles``; otherwise audit the attempt and
        raise :class:`AccessDenied`."""
        if not viewer.roles & set(roles):
            raise await self.deny(viewer, action, {**detail, "required": list(roles)})

    async def visible(self, viewer: Viewer, view: MessageView) -> bool:
        """Whether the message belongs to an employee in the viewer's scope."""
        allowed = await visible_employees(viewer)
        return allowed is None or bool(set(employees_of(view)) & allowed)
