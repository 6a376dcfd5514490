"""Compliance search as a service: search, context, conversations, export, saved searches.

Every public method takes a :class:`~wecom_app.search.access.Viewer`, checks the
compliance role (a refusal is audited, then :class:`AccessDenied` is raised), applies
the viewer's department scope, and writes what was looked at to the audit log before
returning it. Tenancy: the index key range of the viewer's tenant bounds every search,
and every message read is filtered by the viewer's corp as well.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from markupsafe import Markup

from wecom_app.search import audit as audit_log
from wecom_app.search.access import AccessDenied, Viewer, visible_employees
from wecom_app.search.alerts import acknowledge as acknowledge_alert
from wecom_app.search.alerts import check_recipients, compile_pattern, create_rule
from wecom_app.search.backend import Hit, Plan, backend_for, in_list, placeholders, rows_of
from wecom_app.search.highlight import mark, snippet, spans
from wecom_app.search.keys import time_range
from wecom_app.search.query import (
    CHINA,
    Cursor,
    Filters,
    MatchQuery,
    QueryError,
    SearchRequest,
    parse_query,
    parse_request,
)
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.db import db
from wecom_app.store.directory import Customer, GroupChat
from wecom_app.store.models import Employee
from wecom_app.store.search import Alert, AlertRule, LegalHold, SavedSearch
from wecom_app.text.message_terms import employees_of
from wecom_app.text.terms import filter_term

MAX_EXPORT_ROWS: Final = 100_000
EXPORT_PAGE: Final = 500
MAX_CONTEXT: Final = 50
MAX_CONVERSATION_PAGE: Final = 500
MAX_SAVED: Final = 100
COUNT_CAP: Final = 1000

_COLUMNS: Final = (
    "id, corp_id, msgid, status, action, msgtype, sender, receivers, roomid, conversation, "
    "external_userid, employee_userid, direction, msgtime, text, recalled_by"
)

ExportFormat = Literal["csv", "jsonl"]


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


@dataclass
class SearchPage:
    request: SearchRequest
    hits: list[MessageView]
    next_cursor: str | None
    took_ms: float
    names: dict[str, str] = field(default_factory=dict)
    # how many messages match in all, counted up to COUNT_CAP (then "COUNT_CAP or more")
    total: int = 0

    @property
    def total_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.total >= COUNT_CAP else f"{self.total:,}"

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.request.params(),
            "hits": [h.as_json() for h in self.hits],
            "next_cursor": self.next_cursor,
            "total": self.total,
            "total_capped": self.total >= COUNT_CAP,
            "took_ms": round(self.took_ms, 2),
            "names": self.names,
        }


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


class NotFound(LookupError):
    pass


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _view(row: Any) -> MessageView:
    return MessageView(
        id=int(row[0]),
        corp_pk=int(row[1]),
        msgid=str(row[2]),
        status=str(row[3]),
        action=str(row[4]),
        msgtype=str(row[5]),
        sender=str(row[6]),
        receivers=_json_list(row[7]),
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
    m = placeholders(conn)
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND id IN {in_list(conn, 2, len(ids))}",
            [corp_pk, *ids],
        )
    )
    return {v.id: v for v in map(_view, rows)}


async def load_hits(corp_pk: int, doc_ids: Sequence[int]) -> dict[int, MessageView]:
    """The messages of index hits, by document key, of this tenant only."""
    if not doc_ids:
        return {}
    conn = db()
    m = placeholders(conn)
    columns = ", ".join(f"m.{c.strip()}" for c in _COLUMNS.split(","))
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {columns}, d.doc_id FROM search_docs AS d "
            "JOIN archive_messages AS m ON m.id = d.message_id "
            f"WHERE d.corp_id = {m(1)} AND m.corp_id = {m(2)} "
            f"AND d.doc_id IN {in_list(conn, 3, len(doc_ids))}",
            [corp_pk, corp_pk, *doc_ids],
        )
    )
    found: dict[int, MessageView] = {}
    for row in rows:
        view = _view(row)
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


def filter_groups(filters: Filters) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    for kind, values in (
        ("e", filters.employees),
        ("x", filters.customers),
        ("r", filters.rooms),
        ("t", filters.msgtypes),
        ("d", filters.directions),
    ):
        if values:
            groups.append(tuple(filter_term(kind, v) for v in values))
    return groups


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


class Compliance:
    """The compliance service of one process (stateless apart from its clock)."""

    def __init__(
        self, clock: Callable[[], float] = time.time, media_dir: Path | None = None
    ) -> None:
        self.clock = clock
        self.media_dir = media_dir

    # -- access and audit --

    async def audit(self, viewer: Viewer, action: str, detail: Mapping[str, Any]) -> None:
        await audit_log.record(viewer.corp_pk, viewer.actor, action, detail, now=self.clock())

    async def deny(self, viewer: Viewer, action: str, detail: Mapping[str, Any]) -> AccessDenied:
        await self.audit(viewer, "denied", {"attempted": action, **detail})
        return AccessDenied(action)

    async def require(
        self,
        viewer: Viewer,
        action: str,
        detail: Mapping[str, Any],
        roles: Sequence[str] = ("compliance",),
    ) -> None:
        """Go on if the viewer holds one of ``roles``; otherwise audit the attempt and
        raise :class:`AccessDenied`."""
        if not viewer.roles & set(roles):
            raise await self.deny(viewer, action, {**detail, "required": list(roles)})

    async def _visible(self, viewer: Viewer, view: MessageView) -> bool:
        allowed = await visible_employees(viewer)
        return allowed is None or bool(set(employees_of(view)) & allowed)

    # -- search --

    async def plan(self, viewer: Viewer, request: SearchRequest) -> Plan | None:
        groups = filter_groups(request.filters)
        allowed = await visible_employees(viewer)
        if allowed is not None:
            if not allowed:
                return None
            groups.append(tuple(filter_term("e", e) for e in sorted(allowed)))
        low, high = time_range(viewer.corp_pk, request.filters.since, request.filters.until)
        return Plan(
            match=request.match,
            filter_groups=tuple(groups),
            low=low,
            high=high,
            sort=request.sort,
            after=request.cursor,
            limit=request.limit,
        )

    async def _page(
        self, viewer: Viewer, request: SearchRequest, *, highlight: bool = True
    ) -> tuple[list[MessageView], Cursor | None]:
        plan = await self.plan(viewer, request)
        if plan is None:
            return [], None
        conn = db()
        hits = await backend_for(conn).search(conn, plan)
        return await self._views(viewer, request, plan, hits, highlight)

    async def _views(
        self,
        viewer: Viewer,
        request: SearchRequest,
        plan: Plan,
        hits: Sequence[Hit],
        highlight: bool,
    ) -> tuple[list[MessageView], Cursor | None]:
        messages = await load_hits(viewer.corp_pk, [h.doc_id for h in hits])
        views: list[MessageView] = []
        phrases = request.match.phrases()
        for hit in hits:
            view = messages.get(hit.doc_id)
            if view is None or view.corp_pk != viewer.corp_pk:
                continue  # purged between the index and the read
            if highlight:
                view.html = snippet(view.text, phrases)
            views.append(view)
        next_cursor = None
        if len(hits) == plan.limit and hits:
            last = hits[-1]
            next_cursor = Cursor(last.doc_id, last.score)
        return views, next_cursor

    async def search(self, viewer: Viewer, request: SearchRequest) -> SearchPage:
        await self.require(viewer, "search", {"q": request.text})
        started = time.perf_counter()
        total = 0
        plan = await self.plan(viewer, request)
        if plan is None:
            views: list[MessageView] = []
            next_cursor: Cursor | None = None
        else:
            conn = db()
            backend = backend_for(conn)
            hits = await backend.search(conn, plan)
            views, next_cursor = await self._views(viewer, request, plan, hits, True)
            total = await backend.count(conn, plan, COUNT_CAP)
        took = (time.perf_counter() - started) * 1000
        await attach_media(viewer.corp_pk, views)
        await self.audit(
            viewer,
            "search",
            {
                **request.params(),
                "results": len(views),
                "total": total,
                "message_ids": [v.id for v in views],
            },
        )
        return SearchPage(
            request,
            views,
            next_cursor.encode() if next_cursor is not None else None,
            took,
            await names_for(viewer.corp_pk, views),
            total,
        )

    # -- context and conversations --

    async def _around(
        self, corp_pk: int, target: MessageView, before: int, after: int
    ) -> list[MessageView]:
        conn = db()
        m = placeholders(conn)
        older = rows_of(
            await conn.execute_query(
                f"SELECT {_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
                f"AND conversation = {m(2)} AND (msgtime < {m(3)} OR (msgtime = {m(4)} "
                f"AND id < {m(5)})) ORDER BY msgtime DESC, id DESC LIMIT {m(6)}",
                [corp_pk, target.conversation, target.msgtime, target.msgtime, target.id, before],
            )
        )
        newer = rows_of(
            await conn.execute_query(
                f"SELECT {_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
                f"AND conversation = {m(2)} AND (msgtime > {m(3)} OR (msgtime = {m(4)} "
                f"AND id > {m(5)})) ORDER BY msgtime, id LIMIT {m(6)}",
                [corp_pk, target.conversation, target.msgtime, target.msgtime, target.id, after],
            )
        )
        return [*map(_view, reversed(older)), target, *map(_view, newer)]

    async def context(
        self,
        viewer: Viewer,
        message_id: int,
        *,
        before: int = 10,
        after: int = 10,
        match: MatchQuery | None = None,
    ) -> ContextView:
        """The messages around ``message_id`` in its conversation."""
        detail: dict[str, Any] = {"message_id": message_id}
        await self.require(viewer, "context", detail)
        before = max(0, min(before, MAX_CONTEXT))
        after = max(0, min(after, MAX_CONTEXT))
        target = (await load_messages(viewer.corp_pk, [message_id])).get(message_id)
        if target is None:
            await self.audit(viewer, "context", {**detail, "found": False})
            raise NotFound(f"message {message_id}")
        if not await self._visible(viewer, target):
            raise await self.deny(viewer, "context", {**detail, "reason": "out_of_scope"})
        target.hit = True
        views = await self._around(viewer.corp_pk, target, before, after)
        phrases = match.phrases() if match is not None else []
        for view in views:
            view.html = (
                mark(view.text, spans(view.text, phrases)) if phrases else mark(view.text, [])
            )
        await attach_media(viewer.corp_pk, views)
        await self.audit(
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

    async def _conversation_visible(self, viewer: Viewer, conversation: str) -> bool:
        allowed = await visible_employees(viewer)
        if allowed is None:
            return True
        if set(conversation.split("|")) & allowed:
            return True
        if not allowed:
            return False
        conn = db()
        m = placeholders(conn)
        people = sorted(allowed)
        rows = rows_of(
            await conn.execute_query(
                f"SELECT 1 FROM archive_messages WHERE corp_id = {m(1)} AND conversation = {m(2)} "
                f"AND sender IN {in_list(conn, 3, len(people))} LIMIT 1",
                [viewer.corp_pk, conversation, *people],
            )
        )
        return bool(rows)

    async def conversation(
        self,
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
        await self.require(viewer, "conversation", detail)
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
        if not await self._conversation_visible(viewer, conversation):
            raise await self.deny(viewer, "conversation", {**detail, "reason": "out_of_scope"})
        conn = db()
        m = placeholders(conn)
        low = since * 1000 if since is not None else -(2**62)
        high = until * 1000 if until is not None else 2**62
        rows = rows_of(
            await conn.execute_query(
                f"SELECT {_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
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
        views = [_view(r) for r in rows]
        for view in views:
            view.html = mark(view.text, [])
        await attach_media(viewer.corp_pk, views)
        next_cursor = f"{views[-1].msgtime}~{views[-1].id}" if len(views) == limit else None
        await self.audit(viewer, "conversation", {**detail, "shown": len(views)})
        return ConversationPage(
            conversation,
            since,
            until,
            views,
            next_cursor,
            await names_for(viewer.corp_pk, views),
        )

    # -- export --

    async def export(
        self, viewer: Viewer, request: SearchRequest, fmt: ExportFormat
    ) -> AsyncIterator[bytes]:
        """The whole result set (up to :data:`MAX_EXPORT_ROWS`), page by page.

        Audited before the first byte; a second entry records how many rows went out.
        Memory stays bounded by one page whatever the size of the result.
        """
        await self.require(viewer, "export", {"q": request.text, "format": fmt})
        await self.audit(viewer, "export", {**request.params(), "format": fmt})
        return self._stream(viewer, request, fmt)

    async def _stream(
        self, viewer: Viewer, request: SearchRequest, fmt: ExportFormat
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
            views, next_cursor = await self._page(viewer, page_request, highlight=False)
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
        await self.audit(viewer, "export_done", {"q": request.text, "format": fmt, "rows": sent})

    # -- saved searches --

    async def saved_searches(self, viewer: Viewer) -> list[SavedSearch]:
        await self.require(viewer, "saved_searches", {})
        return await SavedSearch.filter(corp_id=viewer.corp_pk, owner=viewer.actor).order_by("name")

    async def save_search(
        self, viewer: Viewer, name: str, params: Mapping[str, str]
    ) -> SavedSearch:
        await self.require(viewer, "save_search", {"name": name})
        name = name.strip()
        if not name or len(name) > 100:
            raise QueryError("A saved search needs a name (at most 100 characters).")
        keep = {
            k: str(params[k]).strip()
            for k in (
                "q",
                "employee",
                "customer",
                "room",
                "msgtype",
                "direction",
                "since",
                "until",
                "sort",
            )
            if str(params.get(k, "")).strip()
        }
        parse_request(keep)  # refuse what would not run
        count = await SavedSearch.filter(corp_id=viewer.corp_pk, owner=viewer.actor).count()
        existing = await SavedSearch.filter(
            corp_id=viewer.corp_pk, owner=viewer.actor, name=name
        ).first()
        if existing is not None:
            existing.params = keep
            await existing.save(update_fields=["params"])
            return existing
        if count >= MAX_SAVED:
            raise QueryError(f"At most {MAX_SAVED} saved searches.")
        return await SavedSearch.create(
            corp_id=viewer.corp_pk, owner=viewer.actor, name=name, params=keep
        )

    async def delete_saved(self, viewer: Viewer, saved_id: int) -> bool:
        await self.require(viewer, "delete_saved_search", {"id": saved_id})
        deleted = await SavedSearch.filter(
            id=saved_id, corp_id=viewer.corp_pk, owner=viewer.actor
        ).delete()
        return bool(deleted)

    # -- media --

    async def media_file(self, viewer: Viewer, media_id: int) -> tuple[Path, str]:
        """The file of a fetched media item of a visible message, and its type."""
        detail: dict[str, Any] = {"media_id": media_id}
        await self.require(viewer, "media", detail)
        media = await ArchiveMedia.filter(id=media_id, corp_id=viewer.corp_pk).first()
        if media is None or media.status != "done" or not media.path or self.media_dir is None:
            raise NotFound(f"media {media_id}")
        conn = db()
        m = placeholders(conn)
        rows = rows_of(
            await conn.execute_query(
                f"SELECT {_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
                f"AND msgid = {m(2)}",
                [viewer.corp_pk, media.msgid],
            )
        )
        if rows and not await self._visible(viewer, _view(rows[0])):
            raise await self.deny(viewer, "media", {**detail, "reason": "out_of_scope"})
        path = await asyncio.to_thread(_media_path, self.media_dir, media.path)
        if path is None:
            raise NotFound(f"media {media_id}")
        await self.audit(viewer, "media", {**detail, "msgid": media.msgid})
        return path, media.msgtype

    # -- alerts and rules --

    async def alerts(
        self, viewer: Viewer, *, status: str = "open", before_id: int | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        await self.require(viewer, "alerts", {"status": status})
        query = Alert.filter(corp_id=viewer.corp_pk)
        if status in ("open", "acknowledged"):
            query = query.filter(status=status)
        if before_id is not None:
            query = query.filter(id__lt=before_id)
        rows = await query.order_by("-id").limit(max(1, min(limit, 200))).prefetch_related("rule")
        messages = await load_messages(viewer.corp_pk, [a.message_id for a in rows])
        allowed = await visible_employees(viewer)
        out: list[dict[str, Any]] = []
        for alert in rows:
            view = messages.get(alert.message_id)
            if view is None:
                continue
            if allowed is not None and not set(employees_of(view)) & allowed:
                continue
            html = _highlight_matched(view.text, alert.matched) or mark(view.text, [])
            out.append(
                {
                    "id": alert.id,
                    "rule": alert.rule.name,
                    "rule_id": alert.rule_id,
                    "matched": alert.matched,
                    "status": alert.status,
                    "acknowledged_by": alert.acknowledged_by,
                    "created_at": alert.created_at.isoformat() if alert.created_at else "",
                    "message": {**view.as_json(), "html": str(html)},
                }
            )
        return out

    async def acknowledge(self, viewer: Viewer, alert_id: int) -> bool:
        await self.require(viewer, "alert_ack", {"alert_id": alert_id})
        if viewer.scoped:  # only alerts on messages the viewer may see (as listed)
            alert = await Alert.filter(id=alert_id, corp_id=viewer.corp_pk).first()
            if alert is None:
                return False
            view = (await load_messages(viewer.corp_pk, [alert.message_id])).get(alert.message_id)
            if view is None or not await self._visible(viewer, view):
                raise await self.deny(
                    viewer, "alert_ack", {"alert_id": alert_id, "reason": "out_of_scope"}
                )
        done = await acknowledge_alert(viewer.corp_pk, alert_id, viewer.actor)
        if done:
            await self.audit(viewer, "alert_ack", {"alert_id": alert_id})
        return done

    async def rules(self, viewer: Viewer) -> list[AlertRule]:
        await self.require(viewer, "rules", {})
        return await AlertRule.filter(corp_id=viewer.corp_pk).order_by("-enabled", "name")

    async def add_rule(
        self,
        viewer: Viewer,
        *,
        name: str,
        kind: str,
        pattern: str,
        departments: Sequence[str] = (),
        notify: Sequence[str] = (),
    ) -> AlertRule:
        """Raises :class:`~wecom_app.search.alerts.RuleError` for a pattern we refuse."""
        await self.require(viewer, "rule_add", {"name": name})
        await check_recipients(viewer.corp_pk, notify)
        rule = await create_rule(
            viewer.corp_pk,
            name=name,
            kind=kind,
            pattern=pattern,
            departments=departments,
            notify=notify,
            created_by=viewer.actor,
        )
        await self.audit(
            viewer,
            "rule_add",
            {"rule_id": rule.id, "name": rule.name, "kind": rule.kind, "pattern": rule.pattern},
        )
        return rule

    async def set_rule_enabled(self, viewer: Viewer, rule_id: int, enabled: bool) -> bool:
        await self.require(viewer, "rule_toggle", {"rule_id": rule_id})
        rule = await AlertRule.filter(id=rule_id, corp_id=viewer.corp_pk).first()
        if rule is None:
            return False
        if enabled:
            compile_pattern(rule.kind, rule.pattern)  # a rule switched off as unsafe stays off
        rule.enabled = enabled
        rule.disabled_reason = "" if enabled else rule.disabled_reason
        await rule.save(update_fields=["enabled", "disabled_reason", "updated_at"])
        await self.audit(viewer, "rule_toggle", {"rule_id": rule_id, "enabled": enabled})
        return True

    # -- legal holds --

    async def holds(self, viewer: Viewer) -> list[LegalHold]:
        await self.require(viewer, "holds", {}, roles=("compliance", "admin"))
        return await LegalHold.filter(corp_id=viewer.corp_pk).order_by("released_at", "-created_at")

    async def add_hold(self, viewer: Viewer, kind: str, subject: str, reason: str) -> LegalHold:
        await self.require(viewer, "hold_add", {"subject": subject}, roles=("compliance", "admin"))
        subject = subject.strip()
        if kind not in ("customer", "employee") or not subject or len(subject) > 64:
            raise QueryError("A hold is for a customer (external_userid) or an employee (userid).")
        hold = await LegalHold.create(
            corp_id=viewer.corp_pk,
            kind=kind,
            subject=subject,
            reason=reason.strip()[:2000],
            created_by=viewer.actor,
        )
        await self.audit(viewer, "hold_add", {"hold_id": hold.id, "kind": kind, "subject": subject})
        return hold

    async def release_hold(self, viewer: Viewer, hold_id: int) -> bool:
        await self.require(
            viewer, "hold_release", {"hold_id": hold_id}, roles=("compliance", "admin")
        )
        updated = await LegalHold.filter(
            id=hold_id, corp_id=viewer.corp_pk, released_at__isnull=True
        ).update(released_at=datetime.fromtimestamp(self.clock(), UTC))
        if updated:
            await self.audit(viewer, "hold_release", {"hold_id": hold_id})
        return bool(updated)

    # -- the audit log (admins) --

    async def audit_entries(
        self, viewer: Viewer, *, before_seq: int | None = None, limit: int = 100
    ) -> list[audit_log.Entry]:
        await self.require(viewer, "audit_read", {}, roles=("admin",))
        return await audit_log.entries(
            viewer.corp_pk, before_seq=before_seq or 2**62, limit=max(1, min(limit, 500))
        )

    async def audit_verify(self, viewer: Viewer) -> audit_log.Verification:
        await self.require(viewer, "audit_verify", {}, roles=("admin",))
        return await audit_log.verify(viewer.corp_pk)


def _media_path(media_dir: Path, stored: str) -> Path | None:
    """The file of a media row, if it exists inside the media directory."""
    root = media_dir.resolve()
    path = Path(stored)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _highlight_matched(text: str, matched: str) -> Markup | None:
    """Mark what an alert rule matched (a regex match or a words line) in the text."""
    if not matched:
        return None
    at = text.find(matched)
    if at >= 0:
        return mark(text, [(at, at + len(matched))])
    try:
        query = parse_query(matched)
    except QueryError:
        return None
    return mark(text, spans(text, query.phrases()))
