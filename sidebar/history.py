"""A customer's archived conversations, newest first, with keyset paging and search.

Only the conversations of the employees the grant names (the viewer; predecessors
when the successor view is on; managed employees for a manager) are read. Paging is by
``(msgtime, id)`` so a page never repeats or skips a message when new ones arrive.
Search matches the message text within this one customer's messages (the index on
``(corp_id, external_userid, msgtime)`` bounds it); recalled messages show as recalled,
without their text, and are never matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sidebar.sql import CONVERSATION, fetch, marks

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 64

PLACEHOLDERS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "file": "[文件]",
    "emotion": "[表情]",
    "link": "[链接]",
    "weapp": "[小程序]",
    "card": "[名片]",
    "location": "[位置]",
    "redpacket": "[红包]",
    "chatrecord": "[聊天记录]",
    "meeting_voice_call": "[语音通话]",
    "voip_doc_share": "[文档共享]",
    "calendar": "[日程]",
    "todo": "[待办]",
    "vote": "[投票]",
    "docmsg": "[在线文档]",
}

_CURSOR = re.compile(r"(\d{1,16})_(\d{1,20})")


@dataclass(frozen=True)
class Page:
    messages: list[dict[str, Any]]
    next: str | None


def parse_cursor(raw: str | None) -> tuple[int, int] | None:
    if not raw:
        return None
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise ValueError("bad cursor")
    return int(match.group(1)), int(match.group(2))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def render(row: dict[str, Any], viewer: str, predecessors: set[str]) -> dict[str, Any]:
    recalled = bool(row["recalled_by"])
    msgtype = str(row["msgtype"] or "")
    text = "" if recalled else str(row["text"] or "") or PLACEHOLDERS.get(msgtype, f"[{msgtype}]")
    employee = str(row["employee_userid"] or "")
    return {
        "id": int(row["id"]),
        "at": int(row["msgtime"]),
        "direction": row["direction"],
        "sender": row["sender"],
        "employee": employee,
        "type": msgtype,
        "text": text,
        "recalled": recalled,
        "predecessor": employee in predecessors and employee != viewer,
    }


async def page(
    corp_pk: int,
    external_userid: str,
    employees: Sequence[str],
    *,
    viewer: str,
    predecessors: Sequence[str] = (),
    before: tuple[int, int] | None = None,
    query: str = "",
    limit: int = PAGE_SIZE,
) -> Page:
    if not employees:
        return Page([], None)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    sql = [
        "SELECT id, msgtime, direction, sender, employee_userid, msgtype, text, recalled_by "
        "FROM archive_messages WHERE corp_id = ? AND external_userid = ? "
        f"AND employee_userid IN ({marks(len(employees))}) AND {CONVERSATION}"
    ]
    params: list[Any] = [corp_pk, external_userid, *employees]
    if before is not None:
        sql.append("AND (msgtime < ? OR (msgtime = ? AND id < ?))")
        params += [before[0], before[0], before[1]]
    query = query.strip()[:MAX_QUERY_CHARS]
    if query:
        sql.append("AND recalled_by = '' AND text LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape_like(query)}%")
    sql.append(f"ORDER BY msgtime DESC, id DESC LIMIT {limit + 1}")
    rows = await fetch(" ".join(sql), params)
    shown = rows[:limit]
    pred = set(predecessors)
    messages = [render(row, viewer, pred) for row in shown]
    cursor = None
    if len(rows) > limit and shown:
        last = shown[-1]
        cursor = f"{int(last['msgtime'])}_{int(last['id'])}"
    return Page(messages, cursor)


async def room_messages(corp_pk: int, chat_id: str, limit: int = 20) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT id, msgtime, direction, sender, employee_userid, msgtype, text, recalled_by "
        f"FROM archive_messages WHERE corp_id = ? AND conversation = ? AND {CONVERSATION} "
        f"ORDER BY msgtime DESC, id DESC LIMIT {max(1, min(limit, MAX_PAGE_SIZE))}",
        [corp_pk, chat_id],
    )
    return [render(row, "", set()) for row in rows]
