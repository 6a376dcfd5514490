"""Writing what WeCom says about an org into the directory tables, idempotently.

Shared by the full sync (pages of ``batch/get_by_user``, lists of departments, members,
tags and chats) and by the callback handlers (one ``externalcontact/get``, one
``groupchat/get``). Every write is an upsert on the table's natural key (``corp`` +
WeCom id), so applying the same answer twice changes nothing, and each call works on
one page at a time: nothing here holds more than one WeCom answer in memory.

Changes found while writing (a new relation, other tags, a new group member) become
timeline entries (:mod:`wecom_app.timeline`), keyed so that a sync and a callback that
see the same change store it once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.queryset import QuerySet

from wecom_app import signals, timeline
from wecom_app.store.db import db, dialect
from wecom_app.store.directory import (
    Customer,
    Department,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    Tag,
    TagGroup,
)
from wecom_app.store.models import Corp, Employee
from wecom_app.sync.sql import upsert
from wecom_app.wecom import contacts as wc_contacts
from wecom_app.wecom import external_contact as wc_external
from wecom_app.wecom import groupchat as wc_groupchat
from wecom_app.wecom import tags as wc_tags

log = logging.getLogger(__name__)

# A relation that ended this way stays ended when a page fetched before the end still
# shows it; only a new add (a later ``createtime``) brings it back. "removed" (a sync
# no longer saw it, cause unknown) is revived by any answer that shows it again.
ENDED_BY_CALLBACK = ("deleted_by_employee", "deleted_by_customer", "transferred")

_CUSTOMER_FIELDS = [
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
_CHUNK = 500


async def column(query: QuerySet[Any], name: str) -> list[Any]:
    """One column of a query's rows (Tortoise types ``flat`` value lists as tuples)."""
    values: list[Any] = list(await query.values_list(name, flat=True))
    return values


def cut(value: str, length: int) -> str:
    """Fit a WeCom string into its column (PostgreSQL refuses longer values)."""
    return value if len(value) <= length else value[:length]


# -- departments and members --------------------------------------------------------------


def department_row(corp_id: int, department: wc_contacts.Department) -> Department:
    return Department(
        corp_id=corp_id,
        dept_id=department.id,
        # Third-party apps get no department names: WeCom sends the id in their place.
        name=cut(department.name or str(department.id), 255),
        parent_id=department.parentid,
        order=department.order,
    )


async def upsert_departments(corp_id: int, departments: Sequence[wc_contacts.Department]) -> None:
    rows = list({d.id: department_row(corp_id, d) for d in departments}.values())
    if rows:
        await Department.bulk_create(
            rows,
            on_conflict=["corp_id", "dept_id"],
            update_fields=["name", "parent_id", "order", "updated_at"],
        )


async def remove_departments_except(corp_id: int, keep: Iterable[int]) -> int:
    """After a complete department list: the departments it no longer has are gone."""
    kept = set(keep)
    stale = [
        d for d in await column(Department.filter(corp_id=corp_id), "dept_id") if d not in kept
    ]
    for start in range(0, len(stale), _CHUNK):
        await Department.filter(corp_id=corp_id, dept_id__in=stale[start : start + _CHUNK]).delete()
    return len(stale)


def employee_status(wecom_status: int) -> str:
    """WeCom's member status (1 active, 2 disabled, 4 not activated, 5 left) → ours."""
    return {2: "disabled", 5: "resigned"}.get(wecom_status, "active")


async def upsert_employees(corp_id: int, users: Sequence[wc_contacts.User]) -> None:
    rows = {
        u.userid: {
            "corp_id": corp_id,
            "userid": cut(u.userid, 64),
            "open_userid": cut(u.open_userid, 64),
            "name": cut(u.name, 255),
            "departments": [str(d) for d in u.department],
            "main_department": str(u.main_department or (u.department[0] if u.department else "")),
            "position": cut(u.position, 255),
            "status": employee_status(u.status),
        }
        for u in users
        if u.userid
    }
    await upsert(
        Employee,
        list(rows.values()),
        conflict=["corp_id", "userid"],
        update=[
            "open_userid",
            "name",
            "departments",
            "main_department",
            "position",
            "status",
            "updated_at",
        ],
    )


# -- corp tags ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagLibraryChange:
    created: tuple[str, ...]
    deleted: tuple[str, ...]


async def apply_tag_library(corp_id: int, groups: Sequence[wc_tags.TagGroup]) -> TagLibraryChange:
    """Store the complete corp tag library; what it no longer lists is deleted.

    WeCom removes a deleted tag from every customer without a callback per customer
    (wecom-protocol.md §3), so the tag also leaves every relation that carried it.
    """
    before_live = set(await column(Tag.filter(corp_id=corp_id, deleted=False), "tag_id"))
    group_rows = [
        TagGroup(
            corp_id=corp_id,
            group_id=g.group_id,
            name=cut(g.group_name, 255),
            order=g.order,
            deleted=g.deleted,
        )
        for g in groups
    ]
    tag_rows = [
        Tag(
            corp_id=corp_id,
            tag_id=t.id,
            group_id=g.group_id,
            name=cut(t.name, 255),
            type=1,
            order=t.order,
            deleted=t.deleted or g.deleted,
        )
        for g in groups
        for t in g.tags
    ]
    if group_rows:
        await TagGroup.bulk_create(
            group_rows,
            on_conflict=["corp_id", "group_id"],
            update_fields=["name", "order", "deleted", "updated_at"],
        )
    if tag_rows:
        await Tag.bulk_create(
            tag_rows,
            on_conflict=["corp_id", "tag_id"],
            update_fields=["group_id", "name", "type", "order", "deleted", "updated_at"],
        )
    live = {t.tag_id for t in tag_rows if not t.deleted}
    listed_groups = [g.group_id for g in group_rows]
    listed_tags = [t.tag_id for t in tag_rows]
    await (
        TagGroup.filter(corp_id=corp_id, deleted=False)
        .exclude(group_id__in=listed_groups)
        .update(deleted=True)
    )
    # Only corp tags (type 1) come from this list; personal and rule tags stay.
    await (
        Tag.filter(corp_id=corp_id, type=1, deleted=False)
        .exclude(tag_id__in=listed_tags)
        .update(deleted=True)
    )
    deleted = sorted(before_live - live)
    for tag_id in deleted:
        await remove_tag_from_relations(corp_id, tag_id)
    return TagLibraryChange(created=tuple(sorted(live - before_live)), deleted=tuple(deleted))


async def remove_tag_from_relations(corp_id: int, tag_id: str) -> int:
    """Take one tag id off every relation of the corp that carries it."""
    conn = db()
    # A LIKE on the JSON text narrows the rows on both dialects; the exact check is
    # done here, since ids may contain LIKE's wildcard "_".
    if dialect(conn) == "postgres":
        sql = (
            'SELECT "id", "tag_ids" FROM "follow_relations" '
            'WHERE "corp_id" = $1 AND "tag_ids"::text LIKE $2'
        )
    else:
        sql = (
            'SELECT "id", "tag_ids" FROM "follow_relations" '
            'WHERE "corp_id" = ? AND "tag_ids" LIKE ?'
        )
    _, rows = await conn.execute_query(sql, [corp_id, f'%"{tag_id}"%'])
    changed = 0
    for row in rows:
        ids = _json_list(row["tag_ids"])
        if tag_id in ids:
            await FollowRelation.filter(id=row["id"]).update(
                tag_ids=[t for t in ids if t != tag_id]
            )
            changed += 1
    return changed


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


# -- customers and follow relations -------------------------------------------------------------


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
        update=_CUSTOMER_FIELDS,
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


async def write_customer_detail(
    corp: Corp, detail: wc_external.ExternalContactDetail, *, at: int
) -> RelationWrite:
    """Store one ``externalcontact/get`` answer (a callback's fetch)."""
    pairs = [(detail.external_contact, follow) for follow in detail.follow_users]
    if not pairs:
        await upsert(
            Customer,
            [customer_row(corp.id, detail.external_contact)],
            conflict=["corp_id", "external_userid"],
            update=[f for f in _CUSTOMER_FIELDS if f != "status"],
        )
        return RelationWrite(customers=1)
    return await write_relations(corp, pairs, at=at)


async def refresh_customer_status(corp_id: int, external_userids: Iterable[str]) -> None:
    """A customer is active while any employee still follows them, deleted otherwise."""
    ids = list(dict.fromkeys(external_userids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
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
    pg = dialect(conn) == "postgres"
    p1, p2 = ("$1", "$2") if pg else ("?", "?")
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


# -- group chats --------------------------------------------------------------------------------


@dataclass
class ChatWrite:
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


async def write_group_chat(
    corp: Corp,
    chat: wc_groupchat.GroupChat,
    *,
    at: int,
    run_id: int = 0,
    wecom_status: int | None = None,
) -> ChatWrite:
    """Store one ``groupchat/get`` answer: the chat, its members, who joined and left.

    Customers (member type 2) who joined or left get a timeline entry; a member's
    ``join_time`` identifies the membership, so re-reading the chat adds nothing.
    """
    name = cut(chat.name, 255)
    row: dict[str, Any] = {
        "corp_id": corp.id,
        "chat_id": cut(chat.chat_id, 64),
        "name": name,
        "owner": cut(chat.owner, 64),
        "notice": chat.notice,
        "created_time": chat.create_time,
        "admin_list": list(chat.admins),
        "wecom_status": wecom_status or 0,
        "dismissed": False,
        "member_count": len(chat.members),
        "synced_run": run_id,
    }
    fields = [
        "name",
        "owner",
        "notice",
        "created_time",
        "admin_list",
        "dismissed",
        "member_count",
        "updated_at",
    ]
    if run_id:
        fields.append("synced_run")
    if wecom_status is not None:
        fields.append("wecom_status")
    await upsert(GroupChat, [row], conflict=["corp_id", "chat_id"], update=fields)
    before: dict[str, tuple[int, int]] = {
        m["userid"]: (m["type"], m["join_time"])
        for m in await GroupChatMember.filter(corp_id=corp.id, chat_id=chat.chat_id).values(
            "userid", "type", "join_time"
        )
    }
    members: dict[str, dict[str, Any]] = {
        m.userid: {
            "corp_id": corp.id,
            "chat_id": cut(chat.chat_id, 64),
            "userid": cut(m.userid, 64),
            "type": m.type or 1,
            "join_time": m.join_time,
            "join_scene": m.join_scene,
            "invitor": cut(m.invitor_userid, 64),
            "group_nickname": cut(m.group_nickname, 255),
            "name": cut(m.name, 255),
            "unionid": cut(m.unionid, 64),
        }
        for m in chat.members
        if m.userid
    }
    await upsert(
        GroupChatMember,
        list(members.values()),
        conflict=["corp_id", "chat_id", "userid"],
        update=["type", "join_time", "join_scene", "invitor", "group_nickname", "unionid"],
    )
    gone = [userid for userid in before if userid not in members]
    for start in range(0, len(gone), _CHUNK):
        await GroupChatMember.filter(
            corp_id=corp.id, chat_id=chat.chat_id, userid__in=gone[start : start + _CHUNK]
        ).delete()
    result = ChatWrite()
    entries: list[timeline.Entry] = []
    for userid, member in members.items():
        old = before.get(userid)
        if member["type"] != 2 or (old is not None and old[1] == member["join_time"]):
            continue
        result.joined.append(userid)
        entries.append(
            timeline.Entry(
                external_userid=userid,
                kind="joined_group",
                occurred_at=member["join_time"] or at,
                key_parts=(chat.chat_id, userid, member["join_time"]),
                detail={
                    "chat_id": chat.chat_id,
                    "chat_name": name,
                    "join_scene": member["join_scene"],
                },
            )
        )
    for userid in gone:
        member_type, join_time = before[userid]
        if member_type != 2:
            continue
        result.left.append(userid)
        entries.append(left_entry(chat.chat_id, name, userid, join_time, at))
    await timeline.record(corp.id, entries)
    return result


def left_entry(
    chat_id: str, chat_name: str, userid: str, join_time: int, at: int, reason: str = "left"
) -> timeline.Entry:
    return timeline.Entry(
        external_userid=userid,
        kind="left_group",
        occurred_at=at,
        key_parts=(chat_id, userid, join_time),
        detail={"chat_id": chat_id, "chat_name": chat_name, "reason": reason},
    )


async def dismiss_group_chat(corp: Corp, chat_id: str, *, at: int) -> bool:
    """A chat was dismissed: flag it; its customers left it then."""
    chat = await GroupChat.filter(corp_id=corp.id, chat_id=chat_id).first()
    if chat is None:
        await GroupChat.create(corp_id=corp.id, chat_id=chat_id, dismissed=True)
        return True
    if chat.dismissed:
        return False
    chat.dismissed = True
    await chat.save(update_fields=["dismissed", "updated_at"])
    customers = await GroupChatMember.filter(corp_id=corp.id, chat_id=chat_id, type=2).only(
        "userid", "join_time"
    )
    await timeline.record(
        corp.id,
        [left_entry(chat_id, chat.name, m.userid, m.join_time, at, "dismissed") for m in customers],
    )
    return True
