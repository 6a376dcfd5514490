"""``wecom-app inbox list | replay``: look at the callback inbox and re-apply events.

Table reads and the replay go straight to :mod:`wecom_app.store.inbox`; a running
worker picks replayed rows up on its next pass.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from wecom_app.commands.environment import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("inbox", help="look at and re-apply callback inbox events")
    sub = parser.add_subparsers(dest="inbox_command", required=True)
    listing = sub.add_parser("list", help="newest inbox events and counts by status")
    listing.add_argument("--status")
    listing.add_argument("--limit", type=int, default=50)
    replay = sub.add_parser("replay", help="queue events to be applied again")
    replay.add_argument("ids", nargs="*", type=int)
    replay.add_argument("--status", help="replay every event with this status, e.g. failed")
    parser.set_defaults(func=cmd_inbox)


def cmd_inbox(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args, load_settings().database_url))


async def _run(args: argparse.Namespace, database_url: str) -> int:
    from wecom_app.store.db import close_db, init_db

    await init_db(database_url)
    try:
        if args.inbox_command == "replay":
            return await _replay(args)
        await _list(args)
        return 0
    finally:
        await close_db()


async def _replay(args: argparse.Namespace) -> int:
    from wecom_app.store import inbox

    if not args.ids and not args.status:
        print("give inbox ids or --status", file=sys.stderr)
        return 2
    count = await inbox.replay(args.ids, status=args.status, now=time.time())
    print(f"{count} inbox events queued again")
    return 0


async def _list(args: argparse.Namespace) -> None:
    from wecom_app.store import inbox
    from wecom_app.store.models import InboxEvent

    query = InboxEvent.all().order_by("-id").limit(args.limit)
    if args.status:
        query = query.filter(status=args.status)
    counts = await inbox.backlog()
    print("  ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "inbox is empty")
    print(f"{'id':>8} {'status':<10} {'tries':>5} {'corp':<20} {'event':<44} error")
    for row in await query:
        event = f"{row.name}:{row.change_type}" if row.change_type else row.name
        print(
            f"{row.id:>8} {row.status:<10} {row.attempts:>5} {row.corp_id[:20]:<20} "
            f"{event[:44]:<44} {row.last_error[:60]}"
        )
