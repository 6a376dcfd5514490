"""What a leaver holds: the employee handing over, their customers (with tags and the
grouping tag) and their group chats, read set-based (no query per item)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wecom_app.store.db import dialect
from wecom_app.store.directory import FollowRelation, GroupChat, Tag
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sql import chunks, json_list, placeholders
from wecom_app.transfer.options import PlanError
from wecom_app.transfer.sql import fetch_in, rows


@dataclass
class Customer:
    external_userid: str
    name: str
    tag_ids: list[str]
    key: str = ""


async def handover_of(corp: Corp, userid: str) -> Employee:
    employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
    if employee is None:
        raise PlanError("unknown_employee", f"no employee {userid!r} in this organisation")
    return employee


async def customers_of(corp: Corp, userid: str, extra: Iterable[str]) -> list[Customer]:
    """The handover's customers: active relations, plus ``extra`` ones WeCom reported
    unassigned (get_unassigned_list) whatever our copy of the relation says.

    Relations and names are read separately, names by the unique index in chunks: a
    join's plan depends on table statistics, which a fresh bulk import does not have
    (PostgreSQL then picks a nested loop over 10,000 × 10,000 rows)."""
    marks = placeholders(2)
    found = await rows(
        "SELECT external_userid, tag_ids FROM follow_relations "
        f"WHERE corp_id = {marks[0]} AND userid = {marks[1]} AND status = 'active' "
        "ORDER BY id",
        [corp.id, userid],
    )
    customers = [Customer(r["external_userid"], "", json_list(r["tag_ids"])) for r in found]
    known = {c.external_userid for c in customers}
    missing = [e for e in dict.fromkeys(extra) if e not in known]
    for chunk in chunks(missing):
        relations = {
            rel["external_userid"]: json_list(rel["tag_ids"])
            for rel in await FollowRelation.filter(
                corp_id=corp.id, userid=userid, external_userid__in=list(chunk)
            ).values("external_userid", "tag_ids")
        }
        customers.extend(Customer(e, "", relations.get(e, [])) for e in chunk)
    if dialect() == "sqlite":
        # SQLite's planner walks the unique index for an IN (subquery) whatever its
        # statistics: one statement instead of 20 chunks.
        found_names = await rows(
            "SELECT external_userid, name FROM customers WHERE corp_id = ? AND external_userid "
            "IN (SELECT external_userid FROM follow_relations WHERE corp_id = ? AND userid = ?)",
            [corp.id, corp.id, userid],
        )
        if missing:
            found_names += await fetch_in(
                "SELECT external_userid, name FROM customers WHERE corp_id = ?",
                [corp.id],
                "external_userid",
                missing,
            )
    else:
        found_names = await fetch_in(
            "SELECT external_userid, name FROM customers WHERE corp_id = $1",
            [corp.id],
            "external_userid",
            [c.external_userid for c in customers],
        )
    names = {r["external_userid"]: r["name"] for r in found_names}
    for customer in customers:
        customer.name = str(names.get(customer.external_userid) or "")
    return customers


async def tag_keys(corp: Corp, customers: list[Customer], tag_group_id: str) -> None:
    """Each customer's grouping tag: the highest-ordered corp tag (of ``tag_group_id``)."""
    tags = await Tag.filter(corp_id=corp.id, deleted=False).values(
        "tag_id", "type", "group_id", "order"
    )
    rank: dict[str, tuple[int, str]] = {}
    for tag in tags:
        if tag["type"] != 1 or (tag_group_id and tag["group_id"] != tag_group_id):
            continue
        rank[tag["tag_id"]] = (-int(tag["order"]), tag["tag_id"])
    for customer in customers:
        usable = [t for t in customer.tag_ids if t in rank]
        customer.key = min(usable, key=rank.__getitem__) if usable else ""


async def chats_of(corp: Corp, userid: str, extra: Iterable[str]) -> list[tuple[str, str]]:
    found = (
        await GroupChat.filter(corp_id=corp.id, owner=userid, dismissed=False)
        .order_by("chat_id")
        .values_list("chat_id", "name")
    )
    chats = [(str(c), str(n)) for c, n in found]
    known = {c for c, _ in chats}
    chats.extend((c, "") for c in dict.fromkeys(extra) if c not in known)
    return chats
