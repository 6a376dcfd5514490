"""``wecom-app audit verify | checkpoint | list``.

``verify [--corp ID]`` walks every tenant's HMAC chain (or one tenant's) against the last
signed checkpoint and says where it breaks: an edited entry, deleted entries (in the
middle, at the end with the head moved back, or the whole log with its head), entries
reordered or inserted, a chain recomputed with plain SHA-256, and a tenant with
compliance activity but no log. Exit status 0 when every chain holds, 1 when one does
not, or when the checkpoint cannot be trusted (its signature does not hold; it is
missing or older than two checkpoint intervals while older entries exist), 2 on bad
usage.

``checkpoint`` verifies every chain and writes the signed checkpoint (what the
``audit-checkpoint`` job does); exit 1 when a chain is broken (its anchor is not moved).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wecom_app.config import Settings
    from wecom_app.search.audit_verify import Verification
    from wecom_app.store.models import Corp


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="check and read the compliance audit log")
    sub = parser.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="check the chains; exit 1 if one is broken")
    verify.add_argument("--corp", default="", help="one tenant's WeCom corp id (default: all)")
    sub.add_parser("checkpoint", help="verify every chain and write the signed checkpoint")
    listing = sub.add_parser("list", help="the newest entries of a tenant")
    listing.add_argument("--corp", required=True, help="the tenant's WeCom corp id")
    listing.add_argument("--limit", type=int, default=50)
    parser.set_defaults(func=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    from wecom_app.commands.environment import load_settings

    return asyncio.run(_run(args, load_settings()))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from wecom_app.store.db import close_db, init_db

    await init_db(settings.database_url)
    try:
        if args.audit_command == "list":
            return await _list(args.corp, args.limit)
        return await _check(args, settings)
    finally:
        await close_db()


async def _list(corp_id: str, limit: int) -> int:
    from wecom_app.search import audit
    from wecom_app.store.models import Corp

    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None:
        print(f"wecom-app audit: no tenant with corp id {corp_id!r}", file=sys.stderr)
        return 2
    for entry in await audit.entries(corp.id, before_seq=2**62, limit=limit):
        when = datetime.fromtimestamp(entry.at_ms / 1000, UTC).isoformat(timespec="seconds")
        detail = json.dumps(entry.detail_dict(), ensure_ascii=False)[:160]
        print(f"{entry.seq:>8} {when} {entry.actor:<20} {entry.action:<14} {detail}")
    return 0


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from wecom_app.search import audit_checkpoint
    from wecom_app.search.audit import AuditKey
    from wecom_app.store.models import Corp

    key = AuditKey.of(settings)
    path = audit_checkpoint.path_of(settings)
    try:
        if args.audit_command == "checkpoint":
            results = await audit_checkpoint.take(path, key, now=time.time())
            print(f"checkpoint written to {path}")
            return _report(results)
        checkpoint = audit_checkpoint.read(path, key)
    except audit_checkpoint.CheckpointError as exc:
        print(f"wecom-app audit: {exc}", file=sys.stderr)
        return 1
    corps = None
    if getattr(args, "corp", ""):
        corp = await Corp.filter(corp_id=args.corp).first()
        if corp is None:
            print(f"wecom-app audit: no tenant with corp id {args.corp!r}", file=sys.stderr)
            return 2
        corps = [corp]
    problem = await audit_checkpoint.stale(
        checkpoint, now=time.time(), interval_s=settings.audit_checkpoint_interval_s
    )
    if problem:
        print(f"wecom-app audit: {problem} ({path})", file=sys.stderr)
    elif checkpoint is None:
        print(f"no checkpoint at {path} yet: deleted tails are not checked")
    status = _report(await audit_checkpoint.verify_all(key, checkpoint, corps))
    return 1 if problem else status


def _report(results: list[tuple[Corp, Verification]]) -> int:
    broken = 0
    for corp, result in results:
        if result.ok:
            legacy = f", {result.legacy_through} legacy" if result.legacy_through else ""
            print(
                f"{corp.corp_id}: ok, {result.checked} entries{legacy}, "
                f"head {result.head_seq} {result.head_hash}"
            )
            continue
        broken += 1
        print(f"{corp.corp_id}: BROKEN after checking {result.checked} entries")
        for problem in result.problems:
            print(f"  at entry {problem.seq}: {problem.message}")
    if not results:
        print("no audit log yet")
    return 1 if broken else 0
