"""The corp tag library: the ``change_external_tag`` event and the sync's tag stage.

Both store the complete library (``get_corp_tag_list``, one call); what it no longer
lists is deleted, and a deleted tag leaves every relation that carried it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from wecom_app.directory.upsert import column, cut
from wecom_app.store.db import db, dialect
from wecom_app.store.directory import FollowRelation, Tag, TagGroup
from wecom_app.store.models import Corp
from wecom_app.store.sql import json_list, placeholders
from wecom_app.wecom import CorpAPI
from wecom_app.wecom import tags as wc_tags


@dataclass(frozen=True)
class TagLibraryChange:
    created: tuple[str, ...]
    deleted: tuple[str, ...]


async def apply_external_tag_change(corp: Corp, api: CorpAPI) -> TagLibraryChange:
    """Any tag or tag-group change: re-read the whole library (one call) and store it;
    deleted tags also leave the customers that carried them."""
    groups = await api.tags.get_corp_tag_list()
    async with in_transaction():
        # One library write per corp at a time (the corp row's lock, PostgreSQL).
        await Corp.filter(id=corp.id).select_for_update().only("id")
        return await apply_tag_library(corp.id, groups)


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
    p1, p2 = placeholders(2, conn=conn)
    as_text = "::text" if dialect(conn) == "postgres" else ""
    # A LIKE on the JSON text narrows the rows on both dialects; the exact check is
    # done here, since ids may contain LIKE's wildcard "_".
    sql = (
        'SELECT "id", "tag_ids" FROM "follow_relations" '
        f'WHERE "corp_id" = {p1} AND "tag_ids"{as_text} LIKE {p2}'
    )
    _, rows = await conn.execute_query(sql, [corp_id, f'%"{tag_id}"%'])
    changed = 0
    for row in rows:
        ids = json_list(row["tag_ids"])
        if tag_id in ids:
            await FollowRelation.filter(id=row["id"]).update(
                tag_ids=[t for t in ids if t != tag_id]
            )
            changed += 1
    return changed
