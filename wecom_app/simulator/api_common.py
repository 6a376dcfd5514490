"""What every simulated WeCom API shares: errcodes, the call context, cursors.

Every answer is HTTP 200 with ``errcode``/``errmsg`` first, like WeCom's; an error's
``errmsg`` is shaped like WeCom's (``"<text>, hint: [...], more info at ...?e=CODE"``)
so that logs and client error types can be checked against the real thing.

Errcodes marked ❓ are ones WeCom's pages do not pin to this situation; they are named
constants so they are easy to change when a real answer is seen.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wecom_app.simulator.state import Org
from wecom_app.simulator.tokens import IssuedToken, TokenKind

if TYPE_CHECKING:
    from wecom_app.simulator.simulator import Simulator

JsonObject = dict[str, Any]

SYSTEM_BUSY = -1
INVALID_SECRET = 40001
INVALID_USERID = 40003
INVALID_CORPID = 40013
INVALID_CODE = 40029
INVALID_CHAT_ID = 40050  # ❓ for externalcontact/groupchat/get
INVALID_PARAMETER = 40058
INVALID_TAG_ID = 40068
INVALID_PRE_AUTH_CODE = 40077
INVALID_AUTH_CODE = 40078  # used, expired or unknown (Doc 90313: "只能消费一次")
INVALID_SUITE_SECRET = 40080
INVALID_SUITE_ID = 40083
INVALID_PERMANENT_CODE = 40084
INVALID_SUITE_TICKET = 40085
INVALID_EXTERNAL_USERID = 40096
MISSING_CORPID = 41002
MISSING_SECRET = 41004
MISSING_AUTH_CODE = 41008
MISSING_USERID = 41009
MISSING_SUITE_ID = 41021
MISSING_SUITE_TICKET = 41023
MISSING_PERMANENT_CODE = 41025
MISSING_EXTERNAL_USERID = 41035
PRE_AUTH_CODE_EXPIRED = 42007
FREQ_OUT_OF_LIMIT = 45009
# ❓ WeCom's table has no "bad JSON" code (47001 is the Official Accounts'); a body that
# does not parse is answered as an invalid parameter.
BAD_JSON = INVALID_PARAMETER
INVALID_CURSOR = 50100  # Doc 90313: "分页查询的游标无效"
INVALID_DEPARTMENT = 60123
MISSING_DEPARTMENT = 60127  # ❓ user/list without department_id
USERID_NOT_FOUND = 60111
TOO_MANY_RESULTS = 81017
NO_RELATION = 84061  # "not external contact": no such employee–customer relation
GROUP_DISMISSED = 49008
UNLICENSED = 701008  # no active interface licence (Doc 95644); fail_info names the users

_MESSAGES: dict[int, str] = {
    SYSTEM_BUSY: "system busy",
    INVALID_SECRET: "invalid credential",
    INVALID_USERID: "invalid userid",
    INVALID_CORPID: "invalid corpid",
    INVALID_CODE: "invalid code",
    40014: "invalid access_token",
    INVALID_CHAT_ID: "chatid not found",
    INVALID_PARAMETER: "invalid Request Parameter",
    INVALID_TAG_ID: "invalid tagid",
    INVALID_PRE_AUTH_CODE: "invalid pre_auth_code",
    INVALID_AUTH_CODE: "invalid auth_code",
    INVALID_SUITE_SECRET: "invalid suite_secret",
    40082: "invalid suite_access_token",
    INVALID_SUITE_ID: "invalid suite_id",
    INVALID_PERMANENT_CODE: "invalid permanent_code",
    INVALID_SUITE_TICKET: "invalid suite_ticket",
    INVALID_EXTERNAL_USERID: "invalid external userid",
    41001: "access_token missing",
    MISSING_CORPID: "corpid missing",
    MISSING_SECRET: "corpsecret missing",
    MISSING_AUTH_CODE: "auth_code missing",
    MISSING_USERID: "userid missing",
    MISSING_SUITE_ID: "suite_id missing",
    41022: "suite_access_token missing",
    MISSING_SUITE_TICKET: "suite_ticket missing",
    MISSING_PERMANENT_CODE: "permanent_code missing",
    MISSING_EXTERNAL_USERID: "external_userid missing",
    42001: "access_token expired",
    PRE_AUTH_CODE_EXPIRED: "pre_auth_code expired",
    42009: "suite_access_token expired",
    FREQ_OUT_OF_LIMIT: "api freq out of limit",
    INVALID_CURSOR: "invalid cursor",
    INVALID_DEPARTMENT: "invalid party id",
    MISSING_DEPARTMENT: "department missing",
    USERID_NOT_FOUND: "userid not found",
    TOO_MANY_RESULTS: "over limit, use owner_filter",
    NO_RELATION: "not external contact",
    GROUP_DISMISSED: "group chat dismissed",
    45033: "api concurrent out of limit",
    48002: "api forbidden",
    48004: "api forbidden, auth relation invalid",
    48006: "api forbidden, permission revoked",
    60011: "no privilege to access/modify contact/party/agent",
    84074: "no external contact privilege",
    301060: "too many agree check requests, at most 100",
    UNLICENSED: "no valid license user",
}


class ApiError(Exception):
    """An answer with a non-zero errcode."""

    def __init__(
        self, errcode: int, detail: str = "", *, extra: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail
        # Fields WeCom sends beside errcode/errmsg (701008: ``fail_info``).
        self.extra: dict[str, Any] = dict(extra or {})

    def errmsg(self, hint: str) -> str:
        text = self.detail or _MESSAGES.get(self.errcode, "error")
        return (
            f"{text}, hint: [{hint}], more info at "
            f"https://open.work.weixin.qq.com/devtool/query?e={self.errcode}"
        )


@dataclass
class ApiCall:
    """One request as a handler sees it: query, JSON body, the caller's token."""

    sim: Simulator
    path: str
    query: Mapping[str, str]
    body: JsonObject
    method: str = "GET"
    token: IssuedToken | None = None
    request_cursor: str = field(default="")

    @property
    def params(self) -> Mapping[str, Any]:
        """Where parameters live: the query of a GET, the JSON body of a POST."""
        return self.body if self.method == "POST" else self.query

    # -- who is calling ----------------------------------------------------------------

    def org(self) -> Org:
        if self.token is None or not self.token.corp_id:
            raise ApiError(40014)
        org = self.sim.world.orgs.get(self.token.corp_id)
        if org is None:
            raise ApiError(40014)
        return org

    @property
    def third_party(self) -> bool:
        return self.token is not None and self.token.third_party

    def require_licence(self, *userids: str) -> None:
        """701008 unless every member has an active interface licence (接口调用许可).

        Only third-party calls are checked, and only once the org's trial is over
        (``Org.licensed_userids`` is set); WeCom names the refused members in
        ``fail_info.unlicensed_userid_list`` (Doc 95644, 接口调用许可).
        """
        if not self.third_party:
            return
        licensed = self.org().licensed_userids
        if licensed is None:
            return
        missing = [u for u in dict.fromkeys(userids) if u and u not in licensed]
        if missing:
            raise ApiError(UNLICENSED, extra={"fail_info": {"unlicensed_userid_list": missing}})

    @property
    def suite_id(self) -> str:
        if self.token is None or self.token.kind is not TokenKind.SUITE:
            raise ApiError(40082)
        return self.token.suite_id

    # -- parameters ----------------------------------------------------------------------

    def text(self, name: str, *, missing: int | None = None) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            if missing is not None:
                raise ApiError(missing)
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ApiError(INVALID_PARAMETER, f"{name} must be a string")
        return str(value)

    def integer(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise ApiError(INVALID_PARAMETER, f"{name} must be an integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(INVALID_PARAMETER, f"{name} must be an integer") from None

    def strings(self, name: str) -> list[str]:
        value = self.body.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApiError(INVALID_PARAMETER, f"{name} must be a list of strings")
        return list(value)

    def cursor(self) -> str:
        """The request's cursor, remembered so the cursor-repeat fault can echo it."""
        self.request_cursor = self.text("cursor")
        return self.request_cursor


Handler = Callable[[ApiCall], JsonObject]


@dataclass(frozen=True)
class Api:
    """One WeCom endpoint: path, method, which token it takes, and its handler."""

    path: str
    method: str
    handler: Handler
    auth: TokenKind | None = TokenKind.ACCESS


# -- cursors --------------------------------------------------------------------------


def encode_cursor(*positions: int) -> str:
    """An opaque cursor; WeCom's are opaque too, so clients must not parse them."""
    raw = ":".join(str(p) for p in positions).encode()
    return base64.urlsafe_b64encode(b"sim:" + raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> tuple[int, ...]:
    """The positions in ``cursor`` (all zeros for an empty one); 50100 when garbled."""
    if not cursor:
        return (0,) * count
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(b"sim:"):
            raise ValueError("foreign cursor")
        positions = tuple(int(part) for part in raw[4:].decode().split(":"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(INVALID_CURSOR) from None
    if len(positions) != count or any(p < 0 for p in positions):
        raise ApiError(INVALID_CURSOR)
    return positions


def page(items_total: int, offset: int, limit: int) -> tuple[int, str]:
    """End of this page and the next cursor ("" when this is the last page)."""
    end = min(items_total, offset + limit)
    return end, (encode_cursor(end) if end < items_total else "")


def display_name(call: ApiCall, userid: str, name: str) -> str:
    """Third-party apps get the userid in place of a member's name (user/get, user/list)."""
    return userid if call.third_party else name
