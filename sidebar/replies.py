"""Quick replies (话术库): the tenant's shared set and each employee's own, grouped.

The sidebar lists both to an employee (shared first), searchable by title and text; an
employee keeps their own; admins keep the shared set. Sending happens in the page
(``wx.invoke('sendChatMessage')``); the page then reports the use, which orders
each group by popularity.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F, Q

from wecom_app.store.sidebar import QuickReply

MAX_CONTENT = 2000
MAX_TITLE = 128
MAX_GROUP = 64
MAX_QUERY = 64
MAX_LISTED = 500


class ReplyError(ValueError):
    pass


def render(reply: QuickReply) -> dict[str, Any]:
    return {
        "id": reply.id,
        "group": reply.group_name,
        "title": reply.title,
        "content": reply.content,
        "shared": reply.owner_userid == "",
        "uses": reply.uses,
    }


async def listing(corp_pk: int, viewer: str, query: str = "") -> dict[str, Any]:
    """Shared and personal replies, grouped (shared groups first), filtered by ``query``."""
    rows = QuickReply.filter(corp_id=corp_pk).filter(Q(owner_userid="") | Q(owner_userid=viewer))
    query = query.strip()[:MAX_QUERY]
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(content__icontains=query))
    replies = await rows.order_by("owner_userid", "group_name", "-uses", "position", "id").limit(
        MAX_LISTED
    )
    groups: dict[tuple[bool, str], list[dict[str, Any]]] = {}
    for reply in replies:
        groups.setdefault((reply.owner_userid == "", reply.group_name), []).append(render(reply))
    ordered = sorted(groups.items(), key=lambda item: (not item[0][0], item[0][1]))
    return {
        "groups": [
            {"name": name or "未分组", "shared": shared, "replies": items}
            for (shared, name), items in ordered
        ],
        "count": len(replies),
    }


def parse(data: dict[str, Any]) -> dict[str, Any]:
    content = data.get("content")
    title = data.get("title", "")
    group = data.get("group", "")
    if not isinstance(content, str) or not content.strip() or len(content) > MAX_CONTENT:
        raise ReplyError(f"content is 1 to {MAX_CONTENT} characters")
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        raise ReplyError(f"title is at most {MAX_TITLE} characters")
    if not isinstance(group, str) or len(group) > MAX_GROUP:
        raise ReplyError(f"group is at most {MAX_GROUP} characters")
    position = data.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool):
        raise ReplyError("position is a whole number")
    return {
        "content": content.strip(),
        "title": title.strip() or content.strip()[:20],
        "group_name": group.strip(),
        "position": position,
    }


async def create(corp_pk: int, owner: str, author: str, data: dict[str, Any]) -> QuickReply:
    """``owner`` is the employee for a personal reply, ``""`` for a shared one."""
    return await QuickReply.create(
        corp_id=corp_pk, owner_userid=owner, created_by=author, **parse(data)
    )


async def update(
    corp_pk: int, owner: str, reply_id: int, data: dict[str, Any]
) -> QuickReply | None:
    reply = await QuickReply.filter(id=reply_id, corp_id=corp_pk, owner_userid=owner).first()
    if reply is None:
        return None
    for key, value in parse({**render_for_update(reply), **data}).items():
        setattr(reply, key, value)
    await reply.save()
    return reply


def render_for_update(reply: QuickReply) -> dict[str, Any]:
    return {
        "content": reply.content,
        "title": reply.title,
        "group": reply.group_name,
        "position": reply.position,
    }


async def delete(corp_pk: int, owner: str, reply_id: int) -> bool:
    return bool(await QuickReply.filter(id=reply_id, corp_id=corp_pk, owner_userid=owner).delete())


async def used(corp_pk: int, viewer: str, reply_id: int) -> bool:
    """Count one use of a reply the viewer can see."""
    count = (
        await QuickReply.filter(id=reply_id, corp_id=corp_pk)
        .filter(Q(owner_userid="") | Q(owner_userid=viewer))
        .update(uses=F("uses") + 1)
    )
    return bool(count)
