"""Decrypted callback payloads → typed events.

Two envelopes exist (wecom-protocol.md §3):

* suite *command* callbacks: ``<xml><SuiteId/><InfoType/><TimeStamp/>...</xml>``; customer
  and contact changes of authorised corps come here too, with ``AuthCorpId``;
* self-built / data callbacks: ``<xml><ToUserName/><FromUserName/><CreateTime/>
  <MsgType/>[<Event/>]...</xml>``.

Every event keeps all its fields (``fields``), so an event we have no type for is still
stored whole and can be applied later. The *name* (``InfoType`` or ``Event``, or
``message`` for plain messages) and ``change_type`` select a handler.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TypedDict, cast

from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.xml import XmlDict, XmlValue, text


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part for part in (p.strip() for p in value.split(",")) if part)


def _items(value: XmlValue | None) -> tuple[str, ...]:
    """A list WeCom sends either as ``a,b`` or as ``<Item>a</Item><Item>b</Item>``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _csv(value)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    out: list[str] = []
    for inner in value.values():
        out.extend(_items(inner))
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Any callback. Subclasses add typed accessors; ``fields`` always has everything."""

    name: str
    change_type: str
    corp_id: str
    create_time: int
    fields: XmlDict = field(repr=False, compare=False)

    @property
    def handler_key(self) -> str:
        return f"{self.name}:{self.change_type}" if self.change_type else self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(Event):
    """An event or message type we have no class for. Stored whole, never dropped."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteTicket(Event):
    suite_id: str = ""
    ticket: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateAuth(Event):
    suite_id: str = ""
    auth_code: str = ""
    state: str = ""
    extra_info: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAuth(Event):
    suite_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAuth(Event):
    suite_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPermanentCode(Event):
    suite_id: str = ""
    auth_code: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeContact(Event):
    user_id: str = ""
    new_user_id: str = ""
    open_user_id: str = ""
    user_name: str = ""
    departments: tuple[str, ...] = ()
    main_department: str = ""
    position: str = ""
    mobile: str = ""
    email: str = ""
    status: str = ""
    party_id: str = ""
    tag_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeExternalContact(Event):
    user_id: str = ""
    external_user_id: str = ""
    state: str = ""
    welcome_code: str = ""
    source: str = ""
    fail_reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeExternalChat(Event):
    chat_id: str = ""
    update_detail: str = ""
    join_scene: int = 0
    quit_scene: int = 0
    member_change_count: int = 0
    member_change_list: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeExternalTag(Event):
    tag_id: str = ""
    tag_type: str = ""
    strategy_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MsgAuditNotify(Event):
    agent_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(Event):
    """A plain message sent to the app (``MsgType`` ≠ ``event``)."""

    msg_type: str = ""
    msg_id: str = ""
    from_user: str = ""
    content: str = ""
    agent_id: str = ""


class _Common(TypedDict):
    name: str
    change_type: str
    corp_id: str
    create_time: int
    fields: XmlDict


def parse_event(doc: XmlDict) -> Event:
    """Turn a decrypted callback document into the most specific event we know."""
    info_type = text(doc, "InfoType")
    if info_type:
        return _parse_command(doc, info_type)
    return _parse_data(doc)


def _parse_command(doc: XmlDict, info_type: str) -> Event:
    suite_id = text(doc, "SuiteId")
    common = _Common(
        name=info_type,
        change_type=text(doc, "ChangeType"),
        corp_id=text(doc, "AuthCorpId"),
        create_time=_int(text(doc, "TimeStamp")),
        fields=doc,
    )
    if info_type == "suite_ticket":
        return SuiteTicket(**common, suite_id=suite_id, ticket=text(doc, "SuiteTicket"))
    if info_type == "create_auth":
        return CreateAuth(
            **common,
            suite_id=suite_id,
            auth_code=text(doc, "AuthCode"),
            state=text(doc, "State"),
            extra_info=text(doc, "ExtraInfo"),
        )
    if info_type == "change_auth":
        return ChangeAuth(**common, suite_id=suite_id)
    if info_type == "cancel_auth":
        return CancelAuth(**common, suite_id=suite_id)
    if info_type == "reset_permanent_code":
        return ResetPermanentCode(**common, suite_id=suite_id, auth_code=text(doc, "AuthCode"))
    return _parse_change(doc, common)


def _parse_data(doc: XmlDict) -> Event:
    msg_type = text(doc, "MsgType")
    corp_id = text(doc, "ToUserName")
    create_time = _int(text(doc, "CreateTime"))
    if msg_type == "event":
        common = _Common(
            name=text(doc, "Event"),
            change_type=text(doc, "ChangeType"),
            corp_id=corp_id,
            create_time=create_time,
            fields=doc,
        )
        if common["name"] == "msgaudit_notify":
            return MsgAuditNotify(**common, agent_id=text(doc, "AgentID"))
        return _parse_change(doc, common)
    if not msg_type:
        return UnknownEvent(
            name="", change_type="", corp_id=corp_id, create_time=create_time, fields=doc
        )
    return Message(
        name="message",
        change_type=msg_type,
        corp_id=corp_id,
        create_time=create_time,
        fields=doc,
        msg_type=msg_type,
        msg_id=text(doc, "MsgId"),
        from_user=text(doc, "FromUserName"),
        content=text(doc, "Content"),
        agent_id=text(doc, "AgentID"),
    )


def _parse_change(doc: XmlDict, common: _Common) -> Event:
    name = common["name"]
    if name == "change_contact":
        return ChangeContact(
            **common,
            user_id=text(doc, "UserID"),
            new_user_id=text(doc, "NewUserID"),
            open_user_id=text(doc, "OpenUserID"),
            user_name=text(doc, "Name"),
            departments=_items(doc.get("Department")),
            main_department=text(doc, "MainDepartment"),
            position=text(doc, "Position"),
            mobile=text(doc, "Mobile"),
            email=text(doc, "Email"),
            status=text(doc, "Status"),
            party_id=text(doc, "Id"),
            tag_id=text(doc, "TagId"),
        )
    if name == "change_external_contact":
        return ChangeExternalContact(
            **common,
            user_id=text(doc, "UserID"),
            external_user_id=text(doc, "ExternalUserID"),
            state=text(doc, "State"),
            welcome_code=text(doc, "WelcomeCode"),
            source=text(doc, "Source"),
            fail_reason=text(doc, "FailReason"),
        )
    if name == "change_external_chat":
        return ChangeExternalChat(
            **common,
            chat_id=text(doc, "ChatId"),
            update_detail=text(doc, "UpdateDetail"),
            join_scene=_int(text(doc, "JoinScene")),
            quit_scene=_int(text(doc, "QuitScene")),
            member_change_count=_int(text(doc, "MemChangeCnt")),
            member_change_list=_items(doc.get("MemChangeList")),
        )
    if name == "change_external_tag":
        return ChangeExternalTag(
            **common,
            tag_id=text(doc, "Id"),
            tag_type=text(doc, "TagType"),
            strategy_id=text(doc, "StrategyId"),
        )
    return UnknownEvent(**common)


def identity(doc: XmlDict) -> tuple[str, str, str]:
    """``(name, change_type, corp_id)`` without building the typed event (hot path)."""
    info_type = text(doc, "InfoType")
    if info_type:
        return info_type, text(doc, "ChangeType"), text(doc, "AuthCorpId")
    msg_type = text(doc, "MsgType")
    corp_id = text(doc, "ToUserName")
    if msg_type == "event":
        return text(doc, "Event"), text(doc, "ChangeType"), corp_id
    return ("message" if msg_type else ""), msg_type, corp_id


def dedup_key(doc: XmlDict) -> str:
    """A key under which a retry of the same callback collides and nothing else does.

    WeCom re-encrypts a retried callback (new random prefix, new nonce and timestamp in
    the URL), but the decrypted document is the same. A plain message has a ``MsgId``.
    Events have none, and two *different* events can share sender and second (peers
    merged them, WxJava #1745), so the key hashes every field of the event.

    The event's own time leads the key: a retry carries the same time, so nothing
    changes for deduplication, but new keys arrive in nearly ascending order and the
    unique index grows at its end instead of at random pages (3x cheaper inserts).
    """
    msg_id = text(doc, "MsgId")
    if msg_id and text(doc, "MsgType") not in ("", "event"):
        if len(msg_id) <= 60:
            return "m:" + msg_id
        return "m:" + hashlib.sha256(msg_id.encode()).hexdigest()[:40]
    when = text(doc, "CreateTime") or text(doc, "TimeStamp")
    when = when if is_digits(when) and len(when) <= 12 else "0"
    digest = hashlib.sha256(_canonical(doc).encode()).hexdigest()[:40]
    return f"e:{int(when):012d}:{digest}"


_JOIN_FIELD = "\x1f".join


def _canonical(doc: XmlDict) -> str:
    """A stable text of every field: sorted, unambiguous separators (JSON when nested)."""
    items = sorted(doc.items())
    if all(type(value) is str for _, value in items):
        # Control characters cannot occur in XML 1.0 text, so they separate safely.
        return "\x1e".join(map(_JOIN_FIELD, cast("list[tuple[str, str]]", items)))
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
