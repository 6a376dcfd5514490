"""Corp customer tags (企业客户标签), with the corp token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.parsing import JSONObject, flag, integer, mappings, text


@dataclass(frozen=True)
class CorpTag:
    id: str
    name: str
    create_time: int
    order: int
    deleted: bool
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> CorpTag:
        return cls(
            id=text(data, "id"),
            name=text(data, "name"),
            create_time=integer(data, "create_time"),
            order=integer(data, "order"),
            deleted=flag(data, "deleted"),
            raw=data,
        )


@dataclass(frozen=True)
class TagGroup:
    group_id: str
    group_name: str
    create_time: int
    order: int
    deleted: bool
    tags: tuple[CorpTag, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> TagGroup:
        return cls(
            group_id=text(data, "group_id"),
            group_name=text(data, "group_name"),
            create_time=integer(data, "create_time"),
            order=integer(data, "order"),
            deleted=flag(data, "deleted"),
            tags=tuple(CorpTag.parse(t) for t in mappings(data, "tag")),
            raw=data,
        )


class TagsAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def get_corp_tag_list(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[TagGroup]:
        """All tag groups, or only those given. When both are given WeCom ignores
        ``tag_ids`` and answers the groups of ``group_ids`` (Doc 92117: "若同时传递
        tag_id和group_id，则忽略tag_id").

        https://developer.work.weixin.qq.com/document/path/92117
        """
        body: dict[str, Any] = {}
        if tag_ids:
            body["tag_id"] = list(tag_ids)
        if group_ids:
            body["group_id"] = list(group_ids)
        data = await self._client.post(
            "/cgi-bin/externalcontact/get_corp_tag_list", body, token=self._tokens
        )
        return [TagGroup.parse(group) for group in mappings(data, "tag_group")]
