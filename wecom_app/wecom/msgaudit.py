"""Chat-archive (会话内容存档) APIs: who is archived, who agreed, archived group chats.

WeCom wants these called with the token of the **archive secret** (管理工具 → 会话内容存档
→ Secret), not an app's: build the group over a
:class:`~wecom_app.wecom.tokens.CorpTokenProvider` with ``purpose="archive"``.

* ``get_permit_user_list`` — employees with archiving enabled
  https://developer.work.weixin.qq.com/document/path/91614
* ``check_single_agree`` / ``check_room_agree`` — customers' consent to archiving
  https://developer.work.weixin.qq.com/document/path/91782 (the request and answer
  spell the customer id ``exteranalopenid``: WeCom's typo, kept on the wire)
* ``msgaudit/groupchat/get`` — an internal group chat seen in the archive
  https://developer.work.weixin.qq.com/document/path/92951
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.parsing import JSONObject, integer, mappings, text, texts

# WeCom refuses more than 100 pairs in one check_single_agree with 301060 ("拉取同意情况
# 请求量过大，请减少到100个参数以下", Doc 90313), so pairs are sent 100 at a time.
MAX_AGREE_PAIRS: Final = 100

# get_permit_user_list ``type``: 1 office edition, 2 service edition, 3 enterprise
# edition; omitted, every edition.
EDITION_OFFICE: Final = 1
EDITION_SERVICE: Final = 2
EDITION_ENTERPRISE: Final = 3

# agree_status values and what we store for them.
AGREE_STATUSES: Final = {"Agree": "agree", "Disagree": "disagree", "Default_Agree": "default_agree"}


@dataclass(frozen=True)
class AgreeInfo:
    """One customer's consent: ``userid`` is the employee (1:1) or "" (room answers)."""

    userid: str
    external_userid: str
    agree_status: str  # WeCom's: Agree | Disagree | Default_Agree
    status_change_time: int  # epoch seconds
    raw: JSONObject = field(repr=False, compare=False)

    @property
    def status(self) -> str:
        """Our vocabulary: agree | disagree | default_agree | unknown."""
        return AGREE_STATUSES.get(self.agree_status, "unknown")

    @classmethod
    def parse(cls, data: JSONObject) -> AgreeInfo:
        return cls(
            userid=text(data, "userid"),
            external_userid=text(data, "exteranalopenid"),
            agree_status=text(data, "agree_status"),
            status_change_time=integer(data, "status_change_time"),
            raw=data,
        )


@dataclass(frozen=True)
class ArchiveRoomMember:
    memberid: str
    jointime: int


@dataclass(frozen=True)
class ArchiveRoom:
    """An internal group chat as the archive knows it."""

    roomname: str
    creator: str
    room_create_time: int
    notice: str
    members: tuple[ArchiveRoomMember, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> ArchiveRoom:
        return cls(
            roomname=text(data, "roomname"),
            creator=text(data, "creator"),
            room_create_time=integer(data, "room_create_time"),
            notice=text(data, "notice"),
            members=tuple(
                ArchiveRoomMember(text(m, "memberid"), integer(m, "jointime"))
                for m in mappings(data, "members")
            ),
            raw=data,
        )


class MsgAuditAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def get_permit_user_list(self, edition: int | None = None) -> tuple[str, ...]:
        """Userids of employees whose chats are archived (of one edition, if given)."""
        body: dict[str, Any] = {}
        if edition is not None:
            body["type"] = edition
        data = await self._client.post(
            "/cgi-bin/msgaudit/get_permit_user_list", body, token=self._tokens
        )
        return texts(data, "ids")

    async def check_single_agree(self, pairs: Sequence[tuple[str, str]]) -> list[AgreeInfo]:
        """Consent of each ``(employee userid, customer external_userid)`` pair."""
        out: list[AgreeInfo] = []
        for start in range(0, len(pairs), MAX_AGREE_PAIRS):
            chunk = pairs[start : start + MAX_AGREE_PAIRS]
            data = await self._client.post(
                "/cgi-bin/msgaudit/check_single_agree",
                {"info": [{"userid": u, "exteranalopenid": e} for u, e in chunk]},
                token=self._tokens,
            )
            out.extend(AgreeInfo.parse(item) for item in mappings(data, "agreeinfo"))
        return out

    async def check_room_agree(self, roomid: str) -> list[AgreeInfo]:
        """Consent of each customer in a group chat (``userid`` is "" in the answer)."""
        data = await self._client.post(
            "/cgi-bin/msgaudit/check_room_agree", {"roomid": roomid}, token=self._tokens
        )
        return [AgreeInfo.parse(item) for item in mappings(data, "agreeinfo")]

    async def get_groupchat(self, roomid: str) -> ArchiveRoom:
        """An internal group chat (name, creator, members) by the archive's roomid."""
        data = await self._client.post(
            "/cgi-bin/msgaudit/groupchat/get", {"roomid": roomid}, token=self._tokens
        )
        return ArchiveRoom.parse(data)
