"""The archive puller's hook: index stored messages and check keyword alerts.

Contract with the puller: it calls :func:`on_messages_stored` **inside the transaction
that inserts the messages**, after inserting them, so a committed message is always
findable and an aborted batch leaves no index entries behind. The call is idempotent
(a message already indexed is skipped; an alert fires once per rule and message), so a
retried batch is harmless. Messages that are not ``ok`` (parked, failed) or carry no
searchable text are not indexed; call again when a parked message has been decrypted.

Messages stored by the archive writer carry the terms their decoder process computed
(:data:`PRECOMPUTED_TERMS`), so indexing them here is key assignment and one insert;
other messages (tests, tools) have their terms computed here, the same way.

Nothing here talks to the network: alert notifications are written to an outbox and
sent by a job (:mod:`wecom_app.search.alerts`), so WeCom trouble never fails ingestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.backend import Backend, IndexDoc, backend_for, rows_of
from wecom_app.search.keys import corp_of, next_key, preferred_key
from wecom_app.search.terms import filter_term, index_terms
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import db, dialect

# An ArchiveMessage built by the archive writer carries, under this attribute, the
# (text terms, filter terms) its decoder process computed, each space-separated
# (text "" when there is nothing to index): the storing process need not compute them.
PRECOMPUTED_TERMS = "_search_terms"


def precomputed_terms(msg: object) -> tuple[str, str] | None:
    state = getattr(msg, "__dict__", None)
    found = state.get(PRECOMPUTED_TERMS) if state is not None else None
    return found if isinstance(found, tuple) else None


def text_terms(msg: ArchiveMessage) -> list[str]:
    """The index terms of a message's text (precomputed by the decoder when it can)."""
    pre = precomputed_terms(msg)
    if pre is None:
        return index_terms(msg.text)
    return pre[0].split(" ") if pre[0] else []


def is_external_id(userid: str) -> bool:
    """A customer's external_userid (``wo…``/``wm…``), as opposed to an employee's userid."""
    return userid.startswith(("wo", "wm")) and len(userid) >= 20


def is_robot_id(userid: str) -> bool:
    return userid.startswith("wb")


class MessageLike(Protocol):
    """The fields of a message the filters look at (a model or a view of one)."""

    @property
    def employee_userid(self) -> str: ...
    @property
    def external_userid(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def receivers(self) -> Any: ...
    @property
    def roomid(self) -> str: ...
    @property
    def msgtype(self) -> str: ...


def employees_of(msg: MessageLike) -> list[str]:
    """Employees a message belongs to: the employee side of a customer chat, the sender,
    and in internal chats the receivers (room members who only received a message are
    not counted: they did not say it, and a room lists every member)."""
    found: list[str] = []
    if msg.employee_userid:
        found.append(msg.employee_userid)
    if msg.sender and not is_external_id(msg.sender) and not is_robot_id(msg.sender):
        found.append(msg.sender)
    if msg.direction == "internal":
        found.extend(
            r for r in msg.receivers or [] if isinstance(r, str) and r and not is_external_id(r)
        )
    return list(dict.fromkeys(found))


def customers_of(msg: MessageLike) -> list[str]:
    found: list[str] = []
    if msg.external_userid:
        found.append(msg.external_userid)
    if msg.sender and is_external_id(msg.sender):
        found.append(msg.sender)
    return list(dict.fromkeys(found))


def filter_terms(msg: MessageLike) -> list[str]:
    terms = [filter_term("e", e) for e in employees_of(msg)]
    terms += [filter_term("x", c) for c in customers_of(msg)]
    if msg.roomid:
        terms.append(filter_term("r", msg.roomid))
    if msg.msgtype:
        terms.append(filter_term("t", msg.msgtype))
    if msg.direction:
        terms.append(filter_term("d", msg.direction))
    return terms


async def _fill_ids(
    conn: BaseDBAsyncClient, corp_pk: int, messages: Sequence[ArchiveMessage]
) -> None:
    """``bulk_create`` does not give ids back on every database: look them up."""
    missing = [m for m in messages if getattr(m, "id", None) is None]
    if not missing:
        return
    by_msgid = {m.msgid: m for m in missing}
    msgids = list(by_msgid)
    for start in range(0, len(msgids), 500):
        chunk = msgids[start : start + 500]
        if dialect(conn) == "postgres":
            result = await conn.execute_query(
                "SELECT id, msgid FROM archive_messages WHERE corp_id = $1 "
                "AND msgid = ANY($2::text[])",
                [corp_pk, chunk],
            )
        else:
            marks = ",".join("?" * len(chunk))
            result = await conn.execute_query(
                f"SELECT id, msgid FROM archive_messages WHERE corp_id = ? AND msgid IN ({marks})",
                [corp_pk, *chunk],
            )
        for row in rows_of(result):
            by_msgid[str(row[1])].id = int(row[0])


async def assign_keys(
    backend: Backend,
    conn: BaseDBAsyncClient,
    corp_pk: int,
    items: Iterable[tuple[int, int]],
) -> dict[int, int]:
    """Index keys for ``(message_id, msgtime_ms)`` pairs: the preferred slot, or the
    next free one after it (free in this batch and in the index)."""
    wanted = sorted((preferred_key(corp_pk, t, mid), mid) for mid, t in items)
    taken: set[int] = set()
    checked: set[int] = set()
    while True:
        assigned: dict[int, int] = {}
        used: set[int] = set()
        for key, mid in wanted:
            while key in used or key in taken:
                key = next_key(key)
            if corp_of(key) != corp_pk:
                raise OverflowError("search key range of this tenant is exhausted")
            assigned[mid] = key
            used.add(key)
        fresh = [k for k in used if k not in checked]
        if not fresh:
            return assigned
        checked.update(fresh)
        newly = await backend.taken(conn, fresh)
        if not newly:
            return assigned
        taken |= newly


async def index_messages(
    corp_pk: int,
    messages: Sequence[ArchiveMessage],
    conn: BaseDBAsyncClient | None = None,
) -> int:
    """Index the searchable messages of ``messages`` not indexed yet; returns how many.

    Messages carrying precomputed terms are not looked up first: the archive writer
    attaches them only to rows it inserted, or turned ``ok``, in this very transaction,
    and only ``ok`` rows are ever indexed. (Were that ever wrong, the insert would fail
    on ``search_docs``' unique ``message_id`` and roll the batch back, not index twice.)
    """
    conn = conn or db()
    candidates = [
        m for m in messages if m.status == "ok" and m.text and m.text.strip() and m.corp_id
    ]
    if not candidates:
        return 0
    if any(m.corp_id != corp_pk for m in candidates):
        raise ValueError("on_messages_stored got a message of another tenant")
    await _fill_ids(conn, corp_pk, candidates)
    backend = backend_for(conn)
    unknown = [m.id for m in candidates if precomputed_terms(m) is None]
    done = await backend.indexed(conn, unknown) if unknown else set()
    prepared: list[tuple[ArchiveMessage, str, str]] = []
    for m in candidates:
        if m.id in done:
            continue
        pre = precomputed_terms(m)
        if pre is not None:
            if pre[0]:
                prepared.append((m, pre[0], pre[1]))
            continue
        terms = index_terms(m.text)
        if terms:
            prepared.append((m, " ".join(terms), " ".join(filter_terms(m))))
    if not prepared:
        return 0
    keys = await assign_keys(backend, conn, corp_pk, [(m.id, m.msgtime) for m, _, _ in prepared])
    docs = [IndexDoc(keys[m.id], corp_pk, m.id, terms, filters) for m, terms, filters in prepared]
    await backend.insert(conn, docs)
    return len(docs)


async def on_messages_stored(corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
    """Index ``messages`` (of tenant ``corp_pk``) and evaluate keyword alerts on them.

    Call inside the transaction that stored them (the current connection, ``db()``, is
    used). Raises if indexing fails, so the batch is not committed without its index.
    """
    from wecom_app.search.alerts import evaluate_alerts

    conn = db()
    await index_messages(corp_pk, messages, conn)
    await evaluate_alerts(corp_pk, messages, conn)
