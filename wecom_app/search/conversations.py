"""Conversations: the messages around a hit, and a whole conversation page by page.

Both read one conversation of the viewer's tenant in time order (``msgtime``, then id,
so equal times keep a stable order) and are refused, audited, when the conversation is
outside the viewer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from wecom_app.search.access import Viewer, visible_employees
from wecom_app.search.guard import Guard
from wecom_app.search.highlight import mark, spans
from wecom_app.search.messages import (
    MESSAGE_COLUMNS,
    MessageView,
    NotFound,
    attach_media,
    load_messages,
    message_view,
    names_for,
)
from wecom_app.search.query import MatchQuery, QueryError
from wecom_app.store.db import db
from wecom_app.store.sql import in_list, marker, rows_of

MAX_CONTEXT: Final = 50
MAX_CONVERSATION_PAGE: Final = 500


@dataclass
class ContextView:
    target: MessageView
    messages: list[MessageView]
    names: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target.id,
            "conversation": self.target.conversation,
            "messages": [m.as_json() for m in self.messages],
            "names": self.names,
        }


@dataclass
class ConversationPage:
    conversation: str
    since: int | None
    until: int | None
    messages: list[MessageView]
    next_cursor: str | None
    names: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "since": self.since,
            "until": self.until,
            "messages": [m.as_json() for m in self.messages],
            "next_cursor": self.next_cursor,
            "names": self.names,
        }


async def _around(corp_pk: int, target: MessageView, before: int, after: int) -> list[MessageView]:
    conn = db()
    m = marker(conn)
    older = rows_of(
        await conn.execute_query(
            f"SELECT {MESSAGE_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND conversation = {m(2)} AND (msgtime < {m(3)} OR (msgtime = {m(4)} "
            f"AND id < {m(5)})) ORDER BY msgtime DESC, id DESC LIMIT {m(6)}",
            [corp_pk, target.conversation, target.msgtime, target.msgtime, target.id, before],
        )
    )
    newer = rows_of(
        await conn.execute_query(
            f"SELECT {MESSAGE_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND conversation = {m(2)} AND (msgtime > {m(3)} OR (msgtime = {m(4)} "
            f"AND id > {m(5)})) ORDER BY msgtime, id LIMIT {m(6)}",
            [corp_pk, target.conversation, target.msgtime, target.msgtime, target.id, after],
        )
    )
    return [*map(message_view, reversed(older)), target, *map(message_view, newer)]


async def context(
    guard: Guard,
    viewer: Viewer,
    message_id: int,
    *,
    before: int = 10,
    after: int = 10,
    match: MatchQuery | None = None,
) -> ContextView:
    """The messages around ``message_id`` in its conversation."""
    detail: dict[str, Any] = {"message_id": message_id}
    await guard.require(viewer, "context", detail)
    before = max(0, min(before, MAX_CONTEXT))
    after = max(0, min(after, MAX_CONTEXT))
    target = (await load_messages(viewer.corp_pk, [message_id])).get(message_id)
    if target is None:
        await guard.audit(viewer, "context", {**detail, "found": False})
        raise NotFound(f"message {message_id}")
    if not await guard.visible(viewer, target):
        raise await guard.deny(viewer, "context", {**detail, "reason": "out_of_scope"})
    target.hit = True
    views = await _around(viewer.corp_pk, target, before, after)
    phrases = match.phrases() if match is not None else []
    for view in views:
        view.html = mark(view.text, spans(view.text, phrases)) if phrases else mark(view.text, [])
    await attach_media(viewer.corp_pk, views)
    await guard.audit(
        viewer,
        "context",
        {
            **detail,
            "msgid": target.msgid,
            "conversation": target.conversation,
            "shown": [v.id for v in views],
        },
    )
    return ContextView(target, views, await names_for(viewer.corp_pk, views))


async def _conversation_visible(viewer: Viewer, conversation: str) -> bool:
    allowed = await visible_employees(viewer)
    if allowed is None:
        return True
    if set(conversation.split("|")) & allowed:
        return True
    if not allowed:
        return False
    conn = db()
    m = marker(conn)
    people = sorted(allowed)
    rows = rows_of(
        await conn.execute_query(
            f"SELECT 1 FROM archive_messages WHERE corp_id = {m(1)} AND conversation = {m(2)} "
            f"AND sender IN {in_list(3, len(people), conn)} LIMIT 1",
            [viewer.corp_pk, conversation, *people],
        )
    )
    return bool(rows)


async def conversation(
    guard: Guard,
    viewer: Viewer,
    conversation: str,
    *,
    since: int | None = None,
    until: int | None = None,
    cursor: str = "",
    limit: int = 200,
) -> ConversationPage:
    """A whole conversation in time order, for ``since <= time < until`` (epoch s)."""
    detail: dict[str, Any] = {
        "conversation": conversation,
        "since": since,
        "until": until,
        "cursor": cursor,
    }
    await guard.require(viewer, "conversation", detail)
    if not conversation or len(conversation) > 160:
        raise QueryError("Give a conversation.")
    limit = max(1, min(limit, MAX_CONVERSATION_PAGE))
    after_time, after_id = -(2**62), 0
    if cursor:
        try:
            a, b = cursor.split("~", 1)
            after_time, after_id = int(a), int(b)
        except ValueError:
            raise QueryError("The page cursor is not valid; start again.") from None
    if not await _conversation_visible(viewer, conversation):
        raise await guard.deny(viewer, "conversation", {**detail, "reason": "out_of_scope"})
    conn = db()
    m = marker(conn)
    low = since * 1000 if since is not None else -(2**62)
    high = until * 1000 if until is not None else 2**62
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {MESSAGE_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND conversation = {m(2)} AND msgtime >= {m(3)} AND msgtime < {m(4)} "
            f"AND (msgtime > {m(5)} OR (msgtime = {m(6)} AND id > {m(7)})) "
            f"ORDER BY msgtime, id LIMIT {m(8)}",
            [
                viewer.corp_pk,
                conversation,
                low,
                high,
                after_time,
                after_time,
                after_id,
                limit,
            ],
        )
    )
    views = [message_view(r) for r in rows]
    for view in views:
        view.html = mark(view.text, [])
    await attach_media(viewer.corp_pk, views)
    next_cursor = f"{views[-1].msgtime}~{views[-1].id}" if len(views) == limit else None
    await guard.audit(viewer, "conversation", {**detail, "shown": len(views)})
    return ConversationPage(
        conversation,
        since,
        until,
        views,
        next_cursor,
        await names_for(viewer.corp_pk, views),
    )
