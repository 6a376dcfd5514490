"""``wecom-app transfer``: hand a leaver's (or anyone's) customers and group chats over.

    wecom-app transfer plan zhangwei --strategy least_loaded --successor lisi --successor wangwu
    wecom-app transfer edit 12 --to lisi wmAbc wmDef        # or --exclude / --include
    wecom-app transfer submit 12 [--version 3]
    wecom-app transfer status 12 [--items] [--status failed] [--csv plan-12.csv]
    wecom-app transfer status                               # every plan of the tenant
    wecom-app transfer run                                  # one pass (what the job does)
    wecom-app transfer reconcile                            # ask WeCom who left

``--corp`` names the tenant (its WeCom corp id) when there is more than one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from wecom_app.config import ConfigError, Settings
from wecom_app.protocol.digits import id_or_text
from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import PlanError, PlanOptions, TransferService, rules
from wecom_app.transfer.preview import progress
from wecom_app.transfer.report import csv_text, list_items


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("transfer", help="hand customers and group chats over")
    sub = parser.add_subparsers(dest="transfer_command", required=True)

    plan = sub.add_parser("plan", help="draft a plan for one employee and preview it")
    plan.add_argument("handover", help="userid of the employee handing over")
    plan.add_argument("--strategy", choices=rules.STRATEGIES, default=None)
    plan.add_argument("--successor", action="append", default=[], help="repeat for several")
    plan.add_argument("--keep-tag-together", action="store_true")
    plan.add_argument("--tag-group", default="", help="tag group that defines 'same tag'")
    plan.add_argument("--message", default="", help="on-job: text sent to each customer")

    edit = sub.add_parser("edit", help="change the successor of items, or leave them out")
    edit.add_argument("plan_id", type=int)
    edit.add_argument("items", nargs="+", help="customer / chat ids, or item numbers")
    what = edit.add_mutually_exclusive_group(required=True)
    what.add_argument("--to", dest="takeover", help="the new successor's userid")
    what.add_argument("--exclude", action="store_true")
    what.add_argument("--include", action="store_true")

    submit = sub.add_parser("submit", help="start a plan: send what may go now")
    submit.add_argument("plan_id", type=int)
    submit.add_argument("--version", type=int, help="refuse if the plan changed since")

    status = sub.add_parser("status", help="progress of one plan, or the list of plans")
    status.add_argument("plan_id", type=int, nargs="?")
    status.add_argument("--items", action="store_true", help="list the items")
    status.add_argument("--status", dest="item_status", choices=rules.STATUSES)
    status.add_argument("--csv", help="write every item with its result to this file")

    sub.add_parser("run", help="one pass over every running plan (what the job does)")
    sub.add_parser("reconcile", help="ask WeCom who left with customers or chats waiting")
    sub.add_parser("departures", help="employees who left with customers or chats")

    for child in (plan, edit, submit, status, *sub.choices.values()):
        if not any(a.dest == "corp" for a in child._actions):
            child.add_argument("--corp", help="the tenant's WeCom corp id")
            child.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=cmd_transfer)


def cmd_transfer(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"wecom-app: configuration error: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from wecom_app.services import Services

    async with Services(settings, run_worker=False) as services:
        try:
            corp = await _corp(args.corp)
            service = TransferService.of(services)
            return await COMMANDS[args.transfer_command](service, corp, args)
        except PlanError as exc:
            print(f"wecom-app transfer: {exc.message}", file=sys.stderr)
            return 1


async def _corp(corp_id: str | None) -> Corp:
    query = Corp.filter(status__in=("active", "disconnected"))
    if corp_id:
        corp = await query.filter(corp_id=corp_id).first()
        if corp is None:
            raise PlanError("unknown_corp", f"no tenant {corp_id!r}")
        return corp
    corps = await query
    if len(corps) != 1:
        raise PlanError("which_corp", "name the tenant with --corp (there are several or none)")
    return corps[0]


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str) if args.json else text)


def _preview_text(shown: dict[str, Any]) -> str:
    plan = shown["plan"]
    lines = [
        f"plan {plan['id']} (version {plan['version']}) for {plan['handover_userid']}: "
        f"{plan['mode']}, {plan['status']}, strategy {plan['strategy']}",
        "customers: " + _counts(shown["customers"]),
        "chats:     " + _counts(shown["chats"]),
    ]
    for successor in shown.get("successors", []):
        line = (
            f"  → {successor['userid'] or '(nobody)':<20} {successor['customers']:>6} customers "
            f"{successor['chats']:>4} chats"
        )
        if "cap" in successor:
            line += f"  (now {successor['current_customers']}, cap {successor['cap']})"
        lines.append(line)
    blocked = shown.get("blocked", {})
    for reason, count in blocked.get("by_reason", {}).items():
        lines.append(f"  blocked: {count} × {rules.block_text(reason)}")
    for day, count in shown.get("deferred_chats", {}).items():
        lines.append(f"  {count} group chats wait until {day} (300 a day per successor)")
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none"


async def cmd_plan(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    options = None
    if args.strategy or args.successor or args.keep_tag_together or args.message:
        options = PlanOptions(
            strategy=args.strategy or rules.LEAST_LOADED,
            successors=tuple(args.successor),
            keep_tag_together=args.keep_tag_together,
            tag_group_id=args.tag_group,
            transfer_success_msg=args.message,
        )
    plan, created = await service.plan(corp, args.handover, options, source="cli")
    shown = await service.preview(plan)
    if not created:
        print(f"{args.handover} already has an open plan ({plan.id}); showing it", file=sys.stderr)
    _out(args, shown, _preview_text(shown))
    return 0


async def cmd_edit(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    plan = await service.get_plan(corp, args.plan_id)
    refs = [id_or_text(i) for i in args.items]
    result = await service.edit(
        plan, refs, takeover=args.takeover, exclude=args.exclude, include=args.include
    )
    text = f"changed {result.changed}; plan {plan.id} is now version {result.version}"
    if result.not_editable:
        text += "\nalready sent, not changed: " + " ".join(result.not_editable)
    _out(args, result.__dict__, text)
    return 0


async def cmd_submit(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    plan = await service.get_plan(corp, args.plan_id)
    report = await service.submit(plan, expect_version=args.version)
    _out(args, report.__dict__, report.line())
    return 0 if not report.errors else 1


async def cmd_status(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    if args.plan_id is None:
        plans = await TransferPlan.filter(corp_id=corp.id).order_by("-id").limit(50)
        data = [await progress(p) for p in plans]
        lines = [
            f"{d['plan']['id']:>5} {d['plan']['handover_userid']:<20} {d['plan']['status']:<9} "
            f"{d['final']}/{d['total']} final"
            for d in data
        ]
        _out(args, data, "\n".join(lines) or "no transfer plans")
        return 0
    plan = await service.get_plan(corp, args.plan_id)
    shown = await service.progress(plan)
    text = _preview_text(shown) + f"\n{shown['final']}/{shown['total']} items final"
    if args.items or args.item_status:
        _, items = await list_items(plan, status=args.item_status or "", limit=1000)
        shown["items"] = items
        text += "\n" + "\n".join(
            f"{i['kind']:<8} {i['target_id']:<34} → {i['successor']:<16} {i['status']:<10} "
            f"{i['reason']}"
            for i in items
        )
    if args.csv:
        content = await csv_text(plan)
        await asyncio.to_thread(Path(args.csv).write_text, content, encoding="utf-8", newline="")
        text += f"\nwrote {args.csv}"
    _out(args, shown, text)
    return 0


async def cmd_run(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    reports = await service.run_due(corp)
    _out(args, [r.__dict__ for r in reports], "\n".join(r.line() for r in reports) or "no plan")
    return 1 if any(r.errors for r in reports) else 0


async def cmd_reconcile(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    report = await service.reconcile(corp)
    text = (
        f"{report.leavers} leavers with {report.unassigned_customers} customers and "
        f"{report.chats} group chats waiting; marked resigned: "
        f"{', '.join(report.marked_resigned) or 'none'}; plans drafted: "
        f"{', '.join(str(p) for p in report.plans_drafted) or 'none'}; "
        f"items added to open plans: {report.items_added}"
    )
    _out(args, report.__dict__, text)
    return 0


async def cmd_departures(service: TransferService, corp: Corp, args: argparse.Namespace) -> int:
    found = await service.departures(corp)
    data = [d.to_json() for d in found]
    lines = [
        f"{d.userid:<20} left {rules.when(d.resigned_at)}: {d.customers} customers, "
        f"{d.chats} chats" + (f", plan {d.plan_id} ({d.plan_status})" if d.plan_id else "")
        for d in found
    ]
    _out(args, data, "\n".join(lines) or "nobody left with customers or chats")
    return 0


COMMANDS = {
    "plan": cmd_plan,
    "edit": cmd_edit,
    "submit": cmd_submit,
    "status": cmd_status,
    "run": cmd_run,
    "reconcile": cmd_reconcile,
    "departures": cmd_departures,
}
