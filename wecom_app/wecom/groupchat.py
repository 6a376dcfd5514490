"""Customer group chats (客户群), with the corp token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.parsing import JSONObject, integer, mapping, mappings, text

MAX_LIST_LIMIT = 1000
MAX_OWNER_FILTER = 100

# status_filter / status values of groupchat/list.
STATUS_ALL = 0
STATUS_OWNER_RESIGNED = 1
STATUS_TRANSFER_IN_PROGRESS = 2
STATUS_TRANSFER_DONE = 3


@dataclass(frozen=True)
class GroupChatSummary:
    """``status``: 0 owner active, 1 owner resigned, 2 transfer in progress, 3 done."""

    chat_id: str
    status: int

    @classmethod
    def parse(cls, data: JSONObject) -> GroupChatSummary:
        return cls(chat_id=text(data, "chat_id"), status=integer(data, "status"))


@dataclass(frozen=True)
class GroupChatMember:
    """``type``: 1 corp member, 2 external contact. ``join_scene``: 1 invited directly,
    2 via invite link, 3 via QR code. ``name`` only when asked for (``need_name``)."""

    userid: str
    type: int
    join_time: int
    join_scene: int
    invitor_userid: str
    group_nickname: str
    name: str
    unionid: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> GroupChatMember:
        return cls(
            userid=text(data, "userid"),
            type=integer(data, "type"),
            join_time=integer(data, "join_time"),
            join_scene=integer(data, "join_scene"),
            invitor_userid=text(mapping(data, "invitor"), "userid"),
            group_nickname=text(data, "group_nickname"),
            name=text(data, "name"),
            unionid=text(data, "unionid"),
            raw=data,
        )


@dataclass(frozen=True)
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    notice: str
    members: tuple[GroupChatMember, ...]
    admins: tuple[str, ...]
    member_version: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> GroupChat:
        return cls(
            chat_id=text(data, "chat_id"),
            name=text(data, "name"),
            owner=text(data, "owner"),
            create_time=integer(data, "create_time"),
            notice=text(data, "notice"),
            members=tuple(GroupChatMember.parse(m) for m in mappings(data, "member_list")),
            admins=tuple(text(a, "userid") for a in mappings(data, "admin_list")),
            member_version=text(data, "member_version"),
            raw=data,
        )


class GroupChatAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def list_chats(
        self,
        *,
        status_filter: int = STATUS_ALL,
        owner_userids: Sequence[str] = (),
        cursor: str = "",
        limit: int = MAX_LIST_LIMIT,
    ) -> Page[GroupChatSummary]:
        """One page of group chats.

        Chats of a resigned owner are listed only with that owner in ``owner_userids``;
        without an owner filter, a visible range above 1000 members fails with 81017.
        https://developer.work.weixin.qq.com/document/path/92120
        """
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIST_LIMIT}")
        if len(owner_userids) > MAX_OWNER_FILTER:
            raise ValueError(f"owner_userids holds at most {MAX_OWNER_FILTER} members")
        body: dict[str, Any] = {"status_filter": status_filter, "limit": limit}
        if owner_userids:
            body["owner_filter"] = {"userid_list": list(owner_userids)}
        if cursor:
            body["cursor"] = cursor
        data = await self._client.post(
            "/cgi-bin/externalcontact/groupchat/list", body, token=self._tokens
        )
        return Page(
            tuple(GroupChatSummary.parse(item) for item in mappings(data, "group_chat_list")),
            text(data, "next_cursor"),
        )

    def iter_chats(
        self,
        *,
        status_filter: int = STATUS_ALL,
        owner_userids: Sequence[str] = (),
        limit: int = MAX_LIST_LIMIT,
    ) -> AsyncIterator[GroupChatSummary]:
        async def fetch(cursor: str) -> Page[GroupChatSummary]:
            return await self.list_chats(
                status_filter=status_filter,
                owner_userids=owner_userids,
                cursor=cursor,
                limit=limit,
            )

        return paginate(fetch, what="externalcontact/groupchat/list")

    async def get(self, chat_id: str, *, need_name: bool = False) -> GroupChat:
        """https://developer.work.weixin.qq.com/document/path/92122"""
        data = await self._client.post(
            "/cgi-bin/externalcontact/groupchat/get",
            {"chat_id": chat_id, "need_name": int(need_name)},
            token=self._tokens,
        )
        return GroupChat.parse(mapping(data, "group_chat"))
