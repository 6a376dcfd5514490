"""Archived messages as compliance staff see them, read by id or by index hit.

Every read is filtered by the viewer's corp (raw SQL: a page is a handful of rows).
A :class:`MessageView` carries the escaped text (or snippet) to show, its media and
whether it is the message a context is around; the pages built from views live in
:mod:`wecom_app.search.hits` and :mod:`wecom_app.search.conversations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from markupsafe import Markup

from wecom_app.search.request import CHINA
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.db import db
from wecom_app.store.directory import Customer, GroupChat
from wecom_app.store.models import Employee
from wecom_app.store.sql import in_list, json_list, marker, rows_of

MESSAGE_COLUMNS: Final = (
    "id, corp_id, msgid, status, action, msgtype, sender, receivers, roomid, conversation, "
    "external_userid, employee_userid, direction, msgtime, text, recalled_by"
)


@dataclass
class MediaView:
    id: int
    msgtype: str
    status: str
    available: bool  # fetched and on disk: the console links it

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "msgtype": self.msgtype,
            "status": self.status,
            "available": self.available,
        }


@dataclass
class MessageView:
    id: int
    corp_pk: int
    msgid: str
    status: str
    action: str
    msgtype: str
    sender: str
    receivers: list[str]
    roomid: str
    conversation: str
    external_userid: str
    employee_userid: str
    direction: str
    msgtime: int
    text: str
    recalled_by: str
    doc_id: int | None = None
    html: Markup = field(default_factory=Markup)  # the text (or a snippet), escaped
    media: list[MediaView] = field(default_factory=list)
    hit: bool = False  # the message the context is around

    @property
    def recalled(self) -> bool:
        return bool(self.recalled_by)

    @property
    def time_text(self) -> str:
        return datetime.fromtimestamp(self.msgtime / 1000, CHINA).strftime("%Y-%m-%d %H:%M:%S")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "msgid": self.msgid,
            "status": self.status,
            "action": self.action,
            "msgtype": self.msgtype,
            "sender": self.sender,
            "receivers": self.receivers,
            "roomid": self.roomid,
            "conversation": self.conversation,
            "external_userid": self.external_userid,
            "employee_userid": self.employee_userid,
            "direction": self.direction,
            "msgtime": self.msgtime,
            "time": self.time_text,
            "text": self.text,
            "html": str(self.html),
            "recalled": self.recalled,
            "recalled_by": self.recalled_by,
            "media": [m.as_json() for m in self.media],
            "hit": self.hit,
        }


class NotFound(LookupError):
    """No such message or media file for this viewer's tenant."""


def message_view(row: Any) -> MessageView:
    return MessageView(
        id=int(row[0]),
        corp_pk=int(row[1]),
        msgid=str(row[2]),
        status=str(row[3]),
        action=str(row[4]),
        msgtype=str(row[5]),
        sender=str(row[6]),
        receivers=json_list(row[7]),
        roomid=str(row[8]),
        conversation=str(row[9]),
        external_userid=str(row[10]),
        employee_userid=str(row[11]),
        direction=str(row[12]),
        msgtime=int(row[13]),
        text=str(row[14]),
        recalled_by=str(row[15]),
    )


async def load_messages(corp_pk: int, ids: Sequence[int]) -> dict[int, MessageView]:
    """Messages by id, of this tenant only (raw SQL: a page is a handful of rows)."""
    if not ids:
        return {}
    conn = db()
    m = marker(conn)
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {MESSAGE_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND id IN {in_list(2, len(ids), conn)}",
            [corp_pk, *ids],
        )
    )
    return {v.id: v for v in map(message_view, rows)}


async def load_hits(corp_pk: int, doc_ids: Sequence[int]) -> dict[int, MessageView]:
    """The messages of index hits, by document key, of this tenant only."""
    if not doc_ids:
        return {}
    conn = db()
    m = marker(conn)
    columns = ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {columns}, d.doc_id FROM search_docs AS d "
            "JOIN archive_messages AS m ON m.id = d.message_id "
            f"WHERE d.corp_id = {m(1)} AND m.corp_id = {m(2)} "
            f"AND d.doc_id IN {in_list(3, len(doc_ids), conn)}",
            [corp_pk, corp_pk, *doc_ids],
        )
    )
    found: dict[int, MessageView] = {}
    for row in rows:
        view = message_view(row)
        view.doc_id = int(row[len(row) - 1])
        found[view.doc_id] = view
    return found


async def attach_media(corp_pk: int, views: Sequence[MessageView]) -> None:
    msgids = [v.msgid for v in views if v.msgtype not in ("text", "")]
    if not msgids:
        return
    rows = await ArchiveMedia.filter(corp_id=corp_pk, msgid__in=msgids).values_list(
        "id", "msgid", "msgtype", "status", "path"
    )
    by_msgid: dict[str, list[MediaView]] = {}
    for media_id, msgid, msgtype, status, path in rows:
        by_msgid.setdefault(str(msgid), []).append(
            MediaView(int(media_id), str(msgtype), str(status), status == "done" and bool(path))
        )
    for view in views:
        view.media = by_msgid.get(view.msgid, [])


async def names_for(corp_pk: int, views: Sequence[MessageView]) -> dict[str, str]:
    """Display names of the people and rooms on a page (ids stay visible beside them)."""
    people = {u for v in views for u in (v.sender, v.employee_userid, v.external_userid) if u}
    rooms = {v.roomid for v in views if v.roomid}
    names: dict[str, str] = {}
    if people:
        for userid, name in await Employee.filter(
            corp_id=corp_pk, userid__in=sorted(people)
        ).values_list("userid", "name"):
            if name:
                names[str(userid)] = str(name)
        for ext, name in await Customer.filter(
            corp_id=corp_pk, external_userid__in=sorted(people)
        ).values_list("external_userid", "name"):
            if name:
                names[str(ext)] = str(name)
    if rooms:
        for chat_id, name in await GroupChat.filter(
            corp_id=corp_pk, chat_id__in=sorted(rooms)
        ).values_list("chat_id", "name"):
            if name:
                names[str(chat_id)] = str(name)
    return names
