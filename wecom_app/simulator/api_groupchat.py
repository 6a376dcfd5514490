"""Customer group chats (客户群): ``groupchat/list`` and ``groupchat/get``.

Docs 92120 (groupchat/list), 92707 (groupchat/get) — the third-party copies of the
pages; the shapes are in wecom-protocol.md §4. Chats whose owner left stay listed
when their owner's userid is named in ``owner_filter``; third-party apps get no
unionid of customer members.
"""

from __future__ import annotations

from wecom_app.simulator.api_common import (
    GROUP_DISMISSED,
    INVALID_CHAT_ID,
    INVALID_PARAMETER,
    TOO_MANY_RESULTS,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
    decode_cursor,
    display_name,
    page,
)
from wecom_app.simulator.state import GroupChat, Org

GROUPCHAT_LIMIT_MAX = 1000
OWNER_FILTER_MAX = 100
UNFILTERED_OWNERS_MAX = 1000  # beyond this many members, groupchat/list needs owner_filter


def groupchat_list(call: ApiCall) -> JsonObject:
    org = call.org()
    limit = call.integer("limit", 0)
    if not 1 <= limit <= GROUPCHAT_LIMIT_MAX:
        raise ApiError(INVALID_PARAMETER, f"limit must be 1..{GROUPCHAT_LIMIT_MAX}")
    status_filter = call.integer("status_filter", 0)
    if status_filter not in (0, 1, 2, 3):
        raise ApiError(INVALID_PARAMETER, "status_filter must be 0..3")
    owner_filter = call.body.get("owner_filter") or {}
    if not isinstance(owner_filter, dict):
        raise ApiError(INVALID_PARAMETER, "owner_filter must be an object")
    owners_raw = owner_filter.get("userid_list") or []
    if not isinstance(owners_raw, list) or len(owners_raw) > OWNER_FILTER_MAX:
        raise ApiError(INVALID_PARAMETER, f"owner_filter.userid_list: at most {OWNER_FILTER_MAX}")
    owners = {str(o) for o in owners_raw}
    if not owners and len(org.employees) > UNFILTERED_OWNERS_MAX:
        raise ApiError(TOO_MANY_RESULTS)
    # ⚠️ Without owner_filter WeCom lists the chats of owners in the app's visible
    # range, which members who left are not: their chats need their userid named.
    chats = [
        chat
        for chat in org.group_chats.values()
        if not chat.dismissed
        and (status_filter == 0 or int(chat.status) == status_filter)
        and (chat.owner in owners if owners else chat.owner in org.employees)
    ]
    (offset,) = decode_cursor(call.cursor(), 1)
    end, next_cursor = page(len(chats), offset, limit)
    return {
        "group_chat_list": [
            {"chat_id": c.chat_id, "status": int(c.status)} for c in chats[offset:end]
        ],
        "next_cursor": next_cursor,
    }


def groupchat_get(call: ApiCall) -> JsonObject:
    org = call.org()
    chat_id = call.text("chat_id", missing=INVALID_CHAT_ID)
    chat = org.group_chats.get(chat_id)
    if chat is None:
        raise ApiError(INVALID_CHAT_ID)
    if chat.dismissed:
        raise ApiError(GROUP_DISMISSED)
    need_name = call.integer("need_name", 0) == 1
    return {"group_chat": _group_chat(call, org, chat, need_name)}


def _group_chat(call: ApiCall, org: Org, chat: GroupChat, need_name: bool) -> JsonObject:
    members = []
    for member in chat.members:
        item: JsonObject = {
            "userid": member.userid,
            "type": member.type,
            "join_time": member.join_time,
            "join_scene": member.join_scene,
        }
        if member.invitor:
            item["invitor"] = {"userid": member.invitor}
        item["group_nickname"] = member.group_nickname
        if need_name:
            item["name"] = _member_name(call, org, member.userid, member.type)
        customer = org.customers.get(member.userid) if member.type == 2 else None
        if customer is not None and customer.unionid and not call.third_party:
            item["unionid"] = customer.unionid
        members.append(item)
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner": chat.owner,
        "create_time": chat.create_time,
        "notice": chat.notice,
        "member_list": members,
        "admin_list": [{"userid": a} for a in chat.admin_list],
        "member_version": chat.member_version,
    }


def _member_name(call: ApiCall, org: Org, userid: str, member_type: int) -> str:
    if member_type == 2:
        customer = org.customers.get(userid)
        return customer.name if customer else ""
    employee = org.employees.get(userid) or (
        org.departed[userid].employee if userid in org.departed else None
    )
    return display_name(call, userid, employee.name) if employee else userid


_EXTERNAL = "/cgi-bin/externalcontact"

APIS = (
    Api(f"{_EXTERNAL}/groupchat/list", "POST", groupchat_list),
    Api(f"{_EXTERNAL}/groupchat/get", "POST", groupchat_get),
)
