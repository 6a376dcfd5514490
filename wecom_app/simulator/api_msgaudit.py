"""Simulated chat-archive APIs (``/cgi-bin/msgaudit/...``), Docs 91614, 91782, 92951.

Every one wants the access token of the org's **archive secret** (``gettoken`` with
``corpsecret`` = the archive secret); another token is refused with 48002.

State lives in the org's :class:`~wecom_app.simulator.archive.OrgArchive` (reached with
:func:`~wecom_app.simulator.archive.archive_of`): archived employees, consent per
1:1 pair and per group chat, internal groups. Requests and answers spell the customer
id ``exteranalopenid``, as WeCom's do.

❓ WeCom's pages do not say what these answer for an org without archiving, for a
pair nobody asked consent of, or for an unknown roomid; the choices are constants here.
"""

from __future__ import annotations

from typing import Any

from wecom_app.simulator.api_common import (
    INVALID_CHAT_ID,
    INVALID_PARAMETER,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
)
from wecom_app.simulator.archive import OrgArchive, archive_of
from wecom_app.simulator.tokens import ARCHIVE_APP

ARCHIVE_NOT_ENABLED = 301053  # Doc 90313: "会话存档服务未开启"
NOT_ARCHIVE_TOKEN = 48002  # ❓ "api forbidden": a token of another secret (an app's)
MISSING_ROOMID = 40058  # ❓ invalid request parameter


def _archive(call: ApiCall) -> OrgArchive:
    corp_id = call.org().corp_id
    org = archive_of(call.sim).orgs.get(corp_id)
    if org is None:
        raise ApiError(ARCHIVE_NOT_ENABLED, "chat archive is not enabled for this corp")
    # Doc 91614: "企业需要使用会话内容存档应用secret所获取的accesstoken来调用" — the
    # token of the archive secret, not an app's (nor a third party's corp token).
    if call.token is None or call.token.third_party or call.token.app != ARCHIVE_APP:
        raise ApiError(NOT_ARCHIVE_TOKEN, "call with the access_token of the chat archive secret")
    return org


def get_permit_user_list(call: ApiCall) -> JsonObject:
    org = _archive(call)
    edition = call.integer("type", 0)
    if edition not in (0, 1, 2, 3):
        raise ApiError(INVALID_PARAMETER, "type must be 1, 2 or 3")
    ids = [u for u, e in org.permit_users.items() if edition in (0, e)]
    return {"ids": ids}


AGREE_PAIRS_MAX = 100
TOO_MANY_AGREE_PAIRS = 301060  # Doc 90313: at most 100 pairs per check_single_agree


def check_single_agree(call: ApiCall) -> JsonObject:
    org = _archive(call)
    info = call.body.get("info")
    if not isinstance(info, list) or not info:
        raise ApiError(INVALID_PARAMETER, "info must be a non-empty list")
    if len(info) > AGREE_PAIRS_MAX:
        raise ApiError(TOO_MANY_AGREE_PAIRS)
    out: list[dict[str, Any]] = []
    for item in info:
        if not isinstance(item, dict):
            raise ApiError(INVALID_PARAMETER, "info items are objects")
        userid, external = item.get("userid"), item.get("exteranalopenid")
        if not isinstance(userid, str) or not isinstance(external, str):
            raise ApiError(INVALID_PARAMETER, "userid and exteranalopenid are strings")
        found = org.agreements.get((userid, external))
        if found is None:
            continue  # ❓ a pair without a consent record is left out of the answer
        status, at = found
        out.append(
            {
                "userid": userid,
                "exteranalopenid": external,
                "agree_status": status,
                "status_change_time": at,
            }
        )
    return {"agreeinfo": out}


def _roomid(call: ApiCall) -> str:
    roomid = call.body.get("roomid")
    if not isinstance(roomid, str) or not roomid:
        raise ApiError(MISSING_ROOMID, "roomid missing")
    return roomid


def check_room_agree(call: ApiCall) -> JsonObject:
    org = _archive(call)
    agreements = org.room_agreements.get(_roomid(call), {})
    return {
        "agreeinfo": [
            {"status_change_time": at, "exteranalopenid": external, "agree_status": status}
            for external, (status, at) in agreements.items()
        ]
    }


def groupchat_get(call: ApiCall) -> JsonObject:
    org = _archive(call)
    room = org.rooms.get(_roomid(call))
    if room is None:
        raise ApiError(INVALID_CHAT_ID)
    return {
        "roomname": room.name,
        "creator": room.creator,
        "room_create_time": room.created_at,
        "notice": room.notice,
        "members": [{"memberid": m, "jointime": at} for m, at in room.members],
    }


APIS: tuple[Api, ...] = (
    Api("/cgi-bin/msgaudit/get_permit_user_list", "POST", get_permit_user_list),
    Api("/cgi-bin/msgaudit/check_single_agree", "POST", check_single_agree),
    Api("/cgi-bin/msgaudit/check_room_agree", "POST", check_room_agree),
    Api("/cgi-bin/msgaudit/groupchat/get", "POST", groupchat_get),
)
