"""Customers and their follow relations, written from WeCom's answers, idempotently.

Shared by the full sync (pages of ``batch/get_by_user``) and by the callbacks and the
sidebar (one ``externalcontact/get``, via :mod:`wecom_app.directory.customers`). Every
write is an upsert on the table's natural key (``corp`` + WeCom ids), so applying the
same answer twice changes nothing, and each call works on one page at a time: nothing
here holds more than one WeCom answer in memory.

Changes found while writing (a new relation, other tags, an edited remark) become
timeline entries (:mod:`wecom_app.directory.timeline`), keyed so that a sync and a
callback that see the same change store it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app import signals
from wecom_app.directory import timeline
from wecom_app.directory.upsert import cut, upsert
from wecom_app.store.directory import Customer, FollowRelation, Tag
from wecom_app.store.models import Corp
from wecom_app.wecom import external_contact as wc_external

# A relation that ended this way stays ended when a page fetched before the end still
# shows it; only a new add (a later ``createtime``) brings it back. "removed" (a sync
# no longer saw it, cause unknown) is revived by any answer that shows it again.
ENDED_BY_CALLBACK = ("deleted_by_employee", "deleted_by_customer", "transferred")

CUSTOMER_FIELDS = [
    "name",
    "type",
    "avatar",
    "corp_name",
    "corp_full_name",
    "position",
    "gender",
    "unionid",
    "wecom_data",
    "status",
    "updated_at",
]
_RELATION_FIELDS = [
    "remark",
    "description",
    "remark_corp_name",
    "remark_mobiles",
    "added_at",
    "add_way",
    "state",
    "oper_userid",
    "tag_ids",
    "status",
    "ended_at",
    "wecom_data",
    "updated_at",
]


@dataclass
class RelationWrite:
    """What writing a batch of relations did (for counts, tests and callers' logs)."""

    customers: int = 0
    relations: int = 0
    added: list[tuple[str, str]] = field(default_factory=list)  # (userid, external_userid)
    kept_ended: int = 0
    timeline_entries: int = 0


def customer_row(corp_id: int, contact: wc_external.ExternalContact) -> dict[str, Any]:
    return {
        "corp_id": corp_id,
        "external_userid": cut(contact.external_userid, 64),
        "name": cut(contact.name, 255),
        "type": contact.type or 1,
        "avatar": cut(contact.avatar, 512),
        "corp_name": cut(contact.corp_name, 255),
        "corp_full_name": cut(contact.corp_full_name, 255),
        "position": cut(contact.position, 255),
        "gender": contact.gender,
        "unionid": cut(contact.unionid, 64),
        "wecom_data": contact.raw,
        "status": "active",
    }


def relation_row(
    corp_id: int, external_userid: str, follow: wc_external.FollowUser, run_id: int
) -> dict[str, Any]:
    return {
        "corp_id": corp_id,
        "external_userid": cut(external_userid, 64),
        "userid": cut(follow.userid, 64),
        "remark": cut(follow.remark, 255),
        "description": follow.description,
        "remark_corp_name": cut(follow.remark_corp_name, 255),
        "remark_mobiles": list(follow.remark_mobiles),
        "added_at": follow.createtime,
        "add_way": follow.add_way,
        "state": cut(follow.state, 64),
        "oper_userid": cut(follow.oper_userid, 64),
        "tag_ids": list(follow.tag_ids),
        "status": "active",
        "ended_at": None,
        "wecom_data": follow.raw,
        "synced_run": run_id,
    }


async def write_relations(
    corp: Corp,
    pairs: Sequence[tuple[wc_external.ExternalContact, wc_external.FollowUser]],
    *,
    at: int,
    run_id: int = 0,
    notify: bool = True,
) -> RelationWrite:
    """Upsert customers and their relations from one WeCom answer; log what changed.

    ``run_id`` marks the relations as seen by that sync run (0 from callbacks, which
    leave the mark alone). ``at`` dates changes WeCom gives no time for (edits, tags).
    ``notify`` sends ``signals.relation_changed`` for relations that start (not during
    a tenant's first import, where every relation would).
    """
    result = RelationWrite()
    if not pairs:
        return result
    customers = {c.external_userid: customer_row(corp.id, c) for c, _ in pairs}
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    follows: dict[tuple[str, str], wc_external.FollowUser] = {}
    for contact, follow in pairs:
        key = (follow.userid, contact.external_userid)
        wanted[key] = relation_row(corp.id, contact.external_userid, follow, run_id)
        follows[key] = follow
    # Lock the relations compared below until the caller's transaction ends: a worker
    # ending one of them (``end_relation``) waits, or we wait for it (PostgreSQL).
    await (
        FollowRelation.filter(corp_id=corp.id, external_userid__in=list(customers))
        .order_by("id")
        .select_for_update()
        .only("id")
    )
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    for found in await FollowRelation.filter(
        corp_id=corp.id, external_userid__in=list(customers)
    ).values("userid", "external_userid", "status", "ended_at", "tag_ids", "remark", "description"):
        key = (found["userid"], found["external_userid"])
        if key in wanted:
            existing[key] = found
    entries: list[timeline.Entry] = []
    rows: list[dict[str, Any]] = []
    tag_changes: list[tuple[tuple[str, str], list[str], list[str]]] = []
    for key, row in wanted.items():
        userid, external_userid = key
        old = existing.get(key)
        if (
            old is not None
            and old["status"] in ENDED_BY_CALLBACK
            and old["ended_at"] is not None
            and row["added_at"] <= old["ended_at"]
        ):
            # Fetched before the end was applied: the end stands.
            result.kept_ended += 1
            continue
        rows.append(row)
        if old is None or old["status"] != "active":
            result.added.append(key)
            entries.append(
                timeline.Entry(
                    external_userid=external_userid,
                    userid=userid,
                    kind="added",
                    occurred_at=row["added_at"] or at,
                    key_parts=(userid, external_userid, row["added_at"]),
                    detail={"add_way": row["add_way"], "state": row["state"]},
                )
            )
            continue
        old_tags = [str(t) for t in old["tag_ids"] or []]
        if set(old_tags) != set(row["tag_ids"]):
            tag_changes.append((key, old_tags, list(row["tag_ids"])))
        before = (old["remark"], old["description"])
        after = (row["remark"], row["description"])
        if before != after:
            entries.append(
                timeline.Entry(
                    external_userid=external_userid,
                    userid=userid,
                    kind="edited",
                    occurred_at=at,
                    key_parts=(userid, external_userid, at, *before, *after),
                    detail={
                        "remark": [before[0], after[0]],
                        "description": [before[1], after[1]],
                    },
                )
            )
    if tag_changes:
        entries.extend(await _tag_entries(corp.id, tag_changes, follows, at))
    await upsert(
        Customer,
        list(customers.values()),
        conflict=["corp_id", "external_userid"],
        update=CUSTOMER_FIELDS,
    )
    fields = [*_RELATION_FIELDS, "synced_run"] if run_id else _RELATION_FIELDS
    await upsert(
        FollowRelation, rows, conflict=["corp_id", "external_userid", "userid"], update=fields
    )
    await timeline.record(corp.id, entries)
    result.customers = len(customers)
    result.relations = len(rows)
    result.timeline_entries = len(entries)
    if notify:
        for userid, external_userid in result.added:
            await signals.relation_changed.send(
                corp=corp,
                external_userid=external_userid,
                userid=userid,
                change="added",
                at=wanted[(userid, external_userid)]["added_at"] or at,
            )
    return result


async def _tag_entries(
    corp_id: int,
    changes: list[tuple[tuple[str, str], list[str], list[str]]],
    follows: dict[tuple[str, str], wc_external.FollowUser],
    at: int,
) -> list[timeline.Entry]:
    ids = {t for _, old, new in changes for t in (*old, *new)}
    names = {t.tag_id: t.name for t in await Tag.filter(corp_id=corp_id, tag_id__in=list(ids))}
    entries = []
    for (userid, external_userid), old, new in changes:
        # externalcontact/get names the tags, personal ones (not in the library) too.
        for tag in follows[(userid, external_userid)].tags:
            names.setdefault(tag.tag_id, tag.tag_name)
        added = [t for t in new if t not in old]
        removed = [t for t in old if t not in new]
        entries.append(
            timeline.Entry(
                external_userid=external_userid,
                userid=userid,
                kind="tags_changed",
                occurred_at=at,
                key_parts=(userid, external_userid, at, sorted(old), sorted(new)),
                detail={
                    "added": [{"id": t, "name": names.get(t, "")} for t in added],
                    "removed": [{"id": t, "name": names.get(t, "")} for t in removed],
                },
            )
        )
    return entries
