"""Storing decoded archive batches: messages, cursor, media queue, recalls, consent.

:func:`store_batch` runs **one transaction** per GetChatData batch: it inserts the
messages (``ON CONFLICT (corp_id, msgid) DO NOTHING`` … ``RETURNING``, so a batch
fetched again after a crash stores nothing twice and we know which rows are new),
queues their media, links recalls to originals in either order, records consent from
agree/disagree messages, hands the new messages to the search index
(``wecom_app.search.ingest.on_messages_stored``) and moves the cursor — with a
compare-and-set on its old value, so two pullers that both believe they hold the lock
cannot both advance it: the second one's transaction rolls back.

Inserts are hand-written SQL, one statement per batch: a multi-row ``VALUES`` on
SQLite and ``unnest`` of typed arrays on PostgreSQL (the ORM would cost ≈25 µs a row in
model objects alone, a tenth of the whole per-message budget).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from wecom_app.archive.decode import Decoded, Undecoded, dumps
from wecom_app.protocol.archive.records import MediaRef
from wecom_app.search.ingest import PRECOMPUTED_TERMS
from wecom_app.store.archive import ArchiveCursor, ArchiveMessage
from wecom_app.store.db import dialect
from wecom_app.store.models import Corp

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)
StoredHook = Callable[[int, Sequence[ArchiveMessage]], Awaitable[None]]


def _search_hook() -> StoredHook | None:
    """The search index's ingest hook, when that module exists in this build.

    It runs inside our transaction: a message is searchable exactly when it is stored.
    """
    try:
        module = importlib.import_module("wecom_app.search.ingest")
    except ModuleNotFoundError as exc:
        if exc.name not in ("wecom_app.search.ingest", "wecom_app.search"):
            raise  # the module exists but something it imports is missing: a real bug
        return None
    hook: StoredHook | None = getattr(module, "on_messages_stored", None)
    return hook


class CursorMoved(Exception):
    """Another puller advanced the cursor first; this batch was rolled back."""


# (column, PostgreSQL type) in insert order; jsonb travels as text and is cast.
_MESSAGE_COLUMNS: Final = (
    ("corp_id", "int"),
    ("msgid", "text"),
    ("seq", "bigint"),
    ("publickey_ver", "int"),
    ("status", "text"),
    ("action", "text"),
    ("msgtype", "text"),
    ("sender", "text"),
    ("receivers", "jsonb"),
    ("roomid", "text"),
    ("conversation", "text"),
    ("external_userid", "text"),
    ("employee_userid", "text"),
    ("direction", "text"),
    ("msgtime", "bigint"),
    ("text", "text"),
    ("tokens", "text"),
    ("body", "jsonb"),
    ("record", "jsonb"),
    ("error", "text"),
    ("recalled_by", "text"),
    ("pre_msgid", "text"),
    ("created_at", "timestamptz"),
)
_MEDIA_COLUMNS: Final = (
    ("corp_id", "int"),
    ("msgid", "text"),
    ("sdkfileid", "text"),
    ("fileid_hash", "text"),
    ("msgtype", "text"),
    ("md5sum", "text"),
    ("expected_size", "bigint"),
    ("status", "text"),
    ("index_buf", "text"),
    ("bytes_done", "bigint"),
    ("path", "text"),
    ("attempts", "int"),
    ("error", "text"),
    ("next_attempt_at", "double precision"),
    ("updated_at", "timestamptz"),
)
_CONSENT_COLUMNS: Final = (
    ("corp_id", "int"),
    ("subject", "text"),
    ("userid", "text"),
    ("status", "text"),
    ("changed_at", "bigint"),
    ("updated_at", "timestamptz"),
)
_JSON_COLUMNS: Final = frozenset({"receivers", "body", "record"})
_SQLITE_MAX_PARAMS: Final = 30_000  # SQLite ≥ 3.32 allows 32,766 per statement


def _dumps(value: Any) -> str:
    return dumps(value)


def _ts(conn: BaseDBAsyncClient, when: datetime) -> Any:
    # SQLite stores Tortoise's datetimes as text; asyncpg wants datetime objects.
    return when if dialect(conn) == "postgres" else str(when)


async def insert_rows(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    update: str = "",
    returning: str = "",
) -> list[dict[str, Any]]:
    """Insert many rows in as few statements as the dialect allows.

    ``update`` is the ``DO UPDATE SET …`` tail (else ``DO NOTHING``); ``returning`` the
    columns of *inserted* rows to return.
    """
    if not rows:
        return []
    names = ", ".join(f'"{c}"' for c, _ in columns)
    on_conflict = f"ON CONFLICT ({', '.join(conflict)}) " + (
        f"DO UPDATE SET {update}" if update else "DO NOTHING"
    )
    tail = f" RETURNING {returning}" if returning else ""
    out: list[dict[str, Any]] = []
    if dialect(conn) == "postgres":
        arrays = ", ".join(
            f"${i + 1}::{'text' if kind == 'jsonb' else kind}[]"
            for i, (_c, kind) in enumerate(columns)
        )
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        picks = ", ".join(
            f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, (_c, kind) in enumerate(columns)
        )
        sql = (
            f'INSERT INTO "{table}" ({names}) SELECT {picks} FROM unnest({arrays}) '
            f"AS t({aliases}) {on_conflict}{tail}"
        )
        values = [list(column) for column in zip(*rows, strict=True)]
        if returning:
            out.extend(await conn.execute_query_dict(sql, values))
        else:
            await conn.execute_query(sql, values)
        return out
    per_row = "(" + ", ".join("?" for _ in columns) + ")"
    step = max(1, _SQLITE_MAX_PARAMS // len(columns))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        sql = (
            f'INSERT INTO "{table}" ({names}) VALUES '
            + ", ".join(per_row for _ in chunk)
            + f" {on_conflict}{tail}"
        )
        flat = [value for row in chunk for value in row]
        if returning:
            out.extend(await conn.execute_query_dict(sql, flat))
        else:
            await conn.execute_query(sql, flat)
    return out


def fast_instance(cls: type[M], values: dict[str, Any]) -> M:
    """A model object for a row we just wrote, without the ORM's per-field __init__.

    The same state Tortoise's own ``_init_from_db`` sets up for a loaded row (saved in
    the database, not partial), filled from values already in Python form.
    """
    obj = cls.__new__(cls)
    state = obj.__dict__
    state["_partial"] = False
    state["_saved_in_db"] = True
    state["_custom_generated_pk"] = False
    state["_await_when_save"] = {}
    state.update(values)
    return obj


# --------------------------------------------------------------------- media


def fileid_hash(sdkfileid: str) -> str:
    return hashlib.sha256(sdkfileid.encode("utf-8", "surrogatepass")).hexdigest()


def media_relpath(corp_id: str, ref: MediaRef, digest: str) -> str:
    """Where a file goes under the media directory: ``<corp>/<aa>/<sha256>[.ext]``."""
    ext = "".join(ch for ch in ref.ext.lower() if ch.isalnum())[:10]
    name = f"{digest}.{ext}" if ext else digest
    safe_corp = "".join(ch for ch in corp_id if ch.isalnum() or ch in "-_") or "corp"
    return f"{safe_corp}/{digest[:2]}/{name}"


def media_rows(
    conn: BaseDBAsyncClient,
    corp: Corp,
    messages: Iterable[Decoded],
    now: datetime,
    max_bytes: int,
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    stamp = _ts(conn, now)
    for message in messages:
        for ref in message.media:
            digest = fileid_hash(ref.sdkfileid)
            if digest in seen:
                continue
            seen.add(digest)
            size = ref.size if ref.size is not None and 0 <= ref.size < 2**62 else 0
            too_large = size > max_bytes
            rows.append(
                (
                    corp.pk,
                    message.msgid,
                    ref.sdkfileid,
                    digest,
                    ref.kind[:32],
                    ref.md5sum.lower()[:64],
                    size,
                    "too_large" if too_large else "pending",
                    "",
                    0,
                    media_relpath(corp.corp_id, ref, digest),
                    0,
                    f"announced size {size} exceeds MEDIA_MAX_BYTES {max_bytes}"
                    if too_large
                    else "",
                    0.0,
                    stamp,
                )
            )
    return rows


# ---------------------------------------------------------------- the batch


@dataclass
class StoredBatch:
    """What one transaction stored."""

    messages: list[ArchiveMessage] = field(default_factory=list)  # new ok messages
    parked: int = 0
    failed: int = 0
    duplicates: int = 0
    media: int = 0
    recalls: int = 0
    consents: int = 0

    @property
    def stored(self) -> int:
        return len(self.messages) + self.parked + self.failed


def _message_row(corp_pk: int, outcome: Decoded | Undecoded, stamp: Any) -> tuple[Any, ...]:
    if isinstance(outcome, Decoded):
        return (
            corp_pk,
            outcome.msgid,
            outcome.seq,
            outcome.publickey_ver,
            "ok",
            outcome.action,
            outcome.msgtype,
            outcome.sender,
            outcome.receivers_json,
            outcome.roomid,
            outcome.conversation,
            outcome.external_userid,
            outcome.employee_userid,
            outcome.direction,
            outcome.msgtime,
            outcome.text,
            outcome.tokens,
            outcome.body_json,
            "{}",
            outcome.error,
            "",
            outcome.pre_msgid,
            stamp,
        )
    return (
        corp_pk,
        outcome.msgid,
        outcome.seq,
        outcome.publickey_ver,
        outcome.status,
        "",
        "",
        "",
        "[]",
        "",
        "",
        "",
        "",
        "",
        0,
        "",
        "",
        "{}",
        _dumps(outcome.record),
        f"{outcome.reason}: {outcome.detail}",
        "",
        "",
        stamp,
    )


def message_instance(corp_pk: int, row_id: int, d: Decoded, now: datetime) -> ArchiveMessage:
    return fast_instance(
        ArchiveMessage,
        {
            "id": row_id,
            "corp_id": corp_pk,
            "msgid": d.msgid,
            "seq": d.seq,
            "publickey_ver": d.publickey_ver,
            "status": "ok",
            "action": d.action,
            "msgtype": d.msgtype,
            "sender": d.sender,
            "receivers": d.receivers,
            "roomid": d.roomid,
            "conversation": d.conversation,
            "external_userid": d.external_userid,
            "employee_userid": d.employee_userid,
            "direction": d.direction,
            "msgtime": d.msgtime,
            "text": d.text,
            "tokens": d.tokens,
            "body": d.body,
            "record": {},
            "error": d.error,
            "recalled_by": "",
            "pre_msgid": d.pre_msgid,
            "created_at": now,
            # not a column: the search index terms the decoder computed, for the hook
            PRECOMPUTED_TERMS: (d.search_terms, d.search_filters),
        },
    )


async def link_recalls(conn: BaseDBAsyncClient, corp_pk: int, messages: Sequence[Decoded]) -> int:
    """Set ``recalled_by`` on originals, whichever of recall and original came first."""
    pairs = [(m.pre_msgid, m.msgid) for m in messages if m.msgtype == "revoke" and m.pre_msgid]
    ids = [m.msgid for m in messages if m.msgtype != "revoke"]
    if ids:
        # Recalls stored before these originals (an original parked, then decrypted).
        found: list[dict[str, Any]] = []
        if dialect(conn) == "postgres":
            found = await conn.execute_query_dict(
                "SELECT msgid, pre_msgid, seq FROM archive_messages WHERE corp_id = $1 "
                "AND pre_msgid <> '' AND pre_msgid = ANY($2::text[])",
                [corp_pk, ids],
            )
        else:
            step = _SQLITE_MAX_PARAMS - 1
            for start in range(0, len(ids), step):
                chunk = ids[start : start + step]
                # Named, because SQLite's planner prefers (corp_id, seq) and would
                # then read every message of the tenant for each batch.
                found.extend(
                    await conn.execute_query_dict(
                        "SELECT msgid, pre_msgid, seq FROM archive_messages "
                        "INDEXED BY idx_archive_mes_pre_msgid WHERE corp_id = ? "
                        "AND pre_msgid <> '' AND pre_msgid IN ("
                        + ", ".join("?" for _ in chunk)
                        + ")",
                        [corp_pk, *chunk],
                    )
                )
        found.sort(key=lambda r: int(r["seq"]))  # the first recall wins
        pairs.extend((str(r["pre_msgid"]), str(r["msgid"])) for r in found)
    # original → its first recall; one statement for the whole batch (a round trip
    # per recall cost as much as storing the batch's other messages)
    first: dict[str, str] = {}
    for original, recall in pairs:
        first.setdefault(original, recall)
    if not first:
        return 0
    if dialect(conn) == "postgres":
        count, _ = await conn.execute_query(
            "UPDATE archive_messages AS m SET recalled_by = v.recall "
            "FROM unnest($1::text[], $2::text[]) AS v(original, recall) "
            "WHERE m.corp_id = $3 AND m.msgid = v.original AND m.recalled_by = ''",
            [list(first), list(first.values()), corp_pk],
        )
        return int(count)
    linked = 0
    items = list(first.items())
    per_statement = (_SQLITE_MAX_PARAMS - 1) // 3
    for first_index in range(0, len(items), per_statement):
        part = items[first_index : first_index + per_statement]
        values: list[Any] = []
        for original, recall in part:
            values += (original, recall)
        values.append(corp_pk)
        values += (original for original, _recall in part)
        count, _ = await conn.execute_query(
            "UPDATE archive_messages SET recalled_by = CASE msgid "
            + " ".join("WHEN ? THEN ?" for _ in part)
            + " END WHERE corp_id = ? AND msgid IN ("
            + ", ".join("?" for _ in part)
            + ") AND recalled_by = ''",
            values,
        )
        linked += int(count)
    return linked


async def record_consents(
    conn: BaseDBAsyncClient,
    corp_pk: int,
    consents: Iterable[tuple[str, str, str, int]],
    now: datetime,
) -> int:
    """Upsert consent rows; an older change never overwrites a newer one."""
    newest: dict[tuple[str, str], tuple[str, int]] = {}
    for subject, userid, status, changed_at in consents:
        key = (subject, userid)
        if key not in newest or newest[key][1] <= changed_at:
            newest[key] = (status, changed_at)
    if not newest:
        return 0
    stamp = _ts(conn, now)
    rows = [(corp_pk, s, u, st, at, stamp) for (s, u), (st, at) in newest.items()]
    await insert_rows(
        conn,
        "archive_consents",
        _CONSENT_COLUMNS,
        rows,
        conflict=("corp_id", "subject", "userid"),
        update=(
            "status = excluded.status, changed_at = excluded.changed_at, "
            "updated_at = excluded.updated_at "
            "WHERE archive_consents.changed_at <= excluded.changed_at"
        ),
    )
    return len(rows)


async def queue_media(
    conn: BaseDBAsyncClient,
    corp: Corp,
    messages: Sequence[Decoded],
    now: datetime,
    max_bytes: int,
) -> int:
    rows = media_rows(conn, corp, messages, now, max_bytes)
    inserted = await insert_rows(
        conn,
        "archive_media",
        _MEDIA_COLUMNS,
        rows,
        conflict=("corp_id", "fileid_hash"),
        returning="id",
    )
    return len(inserted)


async def ensure_cursor(corp_pk: int) -> ArchiveCursor:
    cursor, _ = await ArchiveCursor.get_or_create(corp_id=corp_pk)
    return cursor


async def _advance(
    conn: BaseDBAsyncClient, corp_pk: int, old: int, new: int, now: datetime
) -> bool:
    if dialect(conn) == "postgres":
        sql = (
            "UPDATE archive_cursors SET seq = $1, last_pull_at = $2, last_error = '', "
            "last_error_code = 0, updated_at = $2 WHERE corp_id = $3 AND seq = $4"
        )
        values: list[Any] = [new, now, corp_pk, old]
    else:
        sql = (
            "UPDATE archive_cursors SET seq = ?, last_pull_at = ?, last_error = '', "
            "last_error_code = 0, updated_at = ? WHERE corp_id = ? AND seq = ?"
        )
        values = [new, str(now), str(now), corp_pk, old]
    count, _ = await conn.execute_query(sql, values)
    return count == 1


async def store_batch(
    corp: Corp,
    outcomes: Sequence[Decoded | Undecoded],
    *,
    cursor_from: int,
    cursor_to: int,
    now: datetime,
    media_max_bytes: int,
    hook: StoredHook | None = None,
) -> StoredBatch:
    """Store one batch and move the cursor from ``cursor_from`` to ``cursor_to``, atomically.

    Raises :class:`CursorMoved` (everything rolled back) when the cursor is no longer
    at ``cursor_from``.
    """
    result = StoredBatch()
    async with in_transaction() as conn:
        stamp = _ts(conn, now)
        rows = [_message_row(corp.pk, o, stamp) for o in outcomes]
        inserted = await insert_rows(
            conn,
            "archive_messages",
            _MESSAGE_COLUMNS,
            rows,
            conflict=("corp_id", "msgid"),
            returning="id, msgid",
        )
        new_ids = {str(r["msgid"]): int(r["id"]) for r in inserted}
        fresh: list[Decoded] = []
        for outcome in outcomes:
            row_id = new_ids.pop(outcome.msgid, None)  # pop: a msgid twice in one batch
            if row_id is None:
                result.duplicates += 1
            elif isinstance(outcome, Decoded):
                fresh.append(outcome)
                result.messages.append(message_instance(corp.pk, row_id, outcome, now))
            elif outcome.status == "parked":
                result.parked += 1
            else:
                result.failed += 1
        await _after_decoded(conn, corp, fresh, now, media_max_bytes, result)
        if cursor_to != cursor_from and not await _advance(
            conn, corp.pk, cursor_from, cursor_to, now
        ):
            raise CursorMoved(f"the cursor of corp {corp.corp_id} is no longer {cursor_from}")
        await _hook(hook, corp.pk, result.messages)
    return result


async def _after_decoded(
    conn: BaseDBAsyncClient,
    corp: Corp,
    fresh: Sequence[Decoded],
    now: datetime,
    media_max_bytes: int,
    result: StoredBatch,
) -> None:
    if not fresh:
        return
    result.media = await queue_media(conn, corp, fresh, now, media_max_bytes)
    result.recalls = await link_recalls(conn, corp.pk, fresh)
    result.consents = await record_consents(
        conn, corp.pk, (m.consent for m in fresh if m.consent is not None), now
    )


async def _hook(hook: StoredHook | None, corp_pk: int, messages: list[ArchiveMessage]) -> None:
    if not messages:
        return
    target = hook if hook is not None else _search_hook()
    if target is not None:
        await target(corp_pk, messages)


async def update_decoded(
    corp: Corp,
    rows: Sequence[tuple[int, Decoded | Undecoded]],
    *,
    from_statuses: Sequence[str],
    now: datetime,
    media_max_bytes: int,
    hook: StoredHook | None = None,
) -> StoredBatch:
    """Replace parked/failed rows (by id) with their decoded form, in one transaction.

    Used when a missing key arrives (parked → ok) or an operator retries failed rows.
    A row that changed status meanwhile (another retry got there first) is left alone.
    """
    result = StoredBatch()
    statuses = list(from_statuses)
    async with in_transaction() as conn:
        pg = dialect(conn) == "postgres"
        fresh: list[Decoded] = []
        for row_id, outcome in rows:
            if isinstance(outcome, Decoded):
                sets = {
                    "status": "ok",
                    "action": outcome.action,
                    "msgtype": outcome.msgtype,
                    "sender": outcome.sender,
                    "receivers": outcome.receivers_json,
                    "roomid": outcome.roomid,
                    "conversation": outcome.conversation,
                    "external_userid": outcome.external_userid,
                    "employee_userid": outcome.employee_userid,
                    "direction": outcome.direction,
                    "msgtime": outcome.msgtime,
                    "text": outcome.text,
                    "tokens": outcome.tokens,
                    "body": outcome.body_json,
                    "record": "{}",
                    "error": outcome.error,
                    "pre_msgid": outcome.pre_msgid,
                }
            else:
                sets = {"status": outcome.status, "error": f"{outcome.reason}: {outcome.detail}"}
            count = await _update_row(conn, pg, corp.pk, row_id, sets, statuses)
            if not count:
                continue
            if isinstance(outcome, Decoded):
                fresh.append(outcome)
                result.messages.append(message_instance(corp.pk, row_id, outcome, now))
            elif outcome.status == "parked":
                result.parked += 1
            else:
                result.failed += 1
        await _after_decoded(conn, corp, fresh, now, media_max_bytes, result)
        await _hook(hook, corp.pk, result.messages)
    return result


async def _update_row(
    conn: BaseDBAsyncClient,
    pg: bool,
    corp_pk: int,
    row_id: int,
    sets: dict[str, Any],
    statuses: list[str],
) -> int:
    values: list[Any] = []

    def param(value: Any, cast: str = "") -> str:
        values.append(value)
        return f"${len(values)}{cast}" if pg else "?"

    json_cast = "::jsonb" if pg else ""
    assignments = ", ".join(
        f'"{name}" = {param(value, json_cast if name in _JSON_COLUMNS else "")}'
        for name, value in sets.items()
    )
    where = (
        f"id = {param(row_id)} AND corp_id = {param(corp_pk)} AND status IN ("
        + ", ".join(param(s) for s in statuses)
        + ")"
    )
    count, _ = await conn.execute_query(
        f"UPDATE archive_messages SET {assignments} WHERE {where}", values
    )
    return int(count)
