"""Encrypted GetChatData records → :mod:`~wecom_app.archive.outcomes`, in a worker.

Per record: RSA-decrypt the random key (PKCS#1 v1.5, the key of its ``publickey_ver``),
DecryptData the body, parse, normalise, tokenise (jieba, for the ``tokens`` column), and
compute the search index's terms and filter terms (:mod:`wecom_app.text`), so the
process that stores only inserts what it is handed. RSA dominates (≈0.3 ms a record on
this class of machine, against ≈0.1 ms for everything else here together), and
normalising and the index terms are pure Python, so this runs in the worker processes
of a :class:`~wecom_app.archive.decode_pool.DecodePool`: threads would share one
interpreter lock for all but the RSA call itself. Only picklable values cross the
process boundary: the records, the keys' PEM and fingerprint (each worker loads a
fingerprint once), and the source's *local decryptor*, a module-level function (the
simulator's scheme, or the Finance SDK's ``DecryptData`` loaded by path in the worker).

A source without a local decryptor still works: workers return the random key and the
puller calls ``source.decrypt`` and :func:`finish` itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wecom_app.archive.outcomes import (
    Decoded,
    KeyRefs,
    LocalDecryptor,
    NeedsDecrypt,
    Outcome,
    RawRecord,
    Undecoded,
    clean,
    column_msgid,
    dumps,
    undecoded,
)
from wecom_app.archive.source import ArchiveSdkError
from wecom_app.protocol.archive.errors import BadRandomKey, MalformedMessage, MissingKeyVersion
from wecom_app.protocol.archive.keys import decrypt_random_key
from wecom_app.protocol.archive.normalise import normalise_message, parse_message
from wecom_app.protocol.archive.records import ArchiveRecord, Direction
from wecom_app.text.message_terms import filter_terms
from wecom_app.text.terms import index_terms
from wecom_app.text.tokenise import tokenise

# Column widths of archive_messages (PostgreSQL enforces them; SQLite would not).
_WIDTHS: Final = {
    "action": 16,
    "msgtype": 32,
    "sender": 64,
    "roomid": 64,
    "conversation": 160,
    "external_userid": 64,
    "employee_userid": 64,
}

_DIRECTIONS: Final = {
    Direction.EMPLOYEE_TO_CUSTOMER: "to_customer",
    Direction.CUSTOMER_TO_EMPLOYEE: "from_customer",
    Direction.INTERNAL: "internal",
    Direction.ROBOT: "robot",
    Direction.NONE: "",
}

_KEY_CACHE: dict[str, rsa.RSAPrivateKey] = {}
_KEY_CACHE_MAX: Final = 64


def _private_keys(keys: KeyRefs) -> dict[int, rsa.RSAPrivateKey]:
    out: dict[int, rsa.RSAPrivateKey] = {}
    for version, (fingerprint, pem) in keys.items():
        key = _KEY_CACHE.get(fingerprint)
        if key is None:
            # Checked with load_private_key when it was added (keys.add_key); the
            # costly consistency check need not run again in every worker.
            loaded = serialization.load_pem_private_key(
                pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
            )
            if not isinstance(loaded, rsa.RSAPrivateKey):  # pragma: no cover - checked on add
                continue
            if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
                _KEY_CACHE.clear()
            key = _KEY_CACHE[fingerprint] = loaded
        out[version] = key
    return out


def decode_records(
    keys: KeyRefs, decryptor: LocalDecryptor | None, records: Sequence[RawRecord]
) -> list[Outcome]:
    """Decode a chunk of records (runs in a worker process, or inline)."""
    private = _private_keys(keys)
    return [_decode_one(private, decryptor, raw) for raw in records]


def _decode_one(
    private: Mapping[int, rsa.RSAPrivateKey], decryptor: LocalDecryptor | None, raw: RawRecord
) -> Outcome:
    _seq, _msgid, version, encrypt_random_key, encrypt_chat_msg = raw
    try:
        random_key = decrypt_random_key(private, version, encrypt_random_key)
    except MissingKeyVersion as exc:
        return undecoded(raw, "parked", "missing_key_version", str(exc))
    except BadRandomKey as exc:
        return undecoded(raw, "failed", "bad_random_key", str(exc))
    if decryptor is None:
        return NeedsDecrypt(raw, random_key)
    try:
        plaintext = decryptor(random_key, encrypt_chat_msg)
    except ArchiveSdkError as exc:
        return undecoded(raw, "failed", f"decrypt_{exc.code}", str(exc))
    except Exception as exc:  # a foreign library's surprise must not stop the batch
        return undecoded(raw, "failed", "decrypt_error", f"{type(exc).__name__}: {exc}")
    return finish(raw, plaintext)


# Lone surrogates (\ud800-\udfff escapes) and NUL (\u0000) are valid JSON but refused by
# PostgreSQL; checked on the bytes first so clean messages (nearly all) skip the walk.
_SUSPECT: Final = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def finish(raw: RawRecord, plaintext: bytes) -> Undecoded | Decoded:
    """Plaintext of one record → :class:`Decoded` (or failed). Runs where decryption ran."""
    seq, msgid, version, _key, _message = raw
    try:
        doc = parse_message(plaintext)
        if _SUSPECT.search(plaintext) or b"\0" in plaintext:
            doc = clean(doc)
        record = normalise_message(doc, seq=seq, msgid=msgid)
        # Inside the try too: encoding a body nested near the parser's depth limit can
        # still overflow, and one message must never fail its whole batch.
        return _decoded(record, version)
    except MalformedMessage as exc:
        return undecoded(raw, "failed", "malformed_message", str(exc))
    except Exception as exc:  # the normaliser promises not to raise; never trust a promise
        return undecoded(raw, "failed", "normalise_error", f"{type(exc).__name__}: {exc}")


def _decoded(record: ArchiveRecord, version: int) -> Decoded:
    problems = list(record.problems)
    fitted: dict[str, str] = {}
    values = {
        "action": record.action,
        "msgtype": record.msgtype,
        "sender": record.sender,
        "roomid": record.roomid,
        "conversation": record.conversation_key,
        "external_userid": record.customer or "",
        "employee_userid": _employee(record),
    }
    for name, value in values.items():
        width = _WIDTHS[name]
        if len(value) > width:
            problems.append(f"{name} longer than {width} characters, cut")
            value = value[:width]
        fitted[name] = value
    msgid = column_msgid(record.msgid)
    if msgid != record.msgid:
        problems.append("msgid longer than 128 characters, stored as its sha256")
    decoded = Decoded(
        seq=record.seq,
        msgid=msgid,
        publickey_ver=version,
        action=fitted["action"],
        msgtype=fitted["msgtype"],
        sender=fitted["sender"],
        receivers=list(record.receivers),
        roomid=fitted["roomid"],
        conversation=fitted["conversation"],
        external_userid=fitted["external_userid"],
        employee_userid=fitted["employee_userid"],
        direction=_DIRECTIONS.get(record.direction, ""),
        msgtime=record.msgtime if -(2**63) < record.msgtime < 2**63 else 0,
        text=record.text,
        tokens=tokenise(record.text),
        body=record.body,
        error="; ".join(problems)[:2000],
        pre_msgid=column_msgid(record.pre_msgid) if record.pre_msgid else "",
        media=record.media,
        consent=_consent(record, fitted["employee_userid"]),
        receivers_json=dumps(list(record.receivers)),
        body_json=dumps(record.body),
    )
    return with_search_terms(decoded)


def with_search_terms(decoded: Decoded) -> Decoded:
    """``decoded`` with its search index terms filled in (none without searchable text)."""
    text = decoded.text
    if not text.strip():
        return decoded
    terms = _cached_terms(text) if len(text) <= _TERMS_CACHE_CHARS else _terms(text)
    if not terms:
        return decoded
    return decoded._replace(search_terms=terms, search_filters=" ".join(filter_terms(decoded)))


def _terms(text: str) -> str:
    return " ".join(index_terms(text))


# Chats repeat themselves (好的, 收到, scripted answers): short texts' terms are memoised,
# per worker process and bounded, as their jieba tokens are (text/tokenise.py).
_TERMS_CACHE_CHARS: Final = 200
_cached_terms = functools.lru_cache(maxsize=1 << 15)(_terms)


def _employee(record: ArchiveRecord) -> str:
    """The employee side of a 1:1 chat with a customer ("" otherwise)."""
    if record.customer is None or record.roomid:
        return ""
    return record.employees[0] if record.employees else ""


def _consent(record: ArchiveRecord, employee: str) -> tuple[str, str, str, int] | None:
    """agree/disagree messages carry the customer's archiving consent and its time."""
    if record.msgtype not in ("agree", "disagree") or record.unknown:
        return None
    customer = record.body.get("userid")
    if not isinstance(customer, str) or not customer or len(customer) > 64:
        return None
    when = record.body.get(f"{record.msgtype}_time", record.msgtime)
    millis = when if isinstance(when, int) and not isinstance(when, bool) else record.msgtime
    partner = record.roomid[:64] if record.roomid else employee
    return customer, partner, record.msgtype, millis // 1000
