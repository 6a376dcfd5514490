"""Customer (external contact, 客户联系) APIs, with the corp token.

Third-party apps do not get ``gender``, ``avatar`` or ``remark_mobiles``; those fields
are then empty. They do get ``unionid`` — the customer's id under the WeChat developer
account bound to the provider (Doc 92114 / 92265, "第三方应用" notes; without a bound
account it is empty). Changes made through these APIs produce no callback.
https://developer.work.weixin.qq.com/document/path/92109 (overview)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.parsing import JSONObject, integer, mapping, mappings, text, texts

log = logging.getLogger(__name__)

MAX_BATCH_USERIDS = 100
MAX_BATCH_LIMIT = 100
MAX_REMARK_CHARS = 20
MAX_DESCRIPTION_CHARS = 150
NO_RELATIONSHIP = 84061


@dataclass(frozen=True)
class ExternalContact:
    """``type``: 1 WeChat user, 2 WeCom user. ``gender``: 0 unknown, 1 male, 2 female."""

    external_userid: str
    name: str
    position: str
    avatar: str
    corp_name: str
    corp_full_name: str
    type: int
    gender: int
    unionid: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> ExternalContact:
        return cls(
            external_userid=text(data, "external_userid"),
            name=text(data, "name"),
            position=text(data, "position"),
            avatar=text(data, "avatar"),
            corp_name=text(data, "corp_name"),
            corp_full_name=text(data, "corp_full_name"),
            type=integer(data, "type"),
            gender=integer(data, "gender"),
            unionid=text(data, "unionid"),
            raw=data,
        )


@dataclass(frozen=True)
class FollowTag:
    """A tag a member put on a customer. ``type``: 1 corp, 2 personal, 3 rule group."""

    group_name: str
    tag_name: str
    type: int
    tag_id: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> FollowTag:
        return cls(
            group_name=text(data, "group_name"),
            tag_name=text(data, "tag_name"),
            type=integer(data, "type"),
            tag_id=text(data, "tag_id"),
            raw=data,
        )


@dataclass(frozen=True)
class FollowUser:
    """One member's relationship with a customer.

    externalcontact/get returns it as ``follow_user[]`` with ``tags[]``;
    batch/get_by_user as ``follow_info`` with only ``tag_id[]``. ``tag_ids`` holds the
    ids either way; ``tags`` is empty for the batch form.
    """

    userid: str
    remark: str
    description: str
    createtime: int
    tags: tuple[FollowTag, ...]
    tag_ids: tuple[str, ...]
    remark_corp_name: str
    remark_mobiles: tuple[str, ...]
    oper_userid: str
    add_way: int
    state: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> FollowUser:
        tags = tuple(FollowTag.parse(t) for t in mappings(data, "tags"))
        tag_ids = texts(data, "tag_id") or tuple(t.tag_id for t in tags if t.tag_id)
        return cls(
            userid=text(data, "userid"),
            remark=text(data, "remark"),
            description=text(data, "description"),
            createtime=integer(data, "createtime"),
            tags=tags,
            tag_ids=tag_ids,
            remark_corp_name=text(data, "remark_corp_name"),
            remark_mobiles=texts(data, "remark_mobiles"),
            oper_userid=text(data, "oper_userid"),
            add_way=integer(data, "add_way"),
            state=text(data, "state"),
            raw=data,
        )


@dataclass(frozen=True)
class ExternalContactDetail:
    """A customer with the members following them.

    From :meth:`ExternalContactAPI.get_page` this is one page (``next_cursor`` set when
    more than 500 members follow); from :meth:`ExternalContactAPI.get` all of them.
    """

    external_contact: ExternalContact
    follow_users: tuple[FollowUser, ...]
    next_cursor: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> ExternalContactDetail:
        return cls(
            external_contact=ExternalContact.parse(mapping(data, "external_contact")),
            follow_users=tuple(FollowUser.parse(f) for f in mappings(data, "follow_user")),
            next_cursor=text(data, "next_cursor"),
            raw=data,
        )


@dataclass(frozen=True)
class CustomerOfMember:
    """One entry of batch/get_by_user: a customer and one member's relationship."""

    external_contact: ExternalContact
    follow_info: FollowUser
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> CustomerOfMember:
        return cls(
            external_contact=ExternalContact.parse(mapping(data, "external_contact")),
            follow_info=FollowUser.parse(mapping(data, "follow_info")),
            raw=data,
        )


class ExternalContactAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def get_page(self, external_userid: str, cursor: str = "") -> ExternalContactDetail:
        """One page of a customer's detail (up to 500 following members).

        https://developer.work.weixin.qq.com/document/path/92114
        """
        params = {"external_userid": external_userid}
        if cursor:
            params["cursor"] = cursor
        data = await self._client.get("/cgi-bin/externalcontact/get", params, token=self._tokens)
        return ExternalContactDetail.parse(data)

    async def get(self, external_userid: str) -> ExternalContactDetail:
        """A customer with every following member, across pages."""
        first: ExternalContactDetail | None = None

        async def fetch(cursor: str) -> Page[FollowUser]:
            nonlocal first
            page = await self.get_page(external_userid, cursor)
            if first is None:
                first = page
            return Page(page.follow_users, page.next_cursor)

        follow_users = [f async for f in paginate(fetch, what="externalcontact/get")]
        assert first is not None  # paginate fetches at least one page
        return replace(first, follow_users=tuple(follow_users), next_cursor="")

    async def batch_get_by_user(
        self, userids: Sequence[str], cursor: str = "", limit: int = MAX_BATCH_LIMIT
    ) -> Page[CustomerOfMember]:
        """One page of the customers of up to 100 members.

        https://developer.work.weixin.qq.com/document/path/92994
        """
        if not 1 <= len(userids) <= MAX_BATCH_USERIDS:
            raise ValueError(f"userids must hold 1..{MAX_BATCH_USERIDS} members")
        if not 1 <= limit <= MAX_BATCH_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_BATCH_LIMIT}")
        body: dict[str, Any] = {"userid_list": list(userids), "limit": limit}
        if cursor:
            body["cursor"] = cursor
        data = await self._client.post(
            "/cgi-bin/externalcontact/batch/get_by_user", body, token=self._tokens
        )
        return Page(
            tuple(CustomerOfMember.parse(item) for item in mappings(data, "external_contact_list")),
            text(data, "next_cursor"),
        )

    async def iter_by_user(
        self, userids: Sequence[str], limit: int = MAX_BATCH_LIMIT
    ) -> AsyncIterator[CustomerOfMember]:
        """Every (customer, member) relationship of ``userids``, 100 members per request.

        A customer followed by two of the members appears once per member.
        """
        for start in range(0, len(userids), MAX_BATCH_USERIDS):
            chunk = list(userids[start : start + MAX_BATCH_USERIDS])

            async def fetch(cursor: str, chunk: list[str] = chunk) -> Page[CustomerOfMember]:
                return await self.batch_get_by_user(chunk, cursor, limit)

            async for item in paginate(fetch, what="externalcontact/batch/get_by_user"):
                yield item

    async def list_external_userids(self, userid: str) -> list[str]:
        """The external_userids of one member's customers.

        https://developer.work.weixin.qq.com/document/path/92113
        """
        try:
            data = await self._client.get(
                "/cgi-bin/externalcontact/list", {"userid": userid}, token=self._tokens
            )
        except WeComError as exc:
            # ⚠️ Peers report that a member without customers gets 84061 ("no
            # relationship") instead of an empty list; that is an empty list to us.
            if exc.errcode == NO_RELATIONSHIP:
                return []
            raise
        return list(texts(data, "external_userid"))

    async def get_follow_user_list(self) -> list[str]:
        """Members allowed to use customer contact (客户联系).

        https://developer.work.weixin.qq.com/document/path/92571
        """
        data = await self._client.get(
            "/cgi-bin/externalcontact/get_follow_user_list", token=self._tokens
        )
        return list(texts(data, "follow_user"))

    async def mark_tag(
        self,
        userid: str,
        external_userid: str,
        *,
        add_tag: Sequence[str] = (),
        remove_tag: Sequence[str] = (),
    ) -> None:
        """Add and remove corp tags on the relationship of ``userid`` with a customer.

        https://developer.work.weixin.qq.com/document/path/92118
        """
        if not add_tag and not remove_tag:
            raise ValueError("give add_tag or remove_tag")
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        if add_tag:
            body["add_tag"] = list(add_tag)
        if remove_tag:
            body["remove_tag"] = list(remove_tag)
        await self._client.post("/cgi-bin/externalcontact/mark_tag", body, token=self._tokens)

    async def remark(
        self,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        remark_company: str | None = None,
        remark_mobiles: Sequence[str] | None = None,
        remark_pic_mediaid: str | None = None,
    ) -> None:
        """Change the member's remark on a customer; only the fields given are sent.

        WeCom treats a field that is sent as a change (an empty string clears it).
        https://developer.work.weixin.qq.com/document/path/92115
        """
        if remark is not None and len(remark) > MAX_REMARK_CHARS:
            raise ValueError(f"remark is limited to {MAX_REMARK_CHARS} characters")
        if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
            raise ValueError(f"description is limited to {MAX_DESCRIPTION_CHARS} characters")
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        optional: dict[str, Any] = {
            "remark": remark,
            "description": description,
            "remark_company": remark_company,
            "remark_mobiles": None if remark_mobiles is None else list(remark_mobiles),
            "remark_pic_mediaid": remark_pic_mediaid,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if len(body) == 2:
            raise ValueError("give at least one field to change")
        await self._client.post("/cgi-bin/externalcontact/remark", body, token=self._tokens)
