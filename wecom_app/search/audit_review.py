"""The audit log as admins read it: entries newest first, and the chain verified.

Reading is itself role-checked (admins only); the log and its verification are
:mod:`wecom_app.search.audit`.
"""

from __future__ import annotations

from wecom_app.search import audit as audit_log
from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard


async def audit_entries(
    guard: Guard, viewer: Viewer, *, before_seq: int | None = None, limit: int = 100
) -> list[audit_log.Entry]:
    await guard.require(viewer, "audit_read", {}, roles=("admin",))
    return await audit_log.entries(
        viewer.corp_pk, before_seq=before_seq or 2**62, limit=max(1, min(limit, 500))
    )


async def audit_verify(guard: Guard, viewer: Viewer) -> audit_log.Verification:
    await guard.require(viewer, "audit_verify", {}, roles=("admin",))
    return await audit_log.verify(viewer.corp_pk)
