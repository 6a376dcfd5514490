"""The append-only, hash-chained audit log (one chain per tenant).

Every search, context view, conversation view, export, refused attempt and purge is an
entry. Entry ``n`` of a tenant stores ``prev_hash`` (entry ``n-1``'s hash, or 64 zeros)
and ``hash = sha256(prev_hash + "\\n" + canonical content)``, where the content is the
JSON (sorted keys, no spaces) of its tenant, ``seq``, time, actor, action and detail.
Changing, deleting, inserting or reordering entries breaks the chain at that point,
and :func:`verify` says where. The tenant's ``audit_heads`` row holds the newest seq and
hash, so deleting entries at the end is caught too. (Someone who can rewrite the whole
table *and* the head can forge a consistent chain: keep a copy of ``audit verify``'s
head hash elsewhere to anchor it.)

Writers serialise per tenant on the head row: the first statement of the transaction
is ``UPDATE audit_heads SET seq = seq + 1 … RETURNING``, which takes the row lock on
PostgreSQL (like ``SELECT … FOR UPDATE``) and the write lock on SQLite, so two writers,
in one process or many, can never both extend the same entry (no fork).

Nothing in the application updates or deletes entries; the retention purge leaves them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from tortoise.transactions import in_transaction

from wecom_app.store.db import db
from wecom_app.store.sql import marker, rows_of

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


def chain_hash(prev_hash: str, content: str) -> str:
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
        digest = chain_hash(prev, content_of(corp_pk, seq, at_ms, actor, action, detail_text))
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


@dataclass
class Problem:
    seq: int
    entry_id: int | None
    kind: str  # edited | missing | broken_link | tail_missing | head
    message: str


@dataclass
class Verification:
    corp_pk: int
    checked: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(corp_pk: int) -> Verification:
    """Walk a tenant's chain and report every place where it does not hold."""
    result = Verification(corp_pk)
    expected = 1
    prev = GENESIS
    async for entry in iter_entries(corp_pk):
        result.checked += 1
        if entry.seq != expected:
            result.problems.append(
                Problem(
                    expected,
                    None,
                    "missing",
                    f"entries {expected}..{entry.seq - 1} are missing (deleted)",
                )
            )
        if entry.prev_hash != prev:
            result.problems.append(
                Problem(
                    entry.seq,
                    entry.id,
                    "broken_link",
                    f"entry {entry.seq} (id {entry.id}) does not follow the entry before it: "
                    "entries were deleted, inserted or reordered, or the one before was rewritten",
                )
            )
        content = content_of(
            entry.corp_pk, entry.seq, entry.at_ms, entry.actor, entry.action, entry.detail
        )
        if chain_hash(entry.prev_hash, content) != entry.hash:
            result.problems.append(
                Problem(
                    entry.seq,
                    entry.id,
                    "edited",
                    f"entry {entry.seq} (id {entry.id}) was changed after it was written "
                    "(its content does not match its hash)",
                )
            )
        prev = entry.hash
        expected = entry.seq + 1
    conn = db()
    mark = marker(conn)(1)
    head = rows_of(
        await conn.execute_query(
            f"SELECT seq, hash FROM audit_heads WHERE corp_id = {mark}", [corp_pk]
        )
    )
    if head:
        result.head_seq = int(head[0][0])
        result.head_hash = str(head[0][1])
        last = expected - 1
        if result.head_seq > last:
            result.problems.append(
                Problem(
                    last + 1,
                    None,
                    "tail_missing",
                    f"the log ends at entry {last} but {result.head_seq} were written: "
                    f"entries {last + 1}..{result.head_seq} were deleted",
                )
            )
        elif result.head_seq < last:
            result.problems.append(
                Problem(
                    result.head_seq + 1,
                    None,
                    "head",
                    f"entries after {result.head_seq} were not written through the chain head",
                )
            )
        elif result.head_seq and result.head_hash != prev:
            result.problems.append(
                Problem(
                    last,
                    None,
                    "head",
                    f"the newest entry {last} differs from the one the chain head recorded",
                )
            )
    elif result.checked:
        result.problems.append(Problem(1, None, "head", "the chain head of this tenant is gone"))
    return result
