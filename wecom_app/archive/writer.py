"""Storing decoded archive batches: messages, cursor, media queue, recalls, consent.

:func:`store_batch` runs **one transaction** per GetChatData batch: it inserts the
messages (``ON CONFLICT (corp_id, msgid) DO NOTHING`` … ``RETURNING``, so a batch
fetched again after a crash stores nothing twice and we know which rows are new),
queues their media (:mod:`~wecom_app.archive.media_queue`), links recalls to originals
in either order (:mod:`~wecom_app.archive.recalls`), records consent from agree/disagree
messages (:mod:`~wecom_app.archive.consent_rows`), announces the new messages to the
registered listeners (:mod:`~wecom_app.archive.listeners`: the search index, wired by
the composition root) and moves the cursor — with a compare-and-set on its old value,
so two pullers that both believe they hold the lock cannot both advance it: the second
one's transaction rolls back.

Inserts are hand-written SQL, one statement per batch (:mod:`~wecom_app.archive.bulk_sql`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from wecom_app.archive.bulk_sql import db_time, insert_rows
from wecom_app.archive.consent_rows import record_consents
from wecom_app.archive.listeners import StoredListener, StoredMessages, announce_stored
from wecom_app.archive.media_queue import queue_media
from wecom_app.archive.message_rows import (
    MESSAGE_COLUMNS,
    message_instance,
    message_row,
    update_row,
    update_sets,
)
from wecom_app.archive.outcomes import Decoded, Undecoded
from wecom_app.archive.recalls import link_recalls
from wecom_app.store.archive import ArchiveCursor
from wecom_app.store.models import Corp
from wecom_app.store.sql import marker
from wecom_app.text.message_terms import IndexTerms

log = logging.getLogger(__name__)


class CursorMoved(Exception):
    """Another puller advanced the cursor first; this batch was rolled back."""


@dataclass
class StoredBatch:
    """What one transaction stored."""

    messages: StoredMessages = field(default_factory=StoredMessages)  # new ok messages
    parked: int = 0
    failed: int = 0
    duplicates: int = 0
    media: int = 0
    recalls: int = 0
    consents: int = 0

    @property
    def stored(self) -> int:
        return len(self.messages) + self.parked + self.failed

    def add_decoded(self, corp_pk: int, row_id: int, outcome: Decoded, now: datetime) -> None:
        """A decoded row stored: its model object, and beside it the decoder's index terms."""
        self.messages.add(
            message_instance(corp_pk, row_id, outcome, now),
            IndexTerms(outcome.search_terms, outcome.search_filters),
        )


async def ensure_cursor(corp_pk: int) -> ArchiveCursor:
    cursor, _ = await ArchiveCursor.get_or_create(corp_id=corp_pk)
    return cursor


async def _advance(
    conn: BaseDBAsyncClient, corp_pk: int, old: int, new: int, now: datetime
) -> bool:
    mark = marker(conn)
    stamp = db_time(conn, now)
    sql = (
        f"UPDATE archive_cursors SET seq = {mark(1)}, last_pull_at = {mark(2)}, "
        f"last_error = '', last_error_code = 0, updated_at = {mark(3)} "
        f"WHERE corp_id = {mark(4)} AND seq = {mark(5)}"
    )
    count, _ = await conn.execute_query(sql, [new, stamp, stamp, corp_pk, old])
    return count == 1


async def store_batch(
    corp: Corp,
    outcomes: Sequence[Decoded | Undecoded],
    *,
    cursor_from: int,
    cursor_to: int,
    now: datetime,
    media_max_bytes: int,
    hook: StoredListener | None = None,
) -> StoredBatch:
    """Store one batch and move the cursor from ``cursor_from`` to ``cursor_to``, atomically.

    The new messages are announced to the registered listeners, or to ``hook`` alone
    when given. Raises :class:`CursorMoved` (everything rolled back) when the cursor is
    no longer at ``cursor_from``.
    """
    result = StoredBatch()
    async with in_transaction() as conn:
        stamp = db_time(conn, now)
        rows = [message_row(corp.pk, o, stamp) for o in outcomes]
        inserted = await insert_rows(
            conn,
            "archive_messages",
            MESSAGE_COLUMNS,
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
                result.add_decoded(corp.pk, row_id, outcome, now)
            elif outcome.status == "parked":
                result.parked += 1
            else:
                result.failed += 1
        await _after_decoded(conn, corp, fresh, now, media_max_bytes, result)
        if cursor_to != cursor_from and not await _advance(
            conn, corp.pk, cursor_from, cursor_to, now
        ):
            raise CursorMoved(f"the cursor of corp {corp.corp_id} is no longer {cursor_from}")
        await announce_stored(corp.pk, result.messages, hook)
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


async def update_decoded(
    corp: Corp,
    rows: Sequence[tuple[int, Decoded | Undecoded]],
    *,
    from_statuses: Sequence[str],
    now: datetime,
    media_max_bytes: int,
    hook: StoredListener | None = None,
) -> StoredBatch:
    """Replace parked/failed rows (by id) with their decoded form, in one transaction.

    Used when a missing key arrives (parked → ok) or an operator retries failed rows.
    A row that changed status meanwhile (another retry got there first) is left alone.
    """
    result = StoredBatch()
    statuses = list(from_statuses)
    async with in_transaction() as conn:
        fresh: list[Decoded] = []
        for row_id, outcome in rows:
            count = await update_row(conn, corp.pk, row_id, update_sets(outcome), statuses)
            if not count:
                continue
            if isinstance(outcome, Decoded):
                fresh.append(outcome)
                result.add_decoded(corp.pk, row_id, outcome, now)
            elif outcome.status == "parked":
                result.parked += 1
            else:
                result.failed += 1
        await _after_decoded(conn, corp, fresh, now, media_max_bytes, result)
        await announce_stored(corp.pk, result.messages, hook)
    return result
