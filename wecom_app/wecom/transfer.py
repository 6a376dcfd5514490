"""Customer and group-chat transfer (在职继承 / 离职继承), with the corp token.

errcode 0 for a customer only *starts* its transfer: the takeover member gets the
customer 24 h later unless the customer refuses (on-job) or the takeover member is at
the customer limit; :meth:`TransferAPI.transfer_result` says how it ended. A customer
can be transferred on-job at most twice in 90 days; group chats move at once, at most
300 a day per handover → takeover pair. wecom-protocol.md §5.

- https://developer.work.weixin.qq.com/document/path/92125 (transfer_customer)
- https://developer.work.weixin.qq.com/document/path/94088 (transfer_result)
- https://developer.work.weixin.qq.com/document/path/92124 (get_unassigned_list)
- https://developer.work.weixin.qq.com/document/path/96331 (resigned/transfer_customer)
- https://developer.work.weixin.qq.com/document/path/96333 (resigned/transfer_result)
- https://developer.work.weixin.qq.com/document/path/96334 (groupchat/transfer)
- https://developer.work.weixin.qq.com/document/path/95703 (groupchat/onjob_transfer)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.errors import explain
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.parsing import JSONObject, flag, integer, mappings, text

MAX_CUSTOMERS = 100
MAX_CHATS = 100
MAX_SUCCESS_MSG_CHARS = 200
MAX_UNASSIGNED_PAGE = 1000

# transfer_result status
STATUS_DONE = 1
STATUS_WAITING = 2
STATUS_REFUSED = 3
STATUS_TAKEOVER_AT_LIMIT = 4
STATUS_NO_RECORD = 5

# Transfer errcodes worded for this use. Group-chat codes from WeCom's global table
# (Doc 90313; Doc 95703's sample answers 90501 "chat is not external group chat"):
# 90500 owner has not left, 90501 not a customer group chat, 90502 owner has already
# left, 90507 the resigned chat's inheritance is in progress, 90508 already inherited.
# WeCom documents a limit of 300 chats a day per handover → takeover pair but no errcode
# for it; ❓ we read a per-chat 45009 (接口调用超过限制) as that limit.
CHAT_NOT_CUSTOMER_GROUP = 90501
CHAT_OWNER_LEFT = 90502
CHAT_INHERITING = 90507
CHAT_INHERITED = 90508
CHAT_DAILY_LIMIT = 45009

TRANSFER_EXPLANATIONS: dict[int, str] = {
    40050: "the group chat does not exist",
    49008: "the group chat was dismissed",
    60111: "the member does not exist in WeCom (left or was deleted)",
    84061: "the member no longer has a relationship with this customer "
    "(for a member who left: more than a year ago, or the customer deleted them)",
    90500: "the group owner has not left the company: use an on-job chat transfer",
    90501: "this chat is not a customer group chat: WeCom hands over customer groups only",
    90502: "the group owner has already left the company: hand the chat over in a "
    "transfer for a member who left",
    90507: "WeCom is already handing this group chat over; it is retried later",
    90508: "this group chat has already been handed over to a successor",
}


def explain_transfer(errcode: int) -> str:
    """Plain words for a transfer errcode (a per-customer, per-chat or call-level one)."""
    return TRANSFER_EXPLANATIONS.get(errcode) or explain(errcode)


@dataclass(frozen=True)
class CustomerOutcome:
    """The answer for one customer of a transfer call (0: the transfer started)."""

    external_userid: str
    errcode: int

    @classmethod
    def parse(cls, data: JSONObject) -> CustomerOutcome:
        return cls(text(data, "external_userid"), integer(data, "errcode"))


@dataclass(frozen=True)
class TransferStatus:
    """``status``: 1 done, 2 waiting, 3 refused, 4 takeover member at limit, 5 no record.
    ``takeover_time``: when taken over; while waiting, the automatic takeover time."""

    external_userid: str
    status: int
    takeover_time: int

    @classmethod
    def parse(cls, data: JSONObject) -> TransferStatus:
        return cls(
            text(data, "external_userid"), integer(data, "status"), integer(data, "takeover_time")
        )


@dataclass(frozen=True)
class UnassignedCustomer:
    handover_userid: str
    external_userid: str
    dimission_time: int

    @classmethod
    def parse(cls, data: JSONObject) -> UnassignedCustomer:
        return cls(
            text(data, "handover_userid"),
            text(data, "external_userid"),
            integer(data, "dimission_time"),
        )


@dataclass(frozen=True)
class UnassignedPage:
    items: tuple[UnassignedCustomer, ...]
    is_last: bool
    next_cursor: str


@dataclass(frozen=True)
class FailedChat:
    chat_id: str
    errcode: int
    errmsg: str = field(default="", compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> FailedChat:
        return cls(text(data, "chat_id"), integer(data, "errcode"), text(data, "errmsg"))


class TransferAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def _post(self, path: str, body: dict[str, Any]) -> JSONObject:
        return await self._client.post(f"/cgi-bin/externalcontact/{path}", body, token=self._tokens)

    # -- customers ---------------------------------------------------------------------

    async def transfer_customer(
        self,
        handover_userid: str,
        takeover_userid: str,
        external_userids: Sequence[str],
        *,
        transfer_success_msg: str | None = None,
        resigned: bool = False,
    ) -> list[CustomerOutcome]:
        """Start transferring up to 100 customers; one outcome per customer.

        ``resigned`` uses ``resigned/transfer_customer`` (the handover member left);
        only on-job transfers carry a message to the customer.
        """
        if not 1 <= len(external_userids) <= MAX_CUSTOMERS:
            raise ValueError(f"external_userids must hold 1..{MAX_CUSTOMERS} customers")
        body: dict[str, Any] = {
            "handover_userid": handover_userid,
            "takeover_userid": takeover_userid,
            "external_userid": list(external_userids),
        }
        if transfer_success_msg and not resigned:
            if len(transfer_success_msg) > MAX_SUCCESS_MSG_CHARS:
                raise ValueError(f"transfer_success_msg is limited to {MAX_SUCCESS_MSG_CHARS}")
            body["transfer_success_msg"] = transfer_success_msg
        path = "resigned/transfer_customer" if resigned else "transfer_customer"
        data = await self._post(path, body)
        return [CustomerOutcome.parse(item) for item in mappings(data, "customer")]

    async def transfer_result_page(
        self,
        handover_userid: str,
        takeover_userid: str,
        cursor: str = "",
        *,
        resigned: bool = False,
    ) -> Page[TransferStatus]:
        body: dict[str, Any] = {
            "handover_userid": handover_userid,
            "takeover_userid": takeover_userid,
        }
        if cursor:
            body["cursor"] = cursor
        path = "resigned/transfer_result" if resigned else "transfer_result"
        data = await self._post(path, body)
        return Page(
            tuple(TransferStatus.parse(item) for item in mappings(data, "customer")),
            text(data, "next_cursor"),
        )

    def transfer_result(
        self, handover_userid: str, takeover_userid: str, *, resigned: bool = False
    ) -> AsyncIterator[TransferStatus]:
        """Every transfer between the two members, across pages."""

        async def fetch(cursor: str) -> Page[TransferStatus]:
            return await self.transfer_result_page(
                handover_userid, takeover_userid, cursor, resigned=resigned
            )

        return paginate(fetch, what="externalcontact/transfer_result")

    async def get_unassigned_page(
        self, cursor: str = "", page_size: int = MAX_UNASSIGNED_PAGE
    ) -> UnassignedPage:
        """One page of the customers of members who left, waiting for a transfer.

        Members who left with only group chats are not listed (use groupchat/list with
        status_filter=1 and the owner named).
        """
        if not 1 <= page_size <= MAX_UNASSIGNED_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_UNASSIGNED_PAGE}")
        body: dict[str, Any] = {"page_size": page_size}
        if cursor:
            body["cursor"] = cursor
        data = await self._post("get_unassigned_list", body)
        return UnassignedPage(
            tuple(UnassignedCustomer.parse(item) for item in mappings(data, "info")),
            flag(data, "is_last"),
            text(data, "next_cursor"),
        )

    def unassigned(self, page_size: int = MAX_UNASSIGNED_PAGE) -> AsyncIterator[UnassignedCustomer]:
        async def fetch(cursor: str) -> Page[UnassignedCustomer]:
            page = await self.get_unassigned_page(cursor, page_size)
            # ``is_last`` wins over a cursor handed back on the last page.
            return Page(page.items, "" if page.is_last else page.next_cursor)

        return paginate(fetch, what="externalcontact/get_unassigned_list")

    # -- group chats ---------------------------------------------------------------------

    async def transfer_group_chats(
        self, chat_ids: Sequence[str], new_owner: str, *, resigned: bool
    ) -> list[FailedChat]:
        """Move up to 100 group chats to ``new_owner`` now; the chats that failed.

        ``resigned``: ``groupchat/transfer`` (the owner left; 90500 otherwise), else
        ``groupchat/onjob_transfer``.
        """
        if not 1 <= len(chat_ids) <= MAX_CHATS:
            raise ValueError(f"chat_ids must hold 1..{MAX_CHATS} chats")
        path = "groupchat/transfer" if resigned else "groupchat/onjob_transfer"
        data = await self._post(path, {"chat_id_list": list(chat_ids), "new_owner": new_owner})
        return [FailedChat.parse(item) for item in mappings(data, "failed_chat_list")]
