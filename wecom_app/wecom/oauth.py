"""Identity of a person at our pages (身份验证): OAuth in the client, web (QR) login.

Two browser-side entry points and two code exchanges, for the two kinds of app:

==============  ==============================================  ===========================
app             browser goes to                                 code → user
==============  ==============================================  ===========================
self-built      ``open.weixin.qq.com/connect/oauth2/authorize``  ``GET auth/getuserinfo``
                (appid = corp id) — inside the WeCom client;     (corp token) → ``userid``
                ``login.work.weixin.qq.com/wwlogin/sso/login``
                (``login_type=CorpApp``, appid = corp id,
                agentid) — QR login on the web
third-party     the same two pages with appid = suite id         ``GET service/auth/
                (``login_type=ServiceApp`` for web login)        getuserinfo3rd`` (suite
                                                                 token) → ``corpid, userid,
                                                                 open_userid``
==============  ==============================================  ===========================

WeCom redirects to ``redirect_uri?code=CODE&state=STATE``; a code is single use and
expires after 5 minutes (40029 afterwards). ``state`` may hold only ``a-zA-Z0-9`` and at
most 128 bytes (Docs 91022, 91120), which :func:`check_state` enforces before we build a
link WeCom would refuse.

Docs: 91022 / 91023 (self-built OAuth, getuserinfo), 98151 / 98152 (web login),
91120 / 91121 (third-party OAuth, getuserinfo3rd), 98171 / 98179 (third-party web login).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlencode

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.parsing import JSONObject, integer, text

OAUTH_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
WEB_LOGIN_URL = "https://login.work.weixin.qq.com/wwlogin/sso/login"

Scope = Literal["snsapi_base", "snsapi_privateinfo"]
LoginType = Literal["CorpApp", "ServiceApp"]

_STATE = re.compile(r"[A-Za-z0-9]{0,128}")


class BadState(ValueError):
    """A ``state`` WeCom would not carry back unchanged."""


def check_state(state: str) -> str:
    if not _STATE.fullmatch(state):
        raise BadState("state must be at most 128 characters of a-z, A-Z, 0-9")
    return state


def authorize_url(
    appid: str,
    redirect_uri: str,
    state: str,
    *,
    scope: Scope = "snsapi_base",
    agentid: str = "",
    base: str = OAUTH_AUTHORIZE_URL,
) -> str:
    """The OAuth link opened *inside the WeCom client* (a webview).

    ``appid`` is the corp id (self-built) or the suite id (third-party). ``agentid`` is
    optional for ``snsapi_base``; with it WeCom also activates the app's interface
    licence for third-party apps (Doc 96441). The fragment is mandatory: the client
    uses ``#wechat_redirect`` to decide to attach the identity.
    """
    query: dict[str, str] = {
        "appid": appid,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": check_state(state),
    }
    if agentid:
        query["agentid"] = agentid
    return f"{base}?{urlencode(query)}#wechat_redirect"


def web_login_url(
    *,
    login_type: LoginType,
    appid: str,
    redirect_uri: str,
    state: str,
    agentid: str = "",
    lang: str = "",
    base: str = WEB_LOGIN_URL,
) -> str:
    """The web (QR) login page: a browser outside WeCom, the member scans with the app.

    ``CorpApp``: appid = corp id and ``agentid`` required; ``ServiceApp``: appid = the
    suite id of the login authorisation, no agentid (Doc 98171).
    """
    if login_type == "CorpApp" and not agentid:
        raise ValueError("CorpApp web login needs the app's agentid")
    query: dict[str, str] = {"login_type": login_type, "appid": appid}
    if login_type == "CorpApp":
        query["agentid"] = agentid
    query["redirect_uri"] = redirect_uri
    query["state"] = check_state(state)
    if lang:
        query["lang"] = lang
    return f"{base}?{urlencode(query)}"


@dataclass(frozen=True)
class CorpUserIdentity:
    """``auth/getuserinfo``: a member (``userid``) or a non-member (``openid``)."""

    userid: str
    user_ticket: str = field(repr=False)
    openid: str
    external_userid: str
    raw: JSONObject = field(repr=False, compare=False)

    @property
    def is_member(self) -> bool:
        return bool(self.userid)

    @classmethod
    def parse(cls, data: JSONObject) -> CorpUserIdentity:
        return cls(
            # The old user/getuserinfo answered ``UserId``/``OpenId``; accept both.
            userid=text(data, "userid") or text(data, "UserId"),
            user_ticket=text(data, "user_ticket"),
            openid=text(data, "openid") or text(data, "OpenId"),
            external_userid=text(data, "external_userid"),
            raw={k: v for k, v in data.items() if k != "user_ticket"},
        )


@dataclass(frozen=True)
class SuiteUserIdentity:
    """``service/auth/getuserinfo3rd``: the member's corp and userid, or an ``openid``."""

    corpid: str
    userid: str
    open_userid: str
    user_ticket: str = field(repr=False)
    expires_in: int
    openid: str
    raw: JSONObject = field(repr=False, compare=False)

    @property
    def is_member(self) -> bool:
        return bool(self.corpid and self.userid)

    @classmethod
    def parse(cls, data: JSONObject) -> SuiteUserIdentity:
        return cls(
            corpid=text(data, "corpid") or text(data, "CorpId"),
            userid=text(data, "userid") or text(data, "UserId"),
            open_userid=text(data, "open_userid"),
            user_ticket=text(data, "user_ticket"),
            expires_in=integer(data, "expires_in"),
            openid=text(data, "openid") or text(data, "OpenId"),
            raw={k: v for k, v in data.items() if k != "user_ticket"},
        )


class OAuthAPI:
    """A self-built (or custom-developed) app's code exchange, with the corp token."""

    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def get_user_info(self, code: str) -> CorpUserIdentity:
        """Who followed the OAuth / web login link. 40029 (:class:`InvalidCode`) when
        the code is used, expired or from another app.

        https://developer.work.weixin.qq.com/document/path/91023
        """
        data = await self._client.get(
            "/cgi-bin/auth/getuserinfo", {"code": code}, token=self._tokens
        )
        return CorpUserIdentity.parse(data)


class ServiceOAuthAPI:
    """A third-party app's code exchange, with the suite token."""

    def __init__(self, client: WeComClient, suite_tokens: TokenSource) -> None:
        self._client = client
        self._tokens = suite_tokens

    async def get_user_info_3rd(self, code: str) -> SuiteUserIdentity:
        """The member's corp and userid for a code from the suite's OAuth or web login.

        https://developer.work.weixin.qq.com/document/path/91121 (OAuth),
        https://developer.work.weixin.qq.com/document/path/98179 (web login)
        """
        data = await self._client.get(
            "/cgi-bin/service/auth/getuserinfo3rd", {"code": code}, token=self._tokens
        )
        return SuiteUserIdentity.parse(data)
