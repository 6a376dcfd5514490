"""The audit log as admins read it: entries newest first, and the chain verified.

Reading is itself role-checked (admins only); the log is :mod:`wecom_app.search.audit`,
its verification (against the last signed checkpoint, when the service knows where it
is) :mod:`wecom_app.search.audit_verify`.
"""

from __future__ import annotations

from pathlib import Path

from wecom_app.search import audit as audit_log
from wecom_app.search import audit_checkpoint
from wecom_app.search.access import Viewer
from wecom_app.search.audit_verify import Problem, Verification, verify
from wecom_app.search.guard import Guard


async def audit_entries(
    guard: Guard, viewer: Viewer, *, before_seq: int | None = None, limit: int = 100
) -> list[audit_log.Entry]:
    await guard.require(viewer, "audit_read", {}, roles=("admin",))
    return await audit_log.entries(
        viewer.corp_pk, before_seq=before_seq or 2**62, limit=max(1, min(limit, 500))
    )


async def audit_verify(
    guard: Guard, viewer: Viewer, checkpoint_path: Path | None = None
) -> Verification:
    await guard.require(viewer, "audit_verify", {}, roles=("admin",))
    anchor = None
    if checkpoint_path is not None:
        try:
            checkpoint = audit_checkpoint.read(checkpoint_path, guard.audit_key)
        except audit_checkpoint.CheckpointError as exc:
            result = Verification(viewer.corp_pk)
            result.problems.append(Problem(0, None, "checkpoint", str(exc)))
            return result
        anchor = checkpoint.anchors.get(viewer.corp_pk) if checkpoint else None
    return await verify(viewer.corp_pk, guard.audit_key, anchor)
