"""GetChatData answers → :class:`ChatData` records (a bad record never fails its batch)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from wecom_app.protocol import jsonin
from wecom_app.protocol.archive.errors import ChatDataResponseError, MalformedChatData
from wecom_app.protocol.archive.fields import as_int

MAX_CHATDATA_LIMIT: Final = 1000
"""GetChatData refuses a larger ``limit`` (SDK header: 超过1000条会返回错误)."""


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
    seq = as_int(raw.get("seq"))
    if seq is None or seq < 0:
        problems.append("seq missing or not a non-negative integer")
    msgid = raw.get("msgid")
    if not isinstance(msgid, str) or not msgid:
        problems.append("msgid missing or empty")
        msgid = None
    ver = as_int(raw.get("publickey_ver"))
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
    errcode = as_int(doc.get("errcode", 0))
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
