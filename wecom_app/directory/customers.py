"""Customers: the ``change_external_contact`` events, and whether a customer is active.

Adds and edits carry only ids: the details are fetched from WeCom (a read, right
whatever the order) and written like a sync page (:mod:`wecom_app.directory.relations`);
the ends of a relation are applied from the event alone, and an end older than the
relation (it was added again since) is ignored. Each change leaves a timeline entry
(:mod:`wecom_app.directory.timeline`) and relation changes send
:data:`wecom_app.signals.relation_changed`.

The apply step of such a callback reads here, then in ``relations`` and ``upsert``,
down to the models in :mod:`wecom_app.store.directory`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from tortoise.transactions import in_transaction

from wecom_app import signals
from wecom_app.directory import timeline
from wecom_app.directory.relations import (
    CUSTOMER_FIELDS,
    RelationWrite,
    customer_row,
    write_relations,
)
from wecom_app.directory.upsert import column, upsert
from wecom_app.protocol.events import ChangeExternalContact
from wecom_app.store.db import db
from wecom_app.store.directory import Customer, FollowRelation
from wecom_app.store.models import Corp
from wecom_app.store.sql import chunks, placeholders
from wecom_app.wecom import CorpAPI, WeComError
from wecom_app.wecom.external_contact import ExternalContactDetail

log = logging.getLogger(__name__)

# Relation ends a callback reports, and the timeline kind / relation status of each.
_ENDS = {
    "del_external_contact": "deleted_by_employee",
    "del_follow_user": "deleted_by_customer",
}
TRANSFER_SOURCE = "DELETE_BY_TRANSFER"


async def apply_external_contact_change(
    corp: Corp, api: CorpAPI | None, event: ChangeExternalContact
) -> None:
    """A customer event. Adds and edits carry only ids: the details are fetched (a read,
    so a retried event fetches again harmlessly) and written like a sync page; ends are
    applied from the event alone. Every change leaves a timeline entry.

    Runs outside the inbox transaction (it calls WeCom): each write opens its own, in
    which the relations it compares are locked (``SELECT … FOR UPDATE``), so two workers
    applying one customer's events queue on those rows instead of overwriting."""
    change = event.change_type
    if change in _ENDS:
        status = _ENDS[change]
        if change == "del_external_contact" and event.source == TRANSFER_SOURCE:
            # The customer moved to another employee: a transfer, not a deletion.
            status = "transferred"
        async with in_transaction():
            await end_relation(corp, event.user_id, event.external_user_id, status, event)
        return
    if change in ("add_external_contact", "edit_external_contact"):
        assert api is not None
        detail = await _fetch_customer(api, event.external_user_id)
        if detail is None:
            if change == "add_external_contact":
                # Gone again before we asked: the add still happened.
                await timeline.record_one(corp.id, _added_entry(event))
            return
        async with in_transaction():
            await write_customer_detail(corp, detail, at=event.create_time)
        return
    if change == "add_half_external_contact":
        # The customer added the employee, who has not accepted yet: no relation.
        await timeline.record_one(
            corp.id,
            timeline.Entry(
                external_userid=event.external_user_id,
                userid=event.user_id,
                kind="half_added",
                occurred_at=event.create_time,
                key_parts=(event.user_id, event.external_user_id, event.create_time),
                detail={"state": event.state},
            ),
        )
        if api is not None:
            detail = await _fetch_customer(api, event.external_user_id)
            if detail is not None:
                async with in_transaction():
                    await write_customer_detail(corp, detail, at=event.create_time)


def _added_entry(event: ChangeExternalContact) -> timeline.Entry:
    return timeline.Entry(
        external_userid=event.external_user_id,
        userid=event.user_id,
        kind="added",
        occurred_at=event.create_time,
        key_parts=(event.user_id, event.external_user_id, event.create_time),
        detail={"state": event.state},
    )


async def _fetch_customer(api: CorpAPI, external_userid: str) -> ExternalContactDetail | None:
    try:
        return await api.external_contact.get(external_userid)
    except WeComError as exc:
        if exc.errcode in CUSTOMER_GONE:
            return None
        raise


# externalcontact/get of a customer nobody follows any more / an unknown id.
CUSTOMER_GONE = frozenset({84061, 40096})


async def end_relation(
    corp: Corp, userid: str, external_userid: str, status: str, event: ChangeExternalContact
) -> bool:
    """End one relation (deleted by either side, or transferred away); True if it changed.

    An event older than the relation (it was added again since) changes nothing.
    """
    relation = (
        await FollowRelation.filter(corp_id=corp.id, userid=userid, external_userid=external_userid)
        .select_for_update()
        .first()
    )
    changed = False
    if relation is None:
        # Never synced: keep the end anyway (the transfer feature and the timeline ask).
        await FollowRelation.create(
            corp_id=corp.id,
            userid=userid,
            external_userid=external_userid,
            status=status,
            ended_at=event.create_time,
        )
        changed = True
    elif relation.added_at > event.create_time:
        log.info("stale %s for %s/%s ignored", event.change_type, userid, external_userid)
        return False
    elif relation.status != status:
        relation.status = status
        relation.ended_at = event.create_time
        await relation.save(update_fields=["status", "ended_at", "updated_at"])
        changed = True
    if not changed:
        # Already ended this way: a replay (its entry was written with the change) or
        # a second report of the same end.
        return False
    detail: dict[str, Any] = {}
    if event.source:
        detail["source"] = event.source
    await timeline.record_one(
        corp.id,
        timeline.Entry(
            external_userid=external_userid,
            userid=userid,
            kind=status,
            occurred_at=event.create_time,
            key_parts=(userid, external_userid, event.create_time),
            detail=detail,
        ),
    )
    await refresh_customer_status(corp.id, [external_userid])
    await signals.relation_changed.send(
        corp=corp,
        external_userid=external_userid,
        userid=userid,
        change=status,
        at=event.create_time,
    )
    return True


# -- storing one customer, and their status ---------------------------------------------------


async def write_customer_detail(
    corp: Corp, detail: ExternalContactDetail, *, at: int
) -> RelationWrite:
    """Store one ``externalcontact/get`` answer (a callback's or the sidebar's fetch)."""
    pairs = [(detail.external_contact, follow) for follow in detail.follow_users]
    if not pairs:
        await upsert(
            Customer,
            [customer_row(corp.id, detail.external_contact)],
            conflict=["corp_id", "external_userid"],
            update=[f for f in CUSTOMER_FIELDS if f != "status"],
        )
        return RelationWrite(customers=1)
    return await write_relations(corp, pairs, at=at)


async def refresh_customer_status(corp_id: int, external_userids: Iterable[str]) -> None:
    """A customer is active while any employee still follows them, deleted otherwise."""
    ids = list(dict.fromkeys(external_userids))
    for part in chunks(ids):
        chunk = list(part)
        followed = set(
            await column(
                FollowRelation.filter(corp_id=corp_id, external_userid__in=chunk, status="active"),
                "external_userid",
            )
        )
        gone = [e for e in chunk if e not in followed]
        if gone:
            await Customer.filter(corp_id=corp_id, external_userid__in=gone).update(
                status="deleted"
            )
        if followed:
            await Customer.filter(
                corp_id=corp_id, external_userid__in=list(followed), status="deleted"
            ).update(status="active")


async def sweep_customer_status(corp_id: int) -> int:
    """After a complete sync: every customer without an active relation is deleted."""
    conn = db()
    p1, p2 = placeholders(2, conn=conn)
    # NOT IN (one hashed set) rather than a correlated NOT EXISTS: on tables without
    # statistics yet (a tenant's first sync) PostgreSQL planned the latter as a
    # nested loop over every relation per customer.
    sql = (
        'UPDATE "customers" SET "status" = \'deleted\' '
        f'WHERE "corp_id" = {p1} AND "status" = \'active\' AND "external_userid" NOT IN ('
        f'SELECT "external_userid" FROM "follow_relations" WHERE "corp_id" = {p2} '
        "AND \"status\" = 'active')"
    )
    count, _ = await conn.execute_query(sql, [corp_id, corp_id])
    return int(count)
