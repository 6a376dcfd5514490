"""Encrypted GetChatData records → rows to store, on every core.

Per record: RSA-decrypt the random key (PKCS#1 v1.5, the key of its ``publickey_ver``),
DecryptData the body, parse, normalise, tokenise (jieba, for the ``tokens`` column), and
compute the search index's terms and filter terms (:mod:`wecom_app.search.terms`), so
the process that stores only inserts what it is handed. RSA dominates (≈0.3 ms a record on
this class of machine, against ≈0.1 ms for everything else here together), and
normalising and the index terms are pure Python, so the work runs in a **process
pool**: threads would share one interpreter lock for all but the RSA call itself. Only
picklable values cross the process boundary: the records, the keys' PEM and
fingerprint (each worker loads a fingerprint once), and the source's *local decryptor*,
a module-level function (the simulator's scheme, or the Finance SDK's ``DecryptData``
loaded by path in the worker).

A source without a local decryptor still works: workers return the random key and the
puller calls ``source.decrypt`` and :func:`finish` itself.

Nothing here raises for a bad record. Each record becomes one :data:`Outcome`:

* :class:`Decoded` — a normalised message, ready to insert;
* :class:`Undecoded` with status ``parked`` — no key for its version yet (kept
  encrypted, retried when the key arrives);
* :class:`Undecoded` with status ``failed`` — the random key, the body, the JSON or the
  normaliser was unusable; the encrypted record is kept for a later look;
* :class:`NeedsDecrypt` — the source has no local decryptor.

Values are made fit for both databases here: NUL characters and lone surrogates (which
PostgreSQL refuses in text and JSONB) are replaced, over-long ids are hashed or cut, so
no single message can make a batch's insert fail.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import functools
import hashlib
import json
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Final, NamedTuple, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wecom_app.archive.gc_tuning import tune_worker
from wecom_app.archive.keys import KeyMaterial
from wecom_app.archive.source import ArchiveSdkError
from wecom_app.archive.tokenise import initialise as initialise_tokeniser
from wecom_app.archive.tokenise import tokenise
from wecom_app.protocol.archive.chatdata import BadChatData, ChatData
from wecom_app.protocol.archive.errors import BadRandomKey, MalformedMessage, MissingKeyVersion
from wecom_app.protocol.archive.keys import decrypt_random_key
from wecom_app.protocol.archive.normalise import normalise_message, parse_message
from wecom_app.protocol.archive.records import ArchiveRecord, Direction, MediaRef
from wecom_app.search.ingest import filter_terms
from wecom_app.search.terms import index_terms

# (seq, msgid, publickey_ver, encrypt_random_key, encrypt_chat_msg): a ChatData as a tuple,
# the cheapest thing to pickle.
RawRecord = tuple[int, str, int, str, str]
KeyRefs = dict[int, tuple[str, str]]  # publickey_ver → (fingerprint, PEM)


class LocalDecryptor(Protocol):
    """DecryptData as a picklable, module-level callable (runs in a worker process)."""

    def __call__(self, random_key: bytes, encrypt_chat_msg: str, /) -> bytes: ...


# Column widths of archive_messages (PostgreSQL enforces them; SQLite would not).
MSGID_MAX: Final = 128
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
    # the search index's text and filter terms (wecom_app.search.terms), space-separated,
    # computed here for the same reason ("" when the message has nothing to index)
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
    msgid = _clean_str(msgid)
    if len(msgid) <= MSGID_MAX:
        return msgid
    return "sha256:" + hashlib.sha256(msgid.encode("utf-8")).hexdigest()


def malformed_outcome(bad: BadChatData, fallback_seq: int) -> Undecoded:
    """A record GetChatData sent in an unusable shape, kept as failed.

    Without a readable msgid it gets a stable one from its content, so a re-fetch of
    the same batch finds it stored and does not store it twice.
    """
    raw = bad.raw if isinstance(bad.raw, dict) else {"raw": bad.raw}
    raw = _clean(raw)
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


# ----------------------------------------------------------------- worker side

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


def undecoded(raw: RawRecord, status: str, reason: str, detail: str) -> Undecoded:
    """A record kept encrypted, with why."""
    seq, msgid, version, _key, _message = raw
    return Undecoded(
        seq, column_msgid(msgid), version, status, reason, detail[:2000], record_dict(raw)
    )


# Lone surrogates (\ud800-\udfff escapes) and NUL (\u0000) are valid JSON but refused by
# PostgreSQL; checked on the bytes first so clean messages (nearly all) skip the walk.
_SUSPECT: Final = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def finish(raw: RawRecord, plaintext: bytes) -> Undecoded | Decoded:
    """Plaintext of one record → :class:`Decoded` (or failed). Runs where decryption ran."""
    seq, msgid, version, _key, _message = raw
    try:
        doc = parse_message(plaintext)
        if _SUSPECT.search(plaintext) or b"\0" in plaintext:
            doc = _clean(doc)
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
# per worker process and bounded, as their jieba tokens are (archive/tokenise.py).
_TERMS_CACHE_CHARS: Final = 200
_cached_terms = functools.lru_cache(maxsize=1 << 15)(_terms)


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """JSON as stored: compact, Chinese kept as is (``json.dumps`` with these options,
    without building an encoder per call)."""
    return _ENCODER.encode(value)


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


def _clean_str(value: str) -> str:
    if "\0" in value:
        value = value.replace("\0", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, dict):
        return {_clean_str(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


_PR_SET_PDEATHSIG: Final = 1


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel kill this worker when its parent dies (even by SIGKILL).

    Otherwise a killed puller leaves its idle workers behind, waiting forever. (The
    signal follows the parent *thread* that started the worker: workers are started
    from the event loop's thread, which lives as long as the process.)
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _worker_init(parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    # Ctrl-C goes to the whole process group; the parent decides what stops, and the
    # pool is shut down by it, so a worker must not die mid-task with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    initialise_tokeniser()
    tune_worker()


# ------------------------------------------------------------------- the pool


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class DecodePool:
    """Decodes batches on ``workers`` processes (0: in a thread of this process).

    A batch is cut into ``chunk``-record pieces so every worker gets work and results
    stream back while the last pieces are still running; results keep record order.
    """

    def __init__(
        self, workers: int | None = None, *, chunk: int = 125, threads: bool = False
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.chunk = max(1, chunk)
        # Threads instead of processes: kept to measure the choice (bench/archive.py
        # --threads); RSA releases the GIL, normalising and jieba do not.
        self.threads = threads
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> Executor:
        with self._lock:
            if self._executor is None and self.threads:
                initialise_tokeniser()
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="decode")
            if self._executor is None:
                # spawn, not fork: the parent runs an event loop and driver threads
                # (aiosqlite, asyncpg) whose locks a forked child would inherit held.
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def worker_pids(self) -> list[int]:
        """Process ids of the workers started so far (benchmarks read their memory)."""
        executor = self._executor
        if not isinstance(executor, ProcessPoolExecutor):
            return []
        processes = getattr(executor, "_processes", None) or {}
        return [int(pid) for pid in processes]

    async def decode(
        self,
        keys: Mapping[int, KeyMaterial],
        decryptor: LocalDecryptor | None,
        records: Sequence[RawRecord],
    ) -> list[Outcome]:
        if not records:
            return []
        refs: KeyRefs = {v: (k.fingerprint, k.pem) for v, k in keys.items()}
        if self.workers <= 0:
            return await asyncio.to_thread(decode_records, refs, decryptor, records)
        pool = self._pool()
        loop = asyncio.get_running_loop()
        pieces = [records[i : i + self.chunk] for i in range(0, len(records), self.chunk)]
        futures = [
            loop.run_in_executor(pool, decode_records, refs, decryptor, piece) for piece in pieces
        ]
        out: list[Outcome] = []
        for part in await asyncio.gather(*futures):
            out.extend(part)
        return out

    async def warm_up(self) -> None:
        """Start the workers (and load jieba in each) before the first batch."""
        if self.workers <= 0:
            await asyncio.to_thread(initialise_tokeniser)
            return
        pool = self._pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(pool, decode_records, {}, None, []) for _ in range(self.workers))
        )

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_shared: DecodePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> DecodePool:
    """One pool per process (its workers are costly to start), closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DecodePool()
            atexit.register(_shared.close)
        return _shared
