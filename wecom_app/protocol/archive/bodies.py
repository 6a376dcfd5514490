"""Per message type: where its body lives, its searchable text, its media.

:data:`KNOWN_MSGTYPES` are the types with a handler; :func:`body_of` finds a type's body
in a message, :func:`extract_known` runs its handler, and :func:`gather_text` collects
the human text of a body of a type we do not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from wecom_app.protocol import jsonin
from wecom_app.protocol.archive.fields import JsonObject, as_int
from wecom_app.protocol.archive.records import MediaRef

MAX_NESTING: Final = 8  # chatrecord inside chatrecord...: bounded so hostile input cannot recurse


def _strs(value: object) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, list):
        for item in value:
            yield from _strs(item)


def _texts(body: Mapping[str, Any], *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        out.extend(_strs(body.get(key)))
    return out


def _media(
    kind: str,
    body: Mapping[str, Any],
    *,
    size_key: str = "filesize",
    ext: str = "",
    filename_key: str = "",
) -> list[MediaRef]:
    fileid = body.get("sdkfileid")
    if not isinstance(fileid, str) or not fileid:
        return []
    md5 = body.get("md5sum")
    filename = body.get(filename_key) if filename_key else ""
    filename = filename if isinstance(filename, str) else ""
    if not ext and filename and "." in filename:
        ext = filename.rsplit(".", 1)[1]
    return [
        MediaRef(
            kind=kind,
            sdkfileid=fileid,
            md5sum=md5 if isinstance(md5, str) else "",
            size=as_int(body.get(size_key)),
            filename=filename,
            ext=ext,
        )
    ]


@dataclass(frozen=True, slots=True)
class Extracted:
    text: list[str]
    media: list[MediaRef]
    body: JsonObject
    problems: list[str]


def _simple(
    text_keys: tuple[str, ...] = (),
    media: Callable[[Mapping[str, Any]], list[MediaRef]] | None = None,
) -> Callable[[JsonObject, int], Extracted]:
    def extract(body: JsonObject, depth: int) -> Extracted:
        return Extracted(_texts(body, *text_keys), media(body) if media else [], body, [])

    return extract


def _file_ext(body: Mapping[str, Any]) -> str:
    ext = body.get("fileext")
    return ext if isinstance(ext, str) else ""


def _emotion_media(body: Mapping[str, Any]) -> list[MediaRef]:
    # emotion.type: 1 gif, 2 png
    ext = "gif" if as_int(body.get("type")) == 1 else "png"
    return _media("emotion", body, size_key="imagesize", ext=ext)


def _calendar_text(body: JsonObject, depth: int) -> Extracted:
    return Extracted(
        _texts(body, "title", "creatorname", "attendeename", "place", "remarks"), [], body, []
    )


def _collect(body: JsonObject, depth: int) -> Extracted:
    text = _texts(body, "room_name", "creator", "title")
    details = body.get("details")
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict):
                text.extend(_texts(item, "ques"))
    return Extracted(text, [], body, [])


def _news(body: JsonObject, depth: int) -> Extracted:
    text: list[str] = []
    items = body.get("item")
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                text.extend(_texts(item, "title", "description", "url"))
    return Extracted(text, [], body, [])


def _meeting_voice_call(body: JsonObject, depth: int) -> Extracted:
    text: list[str] = []
    shares = body.get("demofiledata")
    if isinstance(shares, list):
        for share in shares:
            if isinstance(share, dict):
                text.extend(_texts(share, "filename"))
    return Extracted(text, _media("meeting_voice_call", body), body, [])


def _listed(*keys: str, lists: tuple[str, ...] = ()) -> _Handler:
    """Named text fields, then every entry of the list fields (sign-up rows...), gathered
    whole: WeCom's samples for these types vary, so no entry's field names are assumed."""

    def extract(body: JsonObject, depth: int) -> Extracted:
        text = _texts(body, *keys)
        for key in lists:
            gather_text(body.get(key), text)
        return Extracted(text, [], body, [])

    return extract


_ITEM_TYPE_PREFIX = "ChatRecord"


def _item_type(raw_type: str) -> str:
    """``ChatRecordText`` → ``text``; mixed items already say ``text``/``image``/..."""
    name = raw_type.removeprefix(_ITEM_TYPE_PREFIX) if raw_type else raw_type
    return name.lower()


def _items(body: JsonObject, depth: int, *, container: str) -> Extracted:
    """chatrecord / mixed: each item's ``content`` is a JSON string of that type's body."""
    text: list[str] = []
    media: list[MediaRef] = []
    problems: list[str] = []
    if container == "chatrecord":
        text.extend(_texts(body, "title"))
    out_items: list[JsonObject] = []
    items = body.get("item")
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(f"{container}.item is not a list")
        items = []
    for index, item in enumerate(items):
        where = f"{container}.item[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            out_items.append({"type": "", "raw_type": "", "body": item, "text": ""})
            continue
        raw_type = item.get("type")
        if not isinstance(raw_type, str):
            raw_type = ""
        kind = _item_type(raw_type)
        content = item.get("content")
        if isinstance(content, str):
            try:
                content = jsonin.loads(content)
            except ValueError:
                problems.append(f"{where}.content is not JSON")
                content = {"content": content}  # keep the string; it is often plain text
        if not isinstance(content, dict):
            problems.append(f"{where}.content is not an object")
            content = {"content": content}
        if depth >= MAX_NESTING:
            problems.append(f"{where} nested too deeply; kept as is")
            extracted = Extracted([], [], content, [])
        else:
            extracted = extract_body(kind, content, depth + 1, where)
        problems.extend(extracted.problems)
        item_text = "\n".join(extracted.text)
        text.extend(extracted.text)
        media.extend(extracted.media)
        normal: JsonObject = {
            k: v for k, v in item.items() if k not in ("type", "content")
        }  # msgtime, from_chatroom, and whatever WeCom adds later
        normal.update({"type": kind, "raw_type": raw_type, "body": extracted.body})
        normal["text"] = item_text
        out_items.append(normal)
    normal_body = {k: v for k, v in body.items() if k != "item"}
    normal_body["item"] = out_items
    return Extracted(text, media, normal_body, problems)


_SKIP_GATHER: Final = frozenset(
    {"msgid", "action", "from", "tolist", "roomid", "msgtype", "sdkfileid", "md5sum"}
)


def gather_text(value: object, out: list[str], depth: int = 0) -> None:
    """All human text of an unknown body: leaf strings except ids and checksums."""
    if depth > MAX_NESTING:
        return
    if isinstance(value, str):
        if value.strip():
            out.append(value.strip())
    elif isinstance(value, list):
        for item in value:
            gather_text(item, out, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in _SKIP_GATHER or key.endswith("id"):
                continue
            gather_text(item, out, depth + 1)


_Handler = Callable[[JsonObject, int], Extracted]

# msgtype → (key of its body in the message, fields WeCom puts beside it, handler)
_TYPES: Final[dict[str, tuple[str, tuple[str, ...], _Handler]]] = {
    "text": ("text", (), _simple(("content",))),
    "markdown": ("info", (), _simple(("content",))),
    "image": ("image", (), _simple(media=lambda b: _media("image", b, ext="jpg"))),
    "revoke": ("revoke", (), _simple()),
    "agree": ("agree", (), _simple()),
    "disagree": ("disagree", (), _simple()),
    "voice": (
        "voice",
        (),
        _simple(media=lambda b: _media("voice", b, size_key="voice_size", ext="amr")),
    ),
    "video": ("video", (), _simple(media=lambda b: _media("video", b, ext="mp4"))),
    "card": ("card", (), _simple(("corpname",))),
    "location": ("location", (), _simple(("title", "address"))),
    "emotion": ("emotion", (), _simple(media=_emotion_media)),
    "file": (
        "file",
        (),
        _simple(
            ("filename",),
            media=lambda b: _media("file", b, ext=_file_ext(b), filename_key="filename"),
        ),
    ),
    "link": ("link", (), _simple(("title", "description", "link_url"))),
    "weapp": ("weapp", (), _simple(("title", "description", "displayname"))),
    "chatrecord": ("chatrecord", (), lambda b, d: _items(b, d, container="chatrecord")),
    "mixed": ("mixed", (), lambda b, d: _items(b, d, container="mixed")),
    "meeting_voice_call": ("meeting_voice_call", ("voiceid",), _meeting_voice_call),
    "voip_doc_share": (
        "voip_doc_share",
        ("voipid",),
        _simple(
            ("filename",),
            media=lambda b: _media("voip_doc_share", b, filename_key="filename"),
        ),
    ),
    "voiptext": ("voiptext", ("voipid",), _simple()),
    "calendar": ("calendar", (), _calendar_text),
    "todo": ("todo", (), _simple(("title", "content"))),
    # vote's fields sit beside the base fields in WeCom's samples; "vote" is also accepted
    "vote": (
        "vote",
        ("votetitle", "voteitem", "votetype", "voteid"),
        _simple(("votetitle", "voteitem")),
    ),
    "collect": ("collect", (), _collect),
    "redpacket": ("redpacket", (), _simple(("wish",))),
    "external_redpacket": ("redpacket", (), _simple(("wish",))),
    "meeting": ("meeting", (), _simple(("topic", "address", "remarks"))),
    "docmsg": ("doc", (), _simple(("title", "link_url"))),
    "news": ("info", (), _news),
    "sphfeed": ("sphfeed", (), _simple(("sph_name", "feed_desc"))),
    "qydiskfile": ("info", (), _simple(("filename",))),
    # Doc 91774 (获取会话内容, 消息格式) 会议控制消息: a meeting's control notice
    # (meetingid, notification_type, content); 接龙 and 笔记 are not sampled in every
    # version of that page, so their bodies follow what WeCom is known to send: a
    # title/content/creator and, for 接龙, the list of sign-ups ("details").
    "meeting_notification": ("meeting_notification", (), _simple(("content",))),
    "solitaire": ("solitaire", (), _listed("title", "creator", "content", lists=("details",))),
    "note": ("note", (), _listed("title", "content", lists=("item",))),
}

KNOWN_MSGTYPES: Final = frozenset(_TYPES)

# Items of chatrecord/mixed carry just a type's body, so the body key does not matter.
_ITEM_ALIASES: Final = {"doc": "docmsg"}


def extract_body(kind: str, body: JsonObject, depth: int, where: str) -> Extracted:
    spec = _TYPES.get(_ITEM_ALIASES.get(kind, kind))
    if spec is None:
        text: list[str] = []
        gather_text(body, text)
        found = _media(kind, body) if "sdkfileid" in body else []
        return Extracted(text, found, body, [f"{where}: unknown type {kind!r}"])
    return spec[2](body, depth)


def body_of(message: Mapping[str, Any], msgtype: str) -> tuple[JsonObject | None, list[str]]:
    key, beside, _handler = _TYPES[msgtype]
    body = message.get(key)
    if body is None and msgtype == "disagree":
        body = message.get("agree")  # tolerate a sample that reuses the agree object
    if body is None and msgtype == "vote":
        flat = {k: message[k] for k in beside if k in message}
        if flat:
            return flat, []
    if not isinstance(body, dict):
        return None, [f"{msgtype}: body {key!r} missing or not an object"]
    body = dict(body)
    for k in beside:
        if k in message and k not in body:
            body[k] = message[k]
    return body, []


def extract_known(msgtype: str, body: JsonObject) -> Extracted:
    """Run the handler of ``msgtype`` (one of :data:`KNOWN_MSGTYPES`) on its ``body``."""
    return _TYPES[msgtype][2](body, 0)
