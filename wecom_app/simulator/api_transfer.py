"""Transfer APIs (在职继承 / 离职继承) of the simulated WeCom; rules in :mod:`.transfer`.

Docs 92125 (transfer_customer), 94088 (transfer_result), 92124 (get_unassigned_list),
96331 / 96333 (resigned/transfer_customer, resigned/transfer_result), 96334
(groupchat/transfer), 95703 (groupchat/onjob_transfer). Request-level problems (an
unknown member, handover = takeover, too many ids) fail the whole call; problems with
one customer or chat are answered per item, as WeCom does.
"""

from __future__ import annotations

from wecom_app.simulator.api_common import (
    INVALID_PARAMETER,
    MISSING_EXTERNAL_USERID,
    MISSING_USERID,
    USERID_NOT_FOUND,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
    decode_cursor,
    page,
)
from wecom_app.simulator.state import Org
from wecom_app.simulator.transfer import (
    HANDOVER_NOT_RESIGNED,
    NO_RECORD,
    ONJOB,
    RESIGNED,
    RESULT_PAGE_SIZE,
    SAME_MEMBER,
    transfer_desk,
)

MAX_CUSTOMERS_PER_CALL = 100
MAX_CHATS_PER_CALL = 100
MAX_SUCCESS_MSG_CHARS = 200
UNASSIGNED_PAGE_MAX = 1000

_ERRMSGS = {
    40096: "invalid external userid",
    40097: "handover user is not dimission",
    40098: "takeover user is not real-name verified",
    40099: "external contact count reach limit",
    40100: "external contact is in transfer",
    40128: "transfer customer too frequently",
    40129: "customer is transferring",
    40130: "handover and takeover can not be the same",
    40131: "the customer is not the handover user's customer",
    84061: "not external contact",
    90500: "the group chat owner is not dimission",
    90501: "chat is not external group chat",
    90502: "the group chat owner is dimission",
    90507: "the group chat is being inherited",
    90508: "the group chat has been inherited",
    40050: "chatid not found",
    49008: "group chat dismissed",
}


def _members(call: ApiCall, org: Org, mode: str) -> tuple[str, str]:
    handover = call.text("handover_userid", missing=MISSING_USERID)
    takeover = call.text("takeover_userid", missing=MISSING_USERID)
    if mode == ONJOB:
        if handover not in org.employees:
            raise ApiError(USERID_NOT_FOUND, "handover_userid not found")
    elif handover in org.employees:
        raise ApiError(HANDOVER_NOT_RESIGNED)
    elif handover not in org.departed:
        raise ApiError(USERID_NOT_FOUND, "handover_userid not found")
    if takeover not in org.employees:
        raise ApiError(USERID_NOT_FOUND, "takeover_userid not found")
    if handover == takeover:
        raise ApiError(SAME_MEMBER, _ERRMSGS[SAME_MEMBER])
    call.require_licence(takeover, handover if mode == ONJOB else "")
    return handover, takeover


def _transfer(call: ApiCall, mode: str) -> JsonObject:
    org = call.org()
    desk = transfer_desk(call.sim)
    desk.settle()
    handover, takeover = _members(call, org, mode)
    external_userids = call.strings("external_userid")
    if not external_userids:
        raise ApiError(MISSING_EXTERNAL_USERID)
    if len(external_userids) > MAX_CUSTOMERS_PER_CALL:
        raise ApiError(INVALID_PARAMETER, f"external_userid exceeds {MAX_CUSTOMERS_PER_CALL}")
    if mode == ONJOB and len(call.text("transfer_success_msg")) > MAX_SUCCESS_MSG_CHARS:
        raise ApiError(INVALID_PARAMETER, "transfer_success_msg longer than 200 characters")
    customers = []
    for external_userid in dict.fromkeys(external_userids):
        errcode = call.sim.faults.take_item_failure(call.path, external_userid)
        errcode = errcode or desk.start(org, mode, handover, takeover, external_userid)
        customers.append({"external_userid": external_userid, "errcode": errcode})
    return {"customer": customers}


def transfer_customer(call: ApiCall) -> JsonObject:
    return _transfer(call, ONJOB)


def resigned_transfer_customer(call: ApiCall) -> JsonObject:
    return _transfer(call, RESIGNED)


def _result(call: ApiCall, mode: str) -> JsonObject:
    org = call.org()
    desk = transfer_desk(call.sim)
    desk.settle()
    handover = call.text("handover_userid", missing=MISSING_USERID)
    takeover = call.text("takeover_userid", missing=MISSING_USERID)
    records = desk.results(org.corp_id, mode, handover, takeover)
    if mode == RESIGNED:
        # Doc 96333 lists statuses 1-4 only: an uncompleted record is simply absent.
        records = [r for r in records if r.status != NO_RECORD]
    (offset,) = decode_cursor(call.cursor(), 1)
    end, next_cursor = page(len(records), offset, RESULT_PAGE_SIZE)
    return {
        "customer": [
            {
                "external_userid": r.external_userid,
                "status": r.status,
                "takeover_time": r.takeover_time,
            }
            for r in records[offset:end]
        ],
        "next_cursor": next_cursor,
    }


def transfer_result(call: ApiCall) -> JsonObject:
    return _result(call, ONJOB)


def resigned_transfer_result(call: ApiCall) -> JsonObject:
    return _result(call, RESIGNED)


def get_unassigned_list(call: ApiCall) -> JsonObject:
    org = call.org()
    desk = transfer_desk(call.sim)
    desk.settle()
    page_size = call.integer("page_size", UNASSIGNED_PAGE_MAX)
    if not 1 <= page_size <= UNASSIGNED_PAGE_MAX:
        raise ApiError(INVALID_PARAMETER, f"page_size must be 1..{UNASSIGNED_PAGE_MAX}")
    rows = desk.unassigned(org)
    (offset,) = decode_cursor(call.cursor(), 1)
    end, next_cursor = page(len(rows), offset, page_size)
    return {
        "info": [
            {"handover_userid": h, "external_userid": e, "dimission_time": t}
            for h, e, t in rows[offset:end]
        ],
        "is_last": not next_cursor,
        "next_cursor": next_cursor,
    }


def _chats(call: ApiCall, mode: str) -> JsonObject:
    org = call.org()
    desk = transfer_desk(call.sim)
    desk.settle()
    chat_ids = call.strings("chat_id_list")
    if not 1 <= len(chat_ids) <= MAX_CHATS_PER_CALL:
        raise ApiError(INVALID_PARAMETER, f"chat_id_list must hold 1..{MAX_CHATS_PER_CALL} ids")
    new_owner = call.text("new_owner", missing=MISSING_USERID)
    if new_owner not in org.employees:
        raise ApiError(USERID_NOT_FOUND, "new_owner not found")
    call.require_licence(new_owner)
    failed = []
    for chat_id in dict.fromkeys(chat_ids):
        injected = call.sim.faults.take_item_failure(call.path, chat_id)
        errcode = injected or desk.transfer_chat(org, mode, chat_id, new_owner)
        if errcode:
            failed.append(
                {"chat_id": chat_id, "errcode": errcode, "errmsg": _ERRMSGS.get(errcode, "error")}
            )
    return {"failed_chat_list": failed}


def groupchat_transfer(call: ApiCall) -> JsonObject:
    return _chats(call, RESIGNED)


def groupchat_onjob_transfer(call: ApiCall) -> JsonObject:
    return _chats(call, ONJOB)


_EXTERNAL = "/cgi-bin/externalcontact"

APIS = (
    Api(f"{_EXTERNAL}/transfer_customer", "POST", transfer_customer),
    Api(f"{_EXTERNAL}/transfer_result", "POST", transfer_result),
    Api(f"{_EXTERNAL}/get_unassigned_list", "POST", get_unassigned_list),
    Api(f"{_EXTERNAL}/resigned/transfer_customer", "POST", resigned_transfer_customer),
    Api(f"{_EXTERNAL}/resigned/transfer_result", "POST", resigned_transfer_result),
    Api(f"{_EXTERNAL}/groupchat/transfer", "POST", groupchat_transfer),
    Api(f"{_EXTERNAL}/groupchat/onjob_transfer", "POST", groupchat_onjob_transfer),
)
