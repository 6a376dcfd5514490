"""The append-only, HMAC-chained audit log (one chain per tenant).

Every read of archived text (searches, context and conversation views, exports, media,
alerts, the sidebar's history and profile), every refused attempt and every purge is an
entry. Entry ``n`` of a tenant stores ``prev_hash`` (entry ``n-1``'s hash, or 64 zeros)
and ``hash = HMAC-SHA256(audit key, prev_hash + "\\n" + canonical content)``, where the
content is the JSON (sorted keys, no spaces) of its tenant, ``seq``, time, actor, action
and detail. The audit key (:class:`AuditKey`) is derived by HKDF from ``AUDIT_KEY`` or,
without it, from ``SECRET_KEY`` under its own label: someone who can write the database
but does not hold the key cannot recompute the chain after changing an entry.

Entries written before the HMAC chain (plain ``sha256(prev_hash + "\\n" + content)``)
stay as they are and verify as a *legacy prefix*: a chain may start with plain entries,
but once an HMAC entry appears every later one must be HMAC, and the signed checkpoint
(:mod:`wecom_app.search.audit_checkpoint`) records how long the legacy prefix is, so a
chain rewritten with plain SHA-256 is caught. :mod:`wecom_app.search.audit_verify`
walks a chain against the last checkpoint.

Writers serialise per tenant on the head row: the first statement of the transaction
is ``UPDATE audit_heads SET seq = seq + 1 … RETURNING``, which takes the row lock on
PostgreSQL (like ``SELECT … FOR UPDATE``) and the write lock on SQLite, so two writers,
in one process or many, can never both extend the same entry (no fork).

Nothing in the application updates or deletes entries; the retention purge leaves them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tortoise.transactions import in_transaction

from wecom_app.store.db import db
from wecom_app.store.sql import marker, rows_of

if TYPE_CHECKING:
    from wecom_app.config import Settings

GENESIS: Final = "0" * 64
PAGE: Final = 1000


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_of(corp_pk: int, seq: int, at_ms: int, actor: str, action: str, detail: str) -> str:
    return canonical_json(
        {
            "corp": corp_pk,
            "seq": seq,
            "at_ms": at_ms,
            "actor": actor,
            "action": action,
            "detail": detail,
        }
    )


@dataclass(frozen=True)
class AuditKey:
    """The keys of the audit log: one for the chain, one for signing checkpoints."""

    chain: bytes = field(repr=False)
    checkpoint: bytes = field(repr=False)

    @classmethod
    def derive(cls, secret_key: str, audit_key: str = "") -> AuditKey:
        """From ``AUDIT_KEY`` when set (then rotating ``SECRET_KEY`` keeps the chain),
        else from ``SECRET_KEY`` — under labels no other key of the app uses."""
        source = (audit_key or secret_key).encode()

        def derive(info: bytes) -> bytes:
            return HKDF(
                algorithm=hashes.SHA256(), length=32, salt=b"wecom-app/audit-log", info=info
            ).derive(source)

        return cls(derive(b"chain v2"), derive(b"checkpoint v1"))

    @classmethod
    def of(cls, settings: Settings) -> AuditKey:
        return cls.derive(settings.secret_key, settings.audit_key)


def chain_hash(key: AuditKey, prev_hash: str, content: str) -> str:
    message = f"{prev_hash}\n{content}".encode()
    return hmac.new(key.chain, message, hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, content: str) -> str:
    """The plain SHA-256 link of entries written before the HMAC chain."""
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class Written:
    seq: int
    hash: str


async def record(
    corp_pk: int,
    actor: str,
    action: str,
    detail: Mapping[str, Any],
    *,
    key: AuditKey,
    now: float | None = None,
) -> Written:
    """Append one entry to the tenant's chain (its own transaction, committed on return)."""
    at_ms = int((time.time() if now is None else now) * 1000)
    detail_text = canonical_json(dict(detail))
    actor = actor[:80]
    async with in_transaction() as conn:
        mark = marker(conn)
        await conn.execute_query(
            f"INSERT INTO audit_heads (corp_id, seq, hash) VALUES ({mark(1)}, 0, '') "
            "ON CONFLICT (corp_id) DO NOTHING",
            [corp_pk],
        )
        # the row lock that serialises this tenant's writers (see the module docstring)
        # (execute_query_dict: Tortoise's asyncpg client drops the rows of an UPDATE)
        head = (
            await conn.execute_query_dict(
                f"UPDATE audit_heads SET seq = seq + 1 WHERE corp_id = {mark(1)} "
                "RETURNING seq, hash",
                [corp_pk],
            )
        )[0]
        seq = int(head["seq"])
        prev = str(head["hash"]) or GENESIS
        digest = chain_hash(key, prev, content_of(corp_pk, seq, at_ms, actor, action, detail_text))
        await conn.execute_query(
            "INSERT INTO audit_log (corp_id, seq, at_ms, actor, action, detail, prev_hash, hash) "
            f"VALUES ({', '.join(mark(i) for i in range(1, 9))})",
            [corp_pk, seq, at_ms, actor, action, detail_text, prev, digest],
        )
        await conn.execute_query(
            f"UPDATE audit_heads SET hash = {mark(1)} WHERE corp_id = {mark(2)}",
            [digest, corp_pk],
        )
    return Written(seq, digest)


@dataclass(frozen=True)
class Entry:
    id: int
    corp_pk: int
    seq: int
    at_ms: int
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str

    def detail_dict(self) -> dict[str, Any]:
        try:
            value = json.loads(self.detail)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


async def entries(
    corp_pk: int, *, after_seq: int = 0, before_seq: int | None = None, limit: int = PAGE
) -> list[Entry]:
    """Entries in seq order after ``after_seq`` (or the newest before ``before_seq``,
    newest first)."""
    conn = db()
    m = marker(conn)
    columns = "id, corp_id, seq, at_ms, actor, action, detail, prev_hash, hash"
    if before_seq is None:
        sql = (
            f"SELECT {columns} FROM audit_log WHERE corp_id = {m(1)} AND seq > {m(2)} "
            f"ORDER BY seq LIMIT {m(3)}"
        )
        values: list[Any] = [corp_pk, after_seq, limit]
    else:
        sql = (
            f"SELECT {columns} FROM audit_log WHERE corp_id = {m(1)} AND seq < {m(2)} "
            f"ORDER BY seq DESC LIMIT {m(3)}"
        )
        values = [corp_pk, before_seq, limit]
    rows = rows_of(await conn.execute_query(sql, values))
    return [
        Entry(
            int(r[0]),
            int(r[1]),
            int(r[2]),
            int(r[3]),
            str(r[4]),
            str(r[5]),
            str(r[6]),
            str(r[7]),
            str(r[8]),
        )
        for r in rows
    ]


async def iter_entries(corp_pk: int) -> AsyncIterator[Entry]:
    after = 0
    while True:
        page = await entries(corp_pk, after_seq=after)
        for entry in page:
            yield entry
        if len(page) < PAGE:
            return
        after = page[-1].seq
