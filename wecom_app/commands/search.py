"""``wecom-app search --corp ID "query"``: search a tenant's archive from the shell.

For operators; every search is written to the tenant's audit log with the actor
``cli``. Filters as in the console: ``--employee``, ``--customer``, ``--room``,
``--type``, ``--direction`` (comma-separated), ``--since``/``--until`` (dates),
``--sort time|relevance``, ``--cursor`` (from the previous page), ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wecom_app.config import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "search", help="search a tenant's chat archive (audited as the operator 'cli')"
    )
    parser.add_argument("query", help='words, "a phrase", -excluded, OR')
    parser.add_argument("--corp", required=True, help="the tenant's WeCom corp id")
    parser.add_argument("--limit", type=int, default=20, help="hits per page (1-200)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--employee", default="")
    parser.add_argument("--customer", default="")
    parser.add_argument("--room", default="")
    parser.add_argument("--type", dest="msgtype", default="")
    parser.add_argument("--direction", default="")
    parser.add_argument("--since", default="")
    parser.add_argument("--until", default="")
    parser.add_argument("--sort", default="time", choices=("time", "relevance"))
    parser.add_argument("--cursor", default="")
    parser.set_defaults(func=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    from wecom_app.commands.environment import load_settings

    return asyncio.run(_run(args, load_settings()))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from wecom_app.search.access import cli_viewer
    from wecom_app.search.audit import AuditKey
    from wecom_app.search.query import QueryError
    from wecom_app.search.request import parse_request
    from wecom_app.search.service import Compliance
    from wecom_app.store.db import close_db, init_db
    from wecom_app.store.models import Corp

    await init_db(settings.database_url)
    try:
        corp = await Corp.filter(corp_id=args.corp).first()
        if corp is None:
            print(f"wecom-app search: no tenant with corp id {args.corp!r}", file=sys.stderr)
            return 2
        params = {
            "q": args.query,
            "employee": args.employee,
            "customer": args.customer,
            "room": args.room,
            "msgtype": args.msgtype,
            "direction": args.direction,
            "since": args.since,
            "until": args.until,
            "sort": args.sort,
            "cursor": args.cursor,
            "limit": str(args.limit),
        }
        try:
            request = parse_request(params)
        except QueryError as exc:
            print(f"wecom-app search: {exc}", file=sys.stderr)
            return 2
        page = await Compliance(audit_key=AuditKey.of(settings)).search(cli_viewer(corp), request)
        if args.json:
            data = page.as_json()
            for hit in data["hits"]:
                hit.pop("html", None)
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        for hit in page.hits:
            who = page.names.get(hit.sender, hit.sender)
            text = " ".join(hit.text.split())
            flag = " [recalled]" if hit.recalled else ""
            print(f"{hit.time_text}  #{hit.id}  {who} @ {hit.conversation}{flag}")
            print(f"    {text[:200]}")
        print(f"{len(page.hits)} hits in {page.took_ms:.1f} ms", file=sys.stderr)
        if page.next_cursor:
            print(f"more: --cursor {page.next_cursor}", file=sys.stderr)
        return 0
    finally:
        await close_db()
