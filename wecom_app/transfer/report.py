"""A plan's items as people read them: pages for the console, CSV for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules

CSV_COLUMNS = (
    "kind",
    "target_id",
    "name",
    "successor",
    "status",
    "meaning",
    "errcode",
    "reason",
    "wecom_status",
    "sent_at",
    "takeover_at",
    "finished_at",
)
_FIELDS = (
    "id",
    "kind",
    "target_id",
    "label",
    "takeover_userid",
    "status",
    "errcode",
    "reason",
    "wecom_status",
    "accepted_at",
    "due_at",
    "takeover_time",
    "finished_at",
    "reapply",
)


def item_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "target_id": row["target_id"],
        "name": row["label"],
        "successor": row["takeover_userid"],
        "status": row["status"],
        "meaning": rules.STATUS_TEXT.get(row["status"], row["status"]),
        "errcode": row["errcode"],
        "reason": row["reason"],
        "wecom_status": row["wecom_status"],
        "sent_at": row["accepted_at"],
        "due_at": row["due_at"],
        "takeover_time": row["takeover_time"] or None,
        "finished_at": row["finished_at"],
        "reapply": row["reapply"],
    }


async def list_items(
    plan: TransferPlan,
    *,
    status: str = "",
    kind: str = "",
    successor: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of items) in plan order."""
    query = TransferItem.filter(plan_id=plan.id)
    if status:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    if successor:
        query = query.filter(takeover_userid=successor)
    total = await query.count()
    page = await query.order_by("id").offset(max(0, offset)).limit(max(1, min(limit, 1000)))
    rows = [{f: getattr(item, f) for f in _FIELDS} for item in page]
    return total, [item_json(r) for r in rows]


async def csv_rows(plan: TransferPlan) -> AsyncIterator[str]:
    """The plan's items as CSV text, a header then chunks of rows (UTF-8 with BOM so
    spreadsheet programs read the Chinese names right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    last = 0
    while True:
        batch = (
            await TransferItem.filter(plan_id=plan.id, id__gt=last)
            .order_by("id")
            .limit(2000)
            .values(*_FIELDS)
        )
        if not batch:
            break
        last = batch[-1]["id"]
        for row in batch:
            item = item_json(row)
            writer.writerow(
                [
                    item["kind"],
                    item["target_id"],
                    _cell(item["name"]),
                    item["successor"],
                    item["status"],
                    item["meaning"],
                    item["errcode"] or "",
                    _cell(item["reason"]),
                    item["wecom_status"] or "",
                    rules.when(item["sent_at"]),
                    rules.when(item["takeover_time"]),
                    rules.when(item["finished_at"]),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def _cell(value: str) -> str:
    """Spreadsheet programs run cells starting with = + - @ as formulas: defuse them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def csv_text(plan: TransferPlan) -> str:
    return "".join([chunk async for chunk in csv_rows(plan)])
