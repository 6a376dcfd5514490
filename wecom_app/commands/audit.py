"""``wecom-app audit verify [--corp ID]`` and ``wecom-app audit list --corp ID``.

``verify`` walks every tenant's hash chain (or one tenant's) and says where it breaks:
an edited entry, deleted entries (in the middle or at the end), entries reordered or
inserted. Exit status 0 when every chain holds, 1 when one does not, 2 on bad usage.
Print the head hash somewhere else too: it anchors the chain against a rewrite of the
whole table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="check and read the compliance audit log")
    sub = parser.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="check the hash chains; exit 1 if one is broken")
    verify.add_argument("--corp", default="", help="one tenant's WeCom corp id (default: all)")
    listing = sub.add_parser("list", help="the newest entries of a tenant")
    listing.add_argument("--corp", required=True, help="the tenant's WeCom corp id")
    listing.add_argument("--limit", type=int, default=50)
    parser.set_defaults(func=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    from wecom_app.commands.environment import load_settings

    return asyncio.run(_run(args, load_settings().database_url))


async def _run(args: argparse.Namespace, database_url: str) -> int:
    from wecom_app.search import audit
    from wecom_app.store.db import close_db, init_db
    from wecom_app.store.models import Corp
    from wecom_app.store.search import AuditEntry, AuditHead

    await init_db(database_url)
    try:
        if args.corp:
            corp = await Corp.filter(corp_id=args.corp).first()
            if corp is None:
                print(f"wecom-app audit: no tenant with corp id {args.corp!r}", file=sys.stderr)
                return 2
            corps = [corp]
        else:
            with_log = set(await AuditHead.all().values_list("corp_id", flat=True))
            with_log |= set(await AuditEntry.all().distinct().values_list("corp_id", flat=True))
            corps = await Corp.filter(id__in=sorted(with_log)).order_by("id")
        if args.audit_command == "list":
            entries = await audit.entries(corps[0].id, before_seq=2**62, limit=args.limit)
            for entry in entries:
                when = datetime.fromtimestamp(entry.at_ms / 1000, UTC).isoformat(timespec="seconds")
                detail = json.dumps(entry.detail_dict(), ensure_ascii=False)[:160]
                print(f"{entry.seq:>8} {when} {entry.actor:<20} {entry.action:<14} {detail}")
            return 0
        broken = 0
        for corp in corps:
            result = await audit.verify(corp.id)
            if result.ok:
                print(
                    f"{corp.corp_id}: ok, {result.checked} entries, "
                    f"head {result.head_seq} {result.head_hash}"
                )
                continue
            broken += 1
            print(f"{corp.corp_id}: BROKEN after checking {result.checked} entries")
            for problem in result.problems:
                print(f"  at entry {problem.seq}: {problem.message}")
        if not corps:
            print("no audit log yet")
        return 1 if broken else 0
    finally:
        await close_db()
