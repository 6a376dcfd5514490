"""Legal holds: a customer or an employee whose messages the retention purge keeps.

Compliance staff and admins set and release them; the purge itself is
:mod:`wecom_app.search.retention`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard
from wecom_app.search.query import QueryError
from wecom_app.store.search import LegalHold


async def holds(guard: Guard, viewer: Viewer) -> list[LegalHold]:
    await guard.require(viewer, "holds", {}, roles=("compliance", "admin"))
    return await LegalHold.filter(corp_id=viewer.corp_pk).order_by("released_at", "-created_at")


async def add_hold(guard: Guard, viewer: Viewer, kind: str, subject: str, reason: str) -> LegalHold:
    await guard.require(viewer, "hold_add", {"subject": subject}, roles=("compliance", "admin"))
    subject = subject.strip()
    if kind not in ("customer", "employee") or not subject or len(subject) > 64:
        raise QueryError("A hold is for a customer (external_userid) or an employee (userid).")
    hold = await LegalHold.create(
        corp_id=viewer.corp_pk,
        kind=kind,
        subject=subject,
        reason=reason.strip()[:2000],
        created_by=viewer.actor,
    )
    await guard.audit(viewer, "hold_add", {"hold_id": hold.id, "kind": kind, "subject": subject})
    return hold


async def release_hold(guard: Guard, viewer: Viewer, hold_id: int) -> bool:
    await guard.require(viewer, "hold_release", {"hold_id": hold_id}, roles=("compliance", "admin"))
    updated = await LegalHold.filter(
        id=hold_id, corp_id=viewer.corp_pk, released_at__isnull=True
    ).update(released_at=datetime.fromtimestamp(guard.clock(), UTC))
    if updated:
        await guard.audit(viewer, "hold_release", {"hold_id": hold_id})
    return bool(updated)
