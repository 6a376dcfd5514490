"""Search's listener of the archive: index stored messages and check keyword alerts.

The composition root registers :func:`on_messages_stored` with the archive
(``wecom_app.archive.listeners.STORED_LISTENERS``); the archive writer calls it **inside
the transaction that inserts the messages**, after inserting them, so a committed
message is always findable and an aborted batch leaves no index entries behind. The call
is idempotent (a message already indexed is skipped; an alert fires once per rule and
message), so a retried batch is harmless. Messages that are not ``ok`` (parked, failed)
or carry no searchable text are not indexed; call again when a parked message has been
decrypted.

Messages the archive announces carry, beside each, the terms their decoder process
computed (:class:`~wecom_app.archive.listeners.StoredMessages` ``.terms``), so indexing
them here is key assignment and one insert; other messages (tests, tools) have their
terms computed here, the same way (:mod:`wecom_app.text`).

Nothing here talks to the network: alert notifications are written to an outbox and
sent by a job (:mod:`wecom_app.search.alerts`), so WeCom trouble never fails ingestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.archive.listeners import StoredMessages
from wecom_app.search.backend import backend_for
from wecom_app.search.index import Backend, IndexDoc
from wecom_app.search.keys import corp_of, next_key, preferred_key
from wecom_app.store.archive import ArchiveMessage, fill_message_ids
from wecom_app.store.db import db
from wecom_app.text.message_terms import IndexTerms, filter_terms
from wecom_app.text.terms import index_terms


def terms_beside(messages: Sequence[ArchiveMessage]) -> Sequence[IndexTerms | None]:
    """The index terms the archive's decoder computed beside each of ``messages``
    (``None`` for a message without them: not announced by the archive writer)."""
    if isinstance(messages, StoredMessages):
        return messages.terms
    return [None] * len(messages)


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

    Messages with their terms beside them are not looked up first: the archive writer
    announces terms only for rows it inserted, or turned ``ok``, in this very transaction,
    and only ``ok`` rows are ever indexed. (Were that ever wrong, the insert would fail
    on ``search_docs``' unique ``message_id`` and roll the batch back, not index twice.)
    """
    conn = conn or db()
    candidates = [
        (m, pre)
        for m, pre in zip(messages, terms_beside(messages), strict=True)
        if m.status == "ok" and m.text and m.text.strip() and m.corp_id
    ]
    if not candidates:
        return 0
    if any(m.corp_id != corp_pk for m, _ in candidates):
        raise ValueError("on_messages_stored got a message of another tenant")
    await fill_message_ids(conn, corp_pk, [m for m, _ in candidates])
    backend = backend_for(conn)
    unknown = [m.id for m, pre in candidates if pre is None]
    done = await backend.indexed(conn, unknown) if unknown else set()
    prepared: list[tuple[ArchiveMessage, str, str]] = []
    for m, pre in candidates:
        if m.id in done:
            continue
        if pre is not None:
            if pre.text:
                prepared.append((m, pre.text, pre.filters))
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
