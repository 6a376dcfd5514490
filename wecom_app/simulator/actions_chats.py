"""What people do in customer group chats, and the ``change_external_chat`` callbacks.

Employees create, rename, hand over and dismiss chats; people join and leave, each
change with the member-version pair WeCom sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from wecom_app.simulator.actions import WorldActions
from wecom_app.simulator.emitter import Fields, PendingCallback
from wecom_app.simulator.generator import wecom_id
from wecom_app.simulator.state import (
    GroupChat,
    GroupChatMember,
    GroupChatStatus,
    Org,
)

ChatChange = Literal["add_member", "del_member", "change_owner", "change_name", "change_notice"]


class GroupChatActions(WorldActions):
    def create_group_chat(
        self,
        corp_id: str,
        owner: str,
        members: Iterable[str] = (),
        *,
        name: str = "",
        notice: str = "",
    ) -> GroupChat:
        """An employee creates a customer group chat → ``change_external_chat`` / ``create``."""
        org = self._org(corp_id)
        self._active_employee(org, owner)
        now = self._now()
        chat = GroupChat(
            chat_id=wecom_id(self.people.rng, "wr", 30),
            name=name,
            owner=owner,
            create_time=now,
            notice=notice,
            members=[GroupChatMember(userid=owner, type=1, join_time=now)],
            member_version=self.people.rng.randbytes(16).hex(),
        )
        for userid in members:
            if userid != owner:
                chat.members.append(_new_member(org, userid, now, 1, owner))
        org.group_chats[chat.chat_id] = chat
        self.callbacks.emit(corp_id, "change_external_chat", "create", {"ChatId": chat.chat_id})
        return chat

    def join_group_chat(
        self,
        corp_id: str,
        chat_id: str,
        members: Iterable[str],
        *,
        join_scene: int = 1,
        invitor: str | None = None,
    ) -> list[PendingCallback]:
        """People join → ``update`` / ``add_member``.

        ``join_scene`` is the member list's (1 invited, 2 invite link, 3 QR code); the
        callback's JoinScene folds both invitations into 0 and keeps 3 (⚠️).
        """
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        joined = [m for m in dict.fromkeys(members) if chat.member(m) is None]
        now = self._now()
        for userid in joined:
            chat.members.append(_new_member(org, userid, now, join_scene, invitor or chat.owner))
        callback_scene = 3 if join_scene == 3 else 0
        return self._chat_update(corp_id, chat, "add_member", joined, {"JoinScene": callback_scene})

    def leave_group_chat(
        self, corp_id: str, chat_id: str, members: Iterable[str], *, quit_scene: int = 0
    ) -> list[PendingCallback]:
        """People leave → ``update`` / ``del_member`` (QuitScene 0 left, 1 removed)."""
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        gone = set(members)
        left = [m.userid for m in chat.members if m.userid in gone and m.userid != chat.owner]
        chat.members = [m for m in chat.members if m.userid not in set(left)]
        chat.admin_list = [a for a in chat.admin_list if a not in set(left)]
        return self._chat_update(corp_id, chat, "del_member", left, {"QuitScene": quit_scene})

    def rename_group_chat(self, corp_id: str, chat_id: str, name: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.name = name
        return self._chat_update(corp_id, chat, "change_name", [], {})

    def change_group_notice(self, corp_id: str, chat_id: str, notice: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.notice = notice
        return self._chat_update(corp_id, chat, "change_notice", [], {})

    def change_group_owner(
        self, corp_id: str, chat_id: str, new_owner: str
    ) -> list[PendingCallback]:
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        self._active_employee(org, new_owner)
        if chat.member(new_owner) is None:
            chat.members.append(_new_member(org, new_owner, self._now(), 1, chat.owner))
        chat.owner = new_owner
        chat.status = GroupChatStatus.NORMAL
        return self._chat_update(corp_id, chat, "change_owner", [], {})

    def dismiss_group_chat(self, corp_id: str, chat_id: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.dismissed = True
        return self.callbacks.emit(
            corp_id, "change_external_chat", "dismiss", {"ChatId": chat.chat_id}
        )

    def _chat_update(
        self,
        corp_id: str,
        chat: GroupChat,
        detail: ChatChange,
        changed: list[str],
        extra: Fields,
    ) -> list[PendingCallback]:
        fields: Fields = {"ChatId": chat.chat_id, "UpdateDetail": detail}
        if detail in ("add_member", "del_member"):
            fields.update(extra)
            fields["MemChangeCnt"] = len(changed)
            fields["MemChangeList"] = changed
            fields["LastMemVer"] = chat.member_version
            chat.member_version = self.people.rng.randbytes(16).hex()
            fields["CurMemVer"] = chat.member_version
        return self.callbacks.emit(corp_id, "change_external_chat", "update", fields)


def _live_chat(org: Org, chat_id: str) -> GroupChat:
    chat = org.group_chats[chat_id]
    if chat.dismissed:
        raise ValueError(f"group chat {chat_id} was dismissed")
    return chat


def _new_member(org: Org, userid: str, now: int, join_scene: int, invitor: str) -> GroupChatMember:
    if userid in org.employees:
        member_type = 1
    elif userid in org.customers:
        member_type = 2
    else:
        raise KeyError(f"{userid!r} is neither an employee nor a customer of {org.corp_id}")
    return GroupChatMember(
        userid=userid, type=member_type, join_time=now, join_scene=join_scene, invitor=invitor
    )
