"""Exports: a whole result set as CSV or JSON lines, streamed page by page.

Audited before the first byte and again with the number of rows sent; memory stays
bounded by one page (:data:`EXPORT_PAGE`) whatever the size of the result, up to
:data:`MAX_EXPORT_ROWS`. CSV cells that a spreadsheet would run as formulas are quoted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any, Final, Literal

from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard
from wecom_app.search.hits import page
from wecom_app.search.messages import MessageView
from wecom_app.search.request import SearchRequest

MAX_EXPORT_ROWS: Final = 100_000
EXPORT_PAGE: Final = 500

ExportFormat = Literal["csv", "jsonl"]


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


EXPORT_FIELDS: Final = (
    "time",
    "msgid",
    "conversation",
    "direction",
    "msgtype",
    "sender",
    "receivers",
    "roomid",
    "customer",
    "employee",
    "text",
    "recalled",
)


def export_record(view: MessageView) -> dict[str, Any]:
    return {
        "time": view.time_text,
        "msgid": view.msgid,
        "conversation": view.conversation,
        "direction": view.direction,
        "msgtype": view.msgtype,
        "sender": view.sender,
        "receivers": view.receivers,
        "roomid": view.roomid,
        "customer": view.external_userid,
        "employee": view.employee_userid,
        "text": view.text,
        "recalled": view.recalled,
    }


async def export(
    guard: Guard, viewer: Viewer, request: SearchRequest, fmt: ExportFormat
) -> AsyncIterator[bytes]:
    """The whole result set (up to :data:`MAX_EXPORT_ROWS`), page by page.

    Audited before the first byte; a second entry records how many rows went out.
    Memory stays bounded by one page whatever the size of the result.
    """
    await guard.require(viewer, "export", {"q": request.text, "format": fmt})
    await guard.audit(viewer, "export", {**request.params(), "format": fmt})
    return _stream(guard, viewer, request, fmt)


async def _stream(
    guard: Guard, viewer: Viewer, request: SearchRequest, fmt: ExportFormat
) -> AsyncIterator[bytes]:
    sent = 0
    cursor = request.cursor
    if fmt == "csv":
        yield ("\ufeff" + ",".join(EXPORT_FIELDS) + "\r\n").encode()
    while sent < MAX_EXPORT_ROWS:
        page_request = SearchRequest(
            request.text,
            request.match,
            request.filters,
            request.sort,
            cursor,
            min(EXPORT_PAGE, MAX_EXPORT_ROWS - sent),
        )
        views, next_cursor = await page(viewer, page_request, highlight=False)
        buffer = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(buffer, lineterminator="\r\n")
            for view in views:
                record = export_record(view)
                record["receivers"] = ";".join(view.receivers)
                writer.writerow(
                    [
                        csv_cell(str(record[f]).lower() if f == "recalled" else str(record[f]))
                        for f in EXPORT_FIELDS
                    ]
                )
        else:
            for view in views:
                buffer.write(json.dumps(export_record(view), ensure_ascii=False) + "\n")
        sent += len(views)
        if buffer.tell():
            yield buffer.getvalue().encode()
        if next_cursor is None:
            break
        cursor = next_cursor
    await guard.audit(viewer, "export_done", {"q": request.text, "format": fmt, "rows": sent})
