"""Chat archive (会话内容存档), sans-I/O: GetChatData records, key handling, normalising.

wecom-protocol.md §6. The pipeline for one record is::

    GetChatData JSON ──parse_chat_data──▶ ChatData
    ChatData.encrypt_random_key ──decrypt_random_key(keys[publickey_ver])──▶ random key
    (random key, encrypt_chat_msg) ──source.decrypt (the SDK's DecryptData)──▶ plaintext
    plaintext ──normalise_message──▶ ArchiveRecord

Only the middle step that needs WeCom's unpublished algorithm lives outside this module
(in an archive source). Everything here takes bytes/strings and returns typed values;
nothing does I/O or reads a clock.

Three rules shape the code:

* **Nothing is dropped.** A malformed record in a batch is reported on its own
  (:class:`BadChatData`) next to the good ones; a message type we do not know is kept
  whole in ``body`` with ``unknown=True``; a known type with odd fields still becomes a
  record, with what was odd listed in ``problems``.
* **A missing key is not a broken message.** :class:`MissingKeyVersion` (park it, ask
  the admin for the old key) is distinct from :class:`BadRandomKey` (the data or the key
  is wrong).
* **Derived facts are computed once, here**: conversation key, who is a customer, the
  customer of a 1:1 chat, direction, and the media to fetch.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom_app.protocol import jsonin
from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.errors import ProtocolError

JsonObject = dict[str, Any]

MAX_CHATDATA_LIMIT: Final = 1000
"""GetChatData refuses a larger ``limit`` (SDK header: 超过1000条会返回错误)."""

MIN_RSA_BITS: Final = 2048
"""WeCom's archive keys are RSA-2048; anything weaker is refused, not just warned about."""

# With OpenSSL's implicit rejection (3.2+), PKCS#1 v1.5 decryption under the *wrong*
# key does not fail: it returns pseudo-random bytes. DecryptData takes the random key as
# a C string, so a real one is text; we accept printable ASCII of a sane length and call
# anything else a bad key. ❓ WeCom does not document the exact shape, hence constants.
RANDOM_KEY_MIN_LEN: Final = 8
RANDOM_KEY_MAX_LEN: Final = 245  # the most PKCS#1 v1.5 can carry under a 2048-bit key


# ---------------------------------------------------------------------------- errors


class ArchiveError(ProtocolError):
    """Base class of archive protocol errors.

    Codes follow the Finance SDK's table (10000–10011) where the meaning is the same,
    so a puller can treat an SDK error and ours alike.
    """

    code = 10002
    reason = "archive_error"


class MalformedChatData(ArchiveError):
    """The GetChatData response as a whole is unusable (not JSON, no ``chatdata`` list)."""

    code = 10002
    reason = "malformed_chatdata"


class ChatDataResponseError(ArchiveError):
    """GetChatData answered with a non-zero ``errcode`` inside its JSON."""

    reason = "chatdata_errcode"

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"GetChatData errcode {errcode}: {errmsg}")
        self.code = errcode
        self.errmsg = errmsg


class MissingKeyVersion(ArchiveError):
    """No private key for this ``publickey_ver``: park the message until the key is added."""

    code = 10007
    reason = "missing_key_version"

    def __init__(self, publickey_ver: int, available: Iterable[int] = ()) -> None:
        have = ", ".join(str(v) for v in sorted(available)) or "none"
        super().__init__(
            f"no private key for publickey_ver {publickey_ver} (have: {have}); "
            "add the key the admin uploaded for that version"
        )
        self.publickey_ver = publickey_ver


class BadRandomKey(ArchiveError):
    """``encrypt_random_key`` could not be decrypted into a usable key."""

    code = 10008
    reason = "bad_random_key"


class PrivateKeyError(ArchiveError):
    """An archive private key given by the admin is unusable."""

    code = 10000
    reason = "bad_private_key"


class MalformedMessage(ArchiveError):
    """A decrypted message is not a JSON object with a msgid."""

    code = 10002
    reason = "malformed_message"


# ---------------------------------------------------------------------- GetChatData


@dataclass(frozen=True, slots=True)
class ChatData:
    """One still-encrypted record of a GetChatData batch."""

    seq: int
    msgid: str
    publickey_ver: int
    encrypt_random_key: str
    encrypt_chat_msg: str


@dataclass(frozen=True, slots=True)
class BadChatData:
    """A record of a batch that is not a valid :class:`ChatData`.

    ``seq`` and ``msgid`` are filled when they could be read, so the record can be
    stored for inspection and the cursor can move past it; ``raw`` is the value as sent.
    """

    index: int
    reason: str
    seq: int | None
    msgid: str | None
    raw: Any = field(compare=False)


class ChatDataBatch(list[ChatData]):
    """The valid records of one GetChatData answer, in order, plus the malformed ones.

    It *is* the ``list[ChatData]`` a source returns, so simple callers iterate it; a
    puller also stores :attr:`malformed` and advances its cursor to :attr:`highest_seq`,
    which counts malformed records whose seq was readable (skipping past them is safe
    only because they are stored, never silently).
    """

    __slots__ = ("malformed",)

    def __init__(
        self, records: Iterable[ChatData] = (), malformed: Iterable[BadChatData] = ()
    ) -> None:
        super().__init__(records)
        self.malformed: tuple[BadChatData, ...] = tuple(malformed)

    @property
    def highest_seq(self) -> int | None:
        seqs = [r.seq for r in self]
        seqs.extend(b.seq for b in self.malformed if b.seq is not None)
        return max(seqs, default=None)

    def __repr__(self) -> str:
        return f"ChatDataBatch({list.__repr__(self)}, malformed={self.malformed!r})"


def _as_int(value: object) -> int | None:
    """An integer WeCom may send as a JSON number or a decimal string; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value.strip()):
        return int(value)
    return None


def _parse_record(index: int, raw: object) -> ChatData | BadChatData:
    if type(raw) is dict:
        # The shape WeCom sends, checked in one go (nearly every record); anything else
        # takes the slow path below, which names each problem.
        seq, msgid, ver = raw.get("seq"), raw.get("msgid"), raw.get("publickey_ver")
        key, message = raw.get("encrypt_random_key"), raw.get("encrypt_chat_msg")
        if (
            type(seq) is int
            and seq >= 0
            and type(ver) is int
            and ver >= 0
            and type(msgid) is str
            and msgid
            and type(key) is str
            and key
            and type(message) is str
            and message
        ):
            return ChatData(seq, msgid, ver, key, message)
    if not isinstance(raw, dict):
        return BadChatData(index, "record is not a JSON object", None, None, raw)
    problems: list[str] = []
    seq = _as_int(raw.get("seq"))
    if seq is None or seq < 0:
        problems.append("seq missing or not a non-negative integer")
    msgid = raw.get("msgid")
    if not isinstance(msgid, str) or not msgid:
        problems.append("msgid missing or empty")
        msgid = None
    ver = _as_int(raw.get("publickey_ver"))
    if ver is None or ver < 0:
        problems.append("publickey_ver missing or not a non-negative integer")
    for name in ("encrypt_random_key", "encrypt_chat_msg"):
        value = raw.get(name)
        if not isinstance(value, str) or not value:
            problems.append(f"{name} missing or empty")
    if problems or seq is None or ver is None or msgid is None:
        good_seq = seq if seq is not None and seq >= 0 else None
        return BadChatData(index, "; ".join(problems), good_seq, msgid, raw)
    return ChatData(
        seq=seq,
        msgid=msgid,
        publickey_ver=ver,
        encrypt_random_key=raw["encrypt_random_key"],
        encrypt_chat_msg=raw["encrypt_chat_msg"],
    )


def parse_chat_data(raw: bytes | str) -> ChatDataBatch:
    """Parse GetChatData's ``{"errcode","errmsg","chatdata":[...]}``.

    Raises :class:`ChatDataResponseError` for a non-zero errcode and
    :class:`MalformedChatData` when the envelope is unusable; a bad *record* never
    raises — it is returned in :attr:`ChatDataBatch.malformed`.
    """
    try:
        doc = jsonin.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedChatData(f"GetChatData answer is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedChatData("GetChatData answer is not a JSON object")
    errcode = _as_int(doc.get("errcode", 0))
    if errcode is None:
        raise MalformedChatData("GetChatData errcode is not an integer")
    if errcode != 0:
        errmsg = doc.get("errmsg")
        raise ChatDataResponseError(errcode, errmsg if isinstance(errmsg, str) else "")
    chatdata = doc.get("chatdata")
    if not isinstance(chatdata, list):
        raise MalformedChatData("GetChatData answer has no chatdata list")
    good: list[ChatData] = []
    bad: list[BadChatData] = []
    for index, item in enumerate(chatdata):
        parsed = _parse_record(index, item)
        if isinstance(parsed, ChatData):
            good.append(parsed)
        else:
            bad.append(parsed)
    return ChatDataBatch(good, bad)


# ---------------------------------------------------------------------------- keys


def load_private_key(pem: bytes | str, password: bytes | None = None) -> rsa.RSAPrivateKey:
    """Load and check an archive private key (PKCS#1 or PKCS#8 PEM, RSA ≥ 2048 bits).

    Every way this can go wrong gets its own message, because an admin pastes this
    key into a form and needs to know what to fix.
    """
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    data = data.strip()
    if not data:
        raise PrivateKeyError("the private key is empty")
    if b"-----BEGIN" not in data:
        raise PrivateKeyError("the private key is not PEM (expected -----BEGIN ... KEY-----)")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise PrivateKeyError(
            "this is a public key; paste the private key that belongs to the public key "
            "uploaded to WeCom"
        )
    if b"BEGIN OPENSSH PRIVATE KEY" in data:
        raise PrivateKeyError(
            "OpenSSH key format is not supported; convert it to PEM "
            "(ssh-keygen -p -m PEM -f KEY) or generate with openssl genrsa 2048"
        )
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        # cryptography raises TypeError both for a missing and for a superfluous password.
        if password is None:
            raise PrivateKeyError("the private key is encrypted; a password is needed") from exc
        raise PrivateKeyError("the private key is not encrypted; give no password") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise PrivateKeyError(
            "the private key could not be read (damaged PEM or wrong password)"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PrivateKeyError(
            f"the key is {type(key).__name__.removeprefix('_')}, but WeCom archive keys are RSA"
        )
    if key.key_size < MIN_RSA_BITS:
        raise PrivateKeyError(
            f"the RSA key has {key.key_size} bits; WeCom archive keys need at least {MIN_RSA_BITS}"
        )
    return key


def load_private_keys(pems: Mapping[int, bytes | str]) -> dict[int, rsa.RSAPrivateKey]:
    """Load one key per ``publickey_ver``; an error names the version it is about."""
    keys: dict[int, rsa.RSAPrivateKey] = {}
    for version, pem in pems.items():
        try:
            keys[version] = load_private_key(pem)
        except PrivateKeyError as exc:
            raise PrivateKeyError(f"publickey_ver {version}: {exc}") from exc
    return keys


def public_key_pem(key: rsa.RSAPrivateKey) -> str:
    """The public half as PEM (SubjectPublicKeyInfo), for the admin to upload to WeCom."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# printable ASCII without space, the whole key (a per-byte Python loop cost 3 µs)
_RANDOM_KEY_BYTES: Final = re.compile(rb"[\x21-\x7e]+")


def _plausible_random_key(key: bytes) -> bool:
    return (
        RANDOM_KEY_MIN_LEN <= len(key) <= RANDOM_KEY_MAX_LEN
        and _RANDOM_KEY_BYTES.fullmatch(key) is not None
    )


def decrypt_random_key(
    private_keys: Mapping[int, rsa.RSAPrivateKey],
    publickey_ver: int,
    encrypt_random_key_b64: str,
) -> bytes:
    """RSA-decrypt ``encrypt_random_key`` (PKCS#1 v1.5) with the key of its version.

    Raises :class:`MissingKeyVersion` when no key of that version is known (the message
    must be parked, not dropped) and :class:`BadRandomKey` for anything else.
    """
    key = private_keys.get(publickey_ver)
    if key is None:
        raise MissingKeyVersion(publickey_ver, private_keys.keys())
    compact = "".join(encrypt_random_key_b64.split())  # tolerate wrapped base64
    try:
        ciphertext = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRandomKey("encrypt_random_key is not base64") from exc
    if len(ciphertext) != key.key_size // 8:
        raise BadRandomKey(
            f"encrypt_random_key is {len(ciphertext)} bytes, the key of publickey_ver "
            f"{publickey_ver} needs {key.key_size // 8}: wrong key for this version?"
        )
    try:
        plain = key.decrypt(ciphertext, padding.PKCS1v15())
    except ValueError as exc:
        raise BadRandomKey(
            f"encrypt_random_key does not decrypt under publickey_ver {publickey_ver}"
        ) from exc
    if not _plausible_random_key(plain):
        raise BadRandomKey(
            f"encrypt_random_key does not decrypt under publickey_ver {publickey_ver} "
            "(result is not a key): wrong private key for this version?"
        )
    return plain


# ----------------------------------------------------------------------- normaliser

ACTION_SEND: Final = "send"
ACTION_RECALL: Final = "recall"
ACTION_SWITCH: Final = "switch"
ACTIONS: Final = frozenset({ACTION_SEND, ACTION_RECALL, ACTION_SWITCH})

MSGTYPE_SWITCH: Final = "switch"
"""Switch records carry no msgtype; we give them this one so every record has a type."""

_MAX_NESTING = 8  # chatrecord inside chatrecord...: bounded so hostile input cannot recurse


class Party(StrEnum):
    EMPLOYEE = "employee"
    CUSTOMER = "customer"
    ROBOT = "robot"


class Direction(StrEnum):
    EMPLOYEE_TO_CUSTOMER = "employee_to_customer"
    CUSTOMER_TO_EMPLOYEE = "customer_to_employee"
    INTERNAL = "internal"
    ROBOT = "robot"  # a group robot (wb…) sent it
    NONE = "none"  # switch records belong to no conversation


def party_of(user_id: str) -> Party:
    """Who an id in ``from``/``tolist`` is.

    Ids outside the org are external_userids: ``wm…``/``wo…`` for WeChat customers and
    members of other orgs, ``wb…`` for group robots; the org's own members have userids.
    """
    if user_id.startswith(("wm", "wo")):
        return Party.CUSTOMER
    if user_id.startswith("wb"):
        return Party.ROBOT
    return Party.EMPLOYEE


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file a message refers to, to be fetched with GetMediaData."""

    kind: str  # image, voice, video, emotion, file, meeting_voice_call, voip_doc_share
    sdkfileid: str
    md5sum: str
    size: int | None
    filename: str = ""
    ext: str = ""  # a file extension to store it under ("" when unknown)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveRecord:
    """A decrypted archive message in one shape for every type.

    ``body`` is the type's own object (for chatrecord and mixed with each item's
    content parsed); for unknown types it is the whole message. ``raw`` is always the
    whole decrypted message, to be stored as received.
    """

    msgid: str
    seq: int
    action: str
    msgtype: str
    sender: str
    receivers: tuple[str, ...]
    roomid: str
    msgtime: int  # ms since the epoch, UTC
    text: str
    body: JsonObject
    unknown: bool = False
    pre_msgid: str = ""  # revoke: the message that was recalled
    conversation_key: str = ""
    customers: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()
    robots: tuple[str, ...] = ()
    customer: str | None = None  # the customer of a 1:1 chat
    direction: Direction = Direction.NONE
    media: tuple[MediaRef, ...] = ()
    problems: tuple[str, ...] = ()
    raw: JsonObject = field(default_factory=dict, repr=False)

    @property
    def is_group(self) -> bool:
        return bool(self.roomid)


def conversation_key(roomid: str, sender: str, receivers: Iterable[str]) -> str:
    """The group's roomid, or the sorted ids of a 1:1 chat joined by ``|``.

    ``|`` occurs in no WeCom id, so a pair key cannot collide with a roomid.
    """
    if roomid:
        return roomid
    people = sorted({sender, *receivers} - {""})
    return "|".join(people)


# --- per-type handlers: where the body lives, its searchable text, its media ---------


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
            size=_as_int(body.get(size_key)),
            filename=filename,
            ext=ext,
        )
    ]


@dataclass(frozen=True, slots=True)
class _Extracted:
    text: list[str]
    media: list[MediaRef]
    body: JsonObject
    problems: list[str]


def _simple(
    text_keys: tuple[str, ...] = (),
    media: Callable[[Mapping[str, Any]], list[MediaRef]] | None = None,
) -> Callable[[JsonObject, int], _Extracted]:
    def extract(body: JsonObject, depth: int) -> _Extracted:
        return _Extracted(_texts(body, *text_keys), media(body) if media else [], body, [])

    return extract


def _file_ext(body: Mapping[str, Any]) -> str:
    ext = body.get("fileext")
    return ext if isinstance(ext, str) else ""


def _emotion_media(body: Mapping[str, Any]) -> list[MediaRef]:
    # emotion.type: 1 gif, 2 png
    ext = "gif" if _as_int(body.get("type")) == 1 else "png"
    return _media("emotion", body, size_key="imagesize", ext=ext)


def _calendar_text(body: JsonObject, depth: int) -> _Extracted:
    return _Extracted(
        _texts(body, "title", "creatorname", "attendeename", "place", "remarks"), [], body, []
    )


def _collect(body: JsonObject, depth: int) -> _Extracted:
    text = _texts(body, "room_name", "creator", "title")
    details = body.get("details")
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict):
                text.extend(_texts(item, "ques"))
    return _Extracted(text, [], body, [])


def _news(body: JsonObject, depth: int) -> _Extracted:
    text: list[str] = []
    items = body.get("item")
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                text.extend(_texts(item, "title", "description", "url"))
    return _Extracted(text, [], body, [])


def _meeting_voice_call(body: JsonObject, depth: int) -> _Extracted:
    text: list[str] = []
    shares = body.get("demofiledata")
    if isinstance(shares, list):
        for share in shares:
            if isinstance(share, dict):
                text.extend(_texts(share, "filename"))
    return _Extracted(text, _media("meeting_voice_call", body), body, [])


_ITEM_TYPE_PREFIX = "ChatRecord"


def _item_type(raw_type: str) -> str:
    """``ChatRecordText`` → ``text``; mixed items already say ``text``/``image``/..."""
    name = raw_type.removeprefix(_ITEM_TYPE_PREFIX) if raw_type else raw_type
    return name.lower()


def _items(body: JsonObject, depth: int, *, container: str) -> _Extracted:
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
        if depth >= _MAX_NESTING:
            problems.append(f"{where} nested too deeply; kept as is")
            extracted = _Extracted([], [], content, [])
        else:
            extracted = _extract_body(kind, content, depth + 1, where)
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
    return _Extracted(text, media, normal_body, problems)


_SKIP_GATHER: Final = frozenset(
    {"msgid", "action", "from", "tolist", "roomid", "msgtype", "sdkfileid", "md5sum"}
)


def _gather(value: object, out: list[str], depth: int = 0) -> None:
    """All human text of an unknown body: leaf strings except ids and checksums."""
    if depth > _MAX_NESTING:
        return
    if isinstance(value, str):
        if value.strip():
            out.append(value.strip())
    elif isinstance(value, list):
        for item in value:
            _gather(item, out, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in _SKIP_GATHER or key.endswith("id"):
                continue
            _gather(item, out, depth + 1)


_Handler = Callable[[JsonObject, int], _Extracted]

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
}

KNOWN_MSGTYPES: Final = frozenset(_TYPES)

# Items of chatrecord/mixed carry just a type's body, so the body key does not matter.
_ITEM_ALIASES: Final = {"doc": "docmsg"}


def _extract_body(kind: str, body: JsonObject, depth: int, where: str) -> _Extracted:
    spec = _TYPES.get(_ITEM_ALIASES.get(kind, kind))
    if spec is None:
        text: list[str] = []
        _gather(body, text)
        found = _media(kind, body) if "sdkfileid" in body else []
        return _Extracted(text, found, body, [f"{where}: unknown type {kind!r}"])
    return spec[2](body, depth)


def _body_of(message: Mapping[str, Any], msgtype: str) -> tuple[JsonObject | None, list[str]]:
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


def parse_message(plaintext: bytes | str) -> JsonObject:
    """Decrypted bytes → the message object (raises :class:`MalformedMessage`)."""
    try:
        doc = jsonin.loads(plaintext)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"decrypted message is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedMessage("decrypted message is not a JSON object")
    return doc


def normalise_message(
    message: bytes | str | Mapping[str, Any], *, seq: int, msgid: str | None = None
) -> ArchiveRecord:
    """Turn one decrypted message into an :class:`ArchiveRecord`.

    ``seq`` (and ``msgid``, when given) come from the :class:`ChatData` record; a msgid
    inside the message that differs from the record's means the wrong plaintext was
    paired with the record and raises :class:`MalformedMessage`. Apart from that and a
    plaintext that is not a JSON object with a msgid, nothing raises: odd fields are
    listed in ``problems`` and unknown types are kept whole.
    """
    doc: JsonObject = dict(message) if isinstance(message, Mapping) else parse_message(message)
    inner_id = doc.get("msgid")
    if inner_id is None or inner_id == "":
        if not msgid:
            raise MalformedMessage("message has no msgid")
        inner_id = msgid
    if not isinstance(inner_id, str):
        raise MalformedMessage("message msgid is not a string")
    if msgid and inner_id != msgid:
        raise MalformedMessage(
            f"message msgid {inner_id!r} does not match its record's msgid {msgid!r}"
        )
    action = doc.get("action")
    if action == ACTION_SWITCH or (
        action is None and "msgtype" not in doc and "user" in doc and "time" in doc
    ):
        return _switch(doc, inner_id, seq)
    return _message(doc, inner_id, seq)


def _switch(doc: JsonObject, msgid: str, seq: int) -> ArchiveRecord:
    problems: list[str] = []
    user = doc.get("user")
    if not isinstance(user, str):
        problems.append("switch: user missing")
        user = ""
    time = _as_int(doc.get("time"))
    if time is None:
        problems.append("switch: time missing")
        time = 0
    party = party_of(user) if user else Party.EMPLOYEE
    return ArchiveRecord(
        msgid=msgid,
        seq=seq,
        action=ACTION_SWITCH,
        msgtype=MSGTYPE_SWITCH,
        sender=user,
        receivers=(),
        roomid="",
        msgtime=time,
        text="",
        body={k: v for k, v in doc.items() if k not in ("msgid", "action")},
        employees=(user,) if user and party is Party.EMPLOYEE else (),
        direction=Direction.NONE,
        problems=tuple(problems),
        raw=doc,
    )


def _message(doc: JsonObject, msgid: str, seq: int) -> ArchiveRecord:
    problems: list[str] = []
    action = doc.get("action")
    if not isinstance(action, str) or not action:
        problems.append("action missing")
        action = ""
    elif action not in ACTIONS:
        problems.append(f"unknown action {action!r}")
    sender = doc.get("from")
    if not isinstance(sender, str):
        problems.append("from missing")
        sender = ""
    tolist = doc.get("tolist")
    receivers: list[str] = []
    if isinstance(tolist, list):
        receivers = [r for r in tolist if isinstance(r, str) and r]
        if len(receivers) != len(tolist):
            problems.append("tolist has non-string entries")
    elif tolist is not None:
        problems.append("tolist is not a list")
    roomid = doc.get("roomid")
    if roomid is None:
        roomid = ""
    if not isinstance(roomid, str):
        problems.append("roomid is not a string")
        roomid = ""
    msgtime = _as_int(doc.get("msgtime"))
    if msgtime is None:
        problems.append("msgtime missing")
        msgtime = 0
    msgtype = doc.get("msgtype")
    if not isinstance(msgtype, str):
        problems.append("msgtype missing")
        msgtype = ""

    unknown = False
    body: JsonObject | None = None
    text: list[str] = []
    media: list[MediaRef] = []
    if msgtype in _TYPES:
        body, found = _body_of(doc, msgtype)
        problems.extend(found)
        if body is not None:
            extracted = _TYPES[msgtype][2](body, 0)
            text, media, body = extracted.text, extracted.media, extracted.body
            problems.extend(extracted.problems)
    if body is None:
        # An unknown type, or a known one without its body: keep everything.
        unknown = True
        body = doc
        _gather(doc, text)
        if msgtype not in _TYPES:
            problems.append(f"unknown msgtype {msgtype!r}")

    pre_msgid = ""
    if msgtype == "revoke" and not unknown:
        value = body.get("pre_msgid")
        if isinstance(value, str) and value:
            pre_msgid = value
        else:
            problems.append("revoke: pre_msgid missing")

    # one pass over the people (a group message lists every member of the room)
    by_party: dict[Party, list[str]] = {Party.CUSTOMER: [], Party.ROBOT: [], Party.EMPLOYEE: []}
    for person in dict.fromkeys([sender, *receivers]):
        if person:
            by_party[party_of(person)].append(person)
    customers = tuple(by_party[Party.CUSTOMER])
    robots = tuple(by_party[Party.ROBOT])
    employees = tuple(by_party[Party.EMPLOYEE])
    customer = customers[0] if not roomid and len(customers) == 1 else None

    return ArchiveRecord(
        msgid=msgid,
        seq=seq,
        action=action,
        msgtype=msgtype,
        sender=sender,
        receivers=tuple(receivers),
        roomid=roomid,
        msgtime=msgtime,
        text="\n".join(text),
        body=body,
        unknown=unknown,
        pre_msgid=pre_msgid,
        conversation_key=conversation_key(roomid, sender, receivers),
        customers=customers,
        employees=employees,
        robots=robots,
        customer=customer,
        direction=_direction(sender, customers),
        media=tuple(_unique_media(media)),
        problems=tuple(problems),
        raw=doc,
    )


def _direction(sender: str, customers: Sequence[str]) -> Direction:
    """``customers``: the customers among the sender and receivers."""
    if not sender:
        return Direction.NONE
    party = party_of(sender)
    if party is Party.CUSTOMER:
        return Direction.CUSTOMER_TO_EMPLOYEE
    if party is Party.ROBOT:
        return Direction.ROBOT
    if customers:  # the sender is an employee, so a customer is among the receivers
        return Direction.EMPLOYEE_TO_CUSTOMER
    return Direction.INTERNAL


def _unique_media(media: Iterable[MediaRef]) -> Iterator[MediaRef]:
    seen: set[str] = set()
    for ref in media:
        if ref.sdkfileid not in seen:
            seen.add(ref.sdkfileid)
            yield ref
