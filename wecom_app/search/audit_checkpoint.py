"""Signed checkpoints of the audit chains, kept outside the database.

A checkpoint is one JSON file (``AUDIT_CHECKPOINT_PATH``, by default
``<DATA_DIR>/audit-checkpoint.json``; put it on another volume or host when the database
host is not trusted) holding, for every tenant, the newest entry's ``seq`` and hash and
the length of its legacy (plain SHA-256) prefix, signed with HMAC under the audit key's
checkpoint half. It is written by the ``audit-checkpoint`` job and by
``wecom-app audit checkpoint``: each tenant's chain is verified against the previous
checkpoint first, and a broken chain keeps its previous anchor (a checkpoint never
blesses tampering). ``audit verify`` checks each chain against the last checkpoint, so
deleting the newest rows and moving the head back, or deleting a tenant's whole log
with its head, is found; so is deleting or altering the file (bad signature).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from wecom_app.search.audit import AuditKey, canonical_json
from wecom_app.search.audit_verify import Anchor, Problem, Verification, verify
from wecom_app.store.models import Corp
from wecom_app.store.search import AlertRule, AuditEntry, AuditHead, LegalHold, SavedSearch

if TYPE_CHECKING:
    from wecom_app.config import Settings

FORMAT: Final = "wecom-app-audit-checkpoint/1"


class CheckpointError(Exception):
    """The checkpoint file is unreadable or its signature does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    at_ms: int
    anchors: dict[int, Anchor] = field(default_factory=dict)


def path_of(settings: Settings) -> Path:
    return settings.audit_checkpoint_path or settings.data_dir / "audit-checkpoint.json"


def _sign(key: AuditKey, body: dict[str, Any]) -> str:
    return hmac.new(key.checkpoint, canonical_json(body).encode(), hashlib.sha256).hexdigest()


def read(path: Path, key: AuditKey) -> Checkpoint | None:
    """The last checkpoint, or None when none was written yet."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read the audit checkpoint {path}: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an audit checkpoint")
    mac = str(raw.pop("mac", ""))
    if not hmac.compare_digest(mac, _sign(key, raw)):
        raise CheckpointError(f"the signature of {path} does not hold (altered, or another key)")
    at_ms = int(raw["at_ms"])
    anchors = {
        int(t["corp_pk"]): Anchor(
            int(t["corp_pk"]),
            str(t["corp_id"]),
            int(t["seq"]),
            str(t["hash"]),
            int(t["legacy_through"]),
            at_ms,
        )
        for t in raw["tenants"]
    }
    return Checkpoint(at_ms, anchors)


def write(path: Path, key: AuditKey, checkpoint: Checkpoint) -> None:
    """Replace the file atomically (0600, written beside it and renamed)."""
    tenants = [
        {k: v for k, v in asdict(a).items() if k != "at_ms"}
        for a in sorted(checkpoint.anchors.values(), key=lambda a: a.corp_pk)
    ]
    body: dict[str, Any] = {"format": FORMAT, "at_ms": checkpoint.at_ms, "tenants": tenants}
    text = json.dumps({**body, "mac": _sign(key, body)}, ensure_ascii=False, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


async def stale(checkpoint: Checkpoint | None, *, now: float, interval_s: float) -> str:
    """Why the checkpoint cannot be trusted to be the last one, or "".

    The job writes one every ``interval_s``; entries older than two intervals with no
    checkpoint, or a checkpoint older than two intervals while the job should have
    replaced it, mean it was deleted or replaced by an old copy (or the job is down)."""
    limit_ms = int((now - 2 * interval_s) * 1000)
    if checkpoint is not None:
        if checkpoint.at_ms < limit_ms:
            return "the audit checkpoint is older than two checkpoint intervals"
        return ""
    if await AuditEntry.filter(at_ms__lt=limit_ms).exists():
        return "no audit checkpoint, but the log has entries older than two checkpoint intervals"
    return ""


async def _has_compliance_activity(corp_pk: int) -> bool:
    """Things that are only made through audited actions: rules, holds, saved searches."""
    for model in (AlertRule, LegalHold, SavedSearch):
        if await model.filter(corp_id=corp_pk).exists():
            return True
    return False


async def verify_all(
    key: AuditKey, checkpoint: Checkpoint | None, corps: list[Corp] | None = None
) -> list[tuple[Corp, Verification]]:
    """Every tenant with a log, a checkpoint anchor or compliance activity (or ``corps``),
    each verified against its anchor; a tenant with activity and no log is a problem."""
    anchors = checkpoint.anchors if checkpoint else {}
    if corps is None:
        ids: set[int] = set(anchors)
        for model in (AuditHead, AuditEntry, AlertRule, LegalHold, SavedSearch):
            found = await model.all().distinct().values_list("corp_id", flat=True)
            ids |= {int(str(i)) for i in found}
        corps = await Corp.filter(id__in=sorted(ids)).order_by("id")
    out: list[tuple[Corp, Verification]] = []
    for corp in corps:
        result = await verify(corp.id, key, anchors.get(corp.id))
        if not result.checked and not result.head_seq and await _has_compliance_activity(corp.id):
            result.problems.append(
                Problem(
                    1,
                    None,
                    "no_log",
                    "this tenant has compliance rules, holds or saved searches but no audit log",
                )
            )
        out.append((corp, result))
    return out


async def take(path: Path, key: AuditKey, *, now: float) -> list[tuple[Corp, Verification]]:
    """Verify every chain against the last checkpoint and write the new one."""
    previous = read(path, key)
    results = await verify_all(key, previous)
    anchors = dict(previous.anchors) if previous else {}
    at_ms = int(now * 1000)
    for corp, result in results:
        if result.ok and result.head_seq:
            anchors[corp.id] = Anchor(
                corp.id,
                corp.corp_id,
                result.head_seq,
                result.head_hash,
                result.legacy_through,
                at_ms,
            )
    write(path, key, Checkpoint(at_ms, anchors))
    return results
