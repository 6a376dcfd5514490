"""The simulator's chat archive: per-org message logs, keys, media and consent.

Each org has a log of decrypted messages with increasing ``seq``, RSA key pairs in
several versions and media files. When a record is served, its per-message random key
is RSA-encrypted (PKCS#1 v1.5, WeCom's real scheme) under the org's public key of the
record's ``publickey_ver``, and its body is sealed with the simulator's own scheme
(:func:`wecom_app.protocol.sdk_wire.seal_chat_msg`, documented there), because WeCom's
DecryptData algorithm is not public.

Encryption happens lazily, on first serve, and is then kept: a log of 100,000 messages
costs nothing until it is pulled, and a re-pull returns the same bytes as WeCom would.
The records and media chunks are served over HTTP by
:mod:`wecom_app.simulator.archive_http`. Tests can queue any error code with
:meth:`OrgArchive.fail_next` and damage served records with :meth:`OrgArchive.tamper`.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import random
import secrets
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.sdk_wire import MAX_FETCH_LIMIT, MAX_MEDIA_CHUNK, seal_chat_msg

JsonObject = dict[str, Any]

_DROP: Final = object()  # tamper(): remove the field from the served record


class SimArchiveError(Exception):
    """An error the simulator answers with ``{"errcode", "errmsg"}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class MediaBlob:
    """Media bytes made on demand from a seed, so a huge log costs no memory.

    ``header`` makes the bytes look like the file type (JPEG, AMR, MP4, PDF, ...); the
    rest is seeded random bytes, NULs included. ``md5`` is computed once, at creation.
    """

    kind: str
    size: int
    seed: int
    header: bytes
    md5: str

    @classmethod
    def create(cls, kind: str, size: int, seed: int, header: bytes = b"") -> MediaBlob:
        data = cls._make(size, seed, header)
        return cls(kind, size, seed, header, hashlib.md5(data, usedforsecurity=False).hexdigest())

    @staticmethod
    def _make(size: int, seed: int, header: bytes) -> bytes:
        body = random.Random(seed).randbytes(max(0, size - len(header)))
        return (header + body)[:size]

    def data(self) -> bytes:
        return self._make(self.size, self.seed, self.header)


AGREE_STATUSES: Final = frozenset({"Agree", "Disagree", "Default_Agree"})


@dataclass(frozen=True, slots=True)
class ArchiveRoom:
    """An internal group chat for ``msgaudit/groupchat/get``."""

    roomid: str
    name: str
    creator: str
    created_at: int  # epoch seconds
    members: tuple[tuple[str, int], ...]  # (userid, joined at)
    notice: str = ""


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(slots=True)
class _Entry:
    seq: int
    msgid: str
    publickey_ver: int
    message: JsonObject
    sealed: tuple[str, str] | None = None  # (encrypt_random_key, encrypt_chat_msg)
    override: dict[str, Any] = field(default_factory=dict)


def _index_tag(sdkfileid: str) -> str:
    return hashlib.sha256(sdkfileid.encode()).hexdigest()[:12]


class OrgArchive:
    """One org's archive: log, keys, media, and faults to inject."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        keys: Mapping[int, rsa.RSAPrivateKey] | None = None,
        *,
        chunk_size: int = MAX_MEDIA_CHUNK,
    ) -> None:
        if not 0 < chunk_size <= MAX_MEDIA_CHUNK:
            raise ValueError(f"chunk_size must be 1..{MAX_MEDIA_CHUNK}")
        self.corp_id = corp_id
        self.secret = secret
        self.chunk_size = chunk_size
        self._keys: dict[int, rsa.RSAPrivateKey] = dict(keys or {})
        if not self._keys:
            self._keys[1] = generate_key()
        self.current_version = max(self._keys)
        self._entries: list[_Entry] = []
        self._seqs: list[int] = []
        self._media: dict[str, bytes | MediaBlob] = {}
        self._faults: dict[str, list[int]] = {}
        self._lock = threading.Lock()  # lazy sealing runs in a thread pool
        # msgaudit APIs (api_msgaudit): who is archived, who agreed, internal groups.
        self.permit_users: dict[str, int] = {}  # userid -> edition (1 office, 2, 3)
        # (employee userid, customer) -> (Agree | Disagree | Default_Agree, epoch s)
        self.agreements: dict[tuple[str, str], tuple[str, int]] = {}
        self.room_agreements: dict[str, dict[str, tuple[str, int]]] = {}
        self.rooms: dict[str, ArchiveRoom] = {}

    # ------------------------------------------------------------------- keys

    @property
    def private_keys(self) -> dict[int, rsa.RSAPrivateKey]:
        """What the admin holds: every version's private key."""
        return dict(self._keys)

    def add_key(self, version: int, key: rsa.RSAPrivateKey | None = None) -> rsa.RSAPrivateKey:
        """Upload a new key version; later messages are encrypted with it (WeCom's rotation)."""
        if version in self._keys:
            raise ValueError(f"publickey_ver {version} exists")
        self._keys[version] = key or generate_key()
        self.current_version = max(self.current_version, version)
        return self._keys[version]

    # -------------------------------------------------------------------- log

    @property
    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def __len__(self) -> int:
        return len(self._entries)

    def append(
        self,
        message: Mapping[str, Any],
        *,
        publickey_ver: int | None = None,
        seq: int | None = None,
    ) -> int:
        """Log one decrypted message; returns its seq (the next one unless given, higher)."""
        msgid = message.get("msgid")
        if not isinstance(msgid, str) or not msgid:
            raise ValueError("a message needs a msgid")
        version = self.current_version if publickey_ver is None else publickey_ver
        if version not in self._keys:
            raise ValueError(f"no key of publickey_ver {version}")
        number = self.last_seq + 1 if seq is None else seq
        if number <= self.last_seq:
            raise ValueError(f"seq {number} is not after {self.last_seq}")
        self._entries.append(_Entry(number, msgid, version, dict(message)))
        self._seqs.append(number)
        return number

    def message(self, seq: int) -> JsonObject:
        return self._entry(seq).message

    def _entry(self, seq: int) -> _Entry:
        at = bisect.bisect_left(self._seqs, seq)
        if at == len(self._seqs) or self._seqs[at] != seq:
            raise KeyError(seq)
        return self._entries[at]

    def tamper(self, seq: int, **fields: Any) -> None:
        """Serve record ``seq`` with these fields replaced (``None`` removes the field)."""
        entry = self._entry(seq)
        for name, value in fields.items():
            entry.override[name] = _DROP if value is None else value

    # ------------------------------------------------------------- msgaudit

    def has_secret(self, secret: str) -> bool:
        """Whether ``secret`` is this org's archive secret (constant time)."""
        return secrets.compare_digest(self.secret.encode(), secret.encode())

    def permit(self, userid: str, edition: int = 1) -> None:
        """Turn archiving on for an employee (get_permit_user_list lists them)."""
        self.permit_users[userid] = edition

    def agree(self, userid: str, external_userid: str, status: str, at: int) -> None:
        """A customer's consent in a 1:1 chat: ``Agree``, ``Disagree``, ``Default_Agree``."""
        if status not in AGREE_STATUSES:
            raise ValueError(f"agree status is one of {sorted(AGREE_STATUSES)}")
        self.agreements[(userid, external_userid)] = (status, at)

    def agree_in_room(self, roomid: str, external_userid: str, status: str, at: int) -> None:
        if status not in AGREE_STATUSES:
            raise ValueError(f"agree status is one of {sorted(AGREE_STATUSES)}")
        self.room_agreements.setdefault(roomid, {})[external_userid] = (status, at)

    def add_room(self, room: ArchiveRoom) -> None:
        self.rooms[room.roomid] = room

    def fail_next(self, operation: str, code: int, times: int = 1) -> None:
        """The next ``times`` calls of ``chatdata``/``mediadata`` answer ``code``."""
        if operation not in ("chatdata", "mediadata"):
            raise ValueError("operation is chatdata or mediadata")
        self._faults.setdefault(operation, []).extend([code] * times)

    def take_fault(self, operation: str) -> int:
        queue = self._faults.get(operation)
        return queue.pop(0) if queue else 0

    def _seal(self, entry: _Entry) -> tuple[str, str]:
        if entry.sealed is None:
            random_key = secrets.token_urlsafe(24).encode("ascii")  # 32 ASCII characters
            public = self._keys[entry.publickey_ver].public_key()
            encrypted_key = public.encrypt(random_key, padding.PKCS1v15())
            plaintext = json.dumps(entry.message, ensure_ascii=False).encode()
            entry.sealed = (
                base64.b64encode(encrypted_key).decode("ascii"),
                seal_chat_msg(random_key, plaintext),
            )
        return entry.sealed

    def record(self, entry: _Entry) -> JsonObject:
        """A GetChatData record of one entry, as served."""
        encrypt_random_key, encrypt_chat_msg = self._seal(entry)
        served: JsonObject = {
            "seq": entry.seq,
            "msgid": entry.msgid,
            "publickey_ver": entry.publickey_ver,
            "encrypt_random_key": encrypt_random_key,
            "encrypt_chat_msg": encrypt_chat_msg,
        }
        for name, value in entry.override.items():
            if value is _DROP:
                served.pop(name, None)
            else:
                served[name] = value
        return served

    def chat_data(self, seq_after: int, limit: int) -> list[JsonObject]:
        """Records with seq > ``seq_after``, oldest first, at most ``limit``."""
        if not 1 <= limit <= MAX_FETCH_LIMIT:
            raise SimArchiveError(10000, f"limit must be 1..{MAX_FETCH_LIMIT}")
        if seq_after < 0:
            raise SimArchiveError(10000, "seq must not be negative")
        start = bisect.bisect_right(self._seqs, seq_after)
        with self._lock:
            return [self.record(e) for e in self._entries[start : start + limit]]

    # ------------------------------------------------------------------ media

    def add_media(self, data: bytes | MediaBlob, sdkfileid: str | None = None) -> str:
        fileid = sdkfileid or base64.b64encode(secrets.token_bytes(72)).decode("ascii")
        self._media[fileid] = data
        return fileid

    def media_bytes(self, sdkfileid: str) -> bytes:
        try:
            stored = self._media[sdkfileid]
        except KeyError:
            raise SimArchiveError(10005, "unknown sdkfileid") from None
        return stored.data() if isinstance(stored, MediaBlob) else stored

    def media_chunk(self, sdkfileid: str, index_buf: str) -> tuple[bytes, str, bool]:
        """One chunk: ``(data, next index buffer, is_finish)``.

        The index buffer is opaque to clients, as WeCom's is: an offset bound to the
        file it belongs to, so a buffer of another file is refused.
        """
        data = self.media_bytes(sdkfileid)
        offset = 0
        if index_buf:
            text, _, tag = index_buf.partition(":")
            if tag != _index_tag(sdkfileid) or not is_digits(text):
                raise SimArchiveError(10000, "bad indexbuf")
            offset = int(text)
            if offset > len(data):
                raise SimArchiveError(10000, "indexbuf beyond the end")
        end = min(offset + self.chunk_size, len(data))
        return data[offset:end], f"{end}:{_index_tag(sdkfileid)}", end >= len(data)


class SimArchive:
    """The simulator's archive for every org."""

    def __init__(self) -> None:
        self.orgs: dict[str, OrgArchive] = {}

    def add_org(
        self,
        corp_id: str,
        secret: str,
        keys: Mapping[int, rsa.RSAPrivateKey] | None = None,
        *,
        chunk_size: int = MAX_MEDIA_CHUNK,
    ) -> OrgArchive:
        org = OrgArchive(corp_id, secret, keys, chunk_size=chunk_size)
        self.orgs[corp_id] = org
        return org

    def authorise(self, corp_id: object, secret: object) -> OrgArchive:
        org = self.orgs.get(corp_id) if isinstance(corp_id, str) else None
        if org is None or not isinstance(secret, str) or not org.has_secret(secret):
            raise SimArchiveError(40001, "invalid corpid or archive secret")
        return org


_ARCHIVES: weakref.WeakKeyDictionary[object, SimArchive] = weakref.WeakKeyDictionary()


def archive_of(sim: object) -> SimArchive:
    """The archive of a :class:`~wecom_app.simulator.simulator.Simulator`, made on first use.

    Kept beside the simulator rather than in it, so the archive stays optional: a
    simulator whose archive nobody touches pays nothing for it.
    """
    archive = _ARCHIVES.get(sim)
    if archive is None:
        archive = _ARCHIVES[sim] = SimArchive()
    return archive


def archive_org_of(sim: object, corp_id: str) -> OrgArchive | None:
    """The org's archive in ``sim``, if it has one (makes no archive, unlike
    :func:`archive_of`): ``gettoken`` asks it whether a secret is the archive secret."""
    archive = _ARCHIVES.get(sim)
    return archive.orgs.get(corp_id) if archive is not None else None


def load_media(org: OrgArchive, media: Iterable[tuple[str, bytes | MediaBlob]]) -> None:
    """Register media under given sdkfileids (as a generated log refers to them)."""
    for sdkfileid, data in media:
        org.add_media(data, sdkfileid)
