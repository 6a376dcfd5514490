"""Customer group chats: the ``change_external_chat`` event and the sync's chat stage.

Both store a ``groupchat/get`` answer the same way: the chat, its members, and a
timeline entry for each customer who joined or left. A dismissed chat is flagged (WeCom
no longer answers for it) and its customers left it then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from wecom_app.directory import timeline
from wecom_app.directory.upsert import cut, upsert
from wecom_app.protocol.events import ChangeExternalChat
from wecom_app.store.directory import GroupChat, GroupChatMember
from wecom_app.store.models import Corp
from wecom_app.store.sql import chunks
from wecom_app.wecom import CorpAPI, WeComError
from wecom_app.wecom import groupchat as wc_groupchat

# groupchat/get of a dismissed chat (49008) or an unknown one.
CHAT_GONE = frozenset({49008, 40050})


async def apply_external_chat_change(
    corp: Corp, api: CorpAPI | None, event: ChangeExternalChat
) -> None:
    """``create`` and ``update``: read the chat (a read; retries are harmless) and store
    it with who joined and left; ``dismiss``: flag it (WeCom no longer answers for it)."""
    if event.change_type == "dismiss":
        async with in_transaction():
            await dismiss_group_chat(corp, event.chat_id, at=event.create_time)
        return
    assert api is not None
    try:
        chat = await api.groupchat.get(event.chat_id)
    except WeComError as exc:
        if exc.errcode in CHAT_GONE:
            async with in_transaction():
                await dismiss_group_chat(corp, event.chat_id, at=event.create_time)
            return
        raise
    # The upsert of the chat row locks it until this transaction ends: two workers
    # storing one chat's members queue on it (PostgreSQL).
    async with in_transaction():
        await write_group_chat(corp, chat, at=event.create_time)


@dataclass
class ChatWrite:
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


_CHAT_FIELDS = [
    "name",
    "owner",
    "notice",
    "created_time",
    "admin_list",
    "dismissed",
    "member_count",
    "updated_at",
]
_MEMBER_FIELDS = ["type", "join_time", "join_scene", "invitor", "group_nickname", "unionid"]


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
    ``run_id`` marks the chat as seen by that sync run (0 from callbacks).
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
    fields = list(_CHAT_FIELDS)
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
    members = _member_rows(corp.id, chat)
    await upsert(
        GroupChatMember,
        list(members.values()),
        conflict=["corp_id", "chat_id", "userid"],
        update=_MEMBER_FIELDS,
    )
    gone = [userid for userid in before if userid not in members]
    for chunk in chunks(gone):
        await GroupChatMember.filter(
            corp_id=corp.id, chat_id=chat.chat_id, userid__in=list(chunk)
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


def _member_rows(corp_id: int, chat: wc_groupchat.GroupChat) -> dict[str, dict[str, Any]]:
    return {
        m.userid: {
            "corp_id": corp_id,
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
    chat = await GroupChat.filter(corp_id=corp.id, chat_id=chat_id).select_for_update().first()
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
