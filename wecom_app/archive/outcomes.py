"""What decoding one archive record gives: the outcomes, and values made fit to store.

Nothing in the decoder raises for a bad record. Each record becomes one :data:`Outcome`:

* :class:`Decoded` — a normalised message, ready to insert;
* :class:`Undecoded` with status ``parked`` — no key for its version yet (kept
  encrypted, retried when the key arrives);
* :class:`Undecoded` with status ``failed`` — the random key, the body, the JSON or the
  normaliser was unusable; the encrypted record is kept for a later look;
* :class:`NeedsDecrypt` — the source has no local decryptor.

Values are made fit for both databases here: NUL characters and lone surrogates (which
PostgreSQL refuses in text and JSONB) are replaced (:func:`clean`), over-long ids are
hashed (:func:`column_msgid`), so no single message can make a batch's insert fail.
Outcomes cross process boundaries, so they are named tuples of plain values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final, NamedTuple, Protocol

from wecom_app.protocol.archive.chatdata import BadChatData, ChatData
from wecom_app.protocol.archive.records import MediaRef

# (seq, msgid, publickey_ver, encrypt_random_key, encrypt_chat_msg): a ChatData as a tuple,
# the cheapest thing to pickle.
RawRecord = tuple[int, str, int, str, str]
KeyRefs = dict[int, tuple[str, str]]  # publickey_ver → (fingerprint, PEM)


class LocalDecryptor(Protocol):
    """DecryptData as a picklable, module-level callable (runs in a worker process)."""

    def __call__(self, random_key: bytes, encrypt_chat_msg: str, /) -> bytes: ...


# Column widths of archive_messages (PostgreSQL enforces them; SQLite would not).
MSGID_MAX: Final = 128


class Decoded(NamedTuple):
    """A message ready for ``archive_messages`` (status ok) and its side facts."""

    seq: int
    msgid: str
    publickey_ver: int
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
    tokens: str
    body: dict[str, Any]
    error: str  # what the normaliser found odd ("" when nothing)
    pre_msgid: str  # a recall's original (column form)
    media: tuple[MediaRef, ...]
    # agree/disagree messages: (customer, employee or roomid, status, epoch seconds)
    consent: tuple[str, str, str, int] | None
    # the JSON columns, encoded here: the worker processes have cores to spare, the
    # process that stores has none
    receivers_json: str
    body_json: str
    # the search index's text and filter terms (wecom_app.text), space-separated,
    # computed in the workers for the same reason ("" when the message has nothing to index)
    search_terms: str = ""
    search_filters: str = ""


class Undecoded(NamedTuple):
    """A record kept encrypted: ``parked`` (key missing) or ``failed``."""

    seq: int
    msgid: str
    publickey_ver: int
    status: str
    reason: str  # a short word, for counts by reason
    detail: str
    record: dict[str, Any]


class NeedsDecrypt(NamedTuple):
    """The random key is known; DecryptData must run through the source."""

    raw: RawRecord
    random_key: bytes

    @property
    def msgid(self) -> str:
        return column_msgid(self.raw[1])


Outcome = Decoded | Undecoded | NeedsDecrypt


def raw_record(record: ChatData) -> RawRecord:
    return (
        record.seq,
        record.msgid,
        record.publickey_ver,
        record.encrypt_random_key,
        record.encrypt_chat_msg,
    )


def record_dict(raw: RawRecord) -> dict[str, Any]:
    seq, msgid, version, key, message = raw
    return {
        "seq": seq,
        "msgid": msgid,
        "publickey_ver": version,
        "encrypt_random_key": key,
        "encrypt_chat_msg": message,
    }


def column_msgid(msgid: str) -> str:
    """A msgid as stored: WeCom's own when it fits, else a stable hash of it.

    The same function maps a recall's ``pre_msgid``, so links still match.
    """
    msgid = clean_str(msgid)
    if len(msgid) <= MSGID_MAX:
        return msgid
    return "sha256:" + hashlib.sha256(msgid.encode("utf-8")).hexdigest()


def malformed_outcome(bad: BadChatData, fallback_seq: int) -> Undecoded:
    """A record GetChatData sent in an unusable shape, kept as failed.

    Without a readable msgid it gets a stable one from its content, so a re-fetch of
    the same batch finds it stored and does not store it twice.
    """
    raw = bad.raw if isinstance(bad.raw, dict) else {"raw": bad.raw}
    raw = clean(raw)
    if bad.msgid:
        msgid = column_msgid(bad.msgid)
    else:
        canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
        msgid = "malformed:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]
    version = raw.get("publickey_ver")
    return Undecoded(
        seq=bad.seq if bad.seq is not None else fallback_seq,
        msgid=msgid,
        publickey_ver=version if isinstance(version, int) and 0 <= version < 2**31 else 0,
        status="failed",
        reason="malformed_record",
        detail=bad.reason,
        record=raw,
    )


def undecoded(raw: RawRecord, status: str, reason: str, detail: str) -> Undecoded:
    """A record kept encrypted, with why."""
    seq, msgid, version, _key, _message = raw
    return Undecoded(
        seq, column_msgid(msgid), version, status, reason, detail[:2000], record_dict(raw)
    )


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """JSON as stored: compact, Chinese kept as is (``json.dumps`` with these options,
    without building an encoder per call)."""
    return _ENCODER.encode(value)


def clean_str(value: str) -> str:
    if "\0" in value:
        value = value.replace("\0", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_str(value)
    if isinstance(value, dict):
        return {clean_str(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value
