"""Third-party suite authorisation APIs (应用授权), called with the suite token.

Install flow: pre-auth code → (session info) → install link → ``auth_code`` from the
redirect or the ``create_auth`` callback → :meth:`ServiceAPI.get_permanent_code`.
https://developer.work.weixin.qq.com/document/path/90597 (overview)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.parsing import JSONObject, flag, integer, integers, mapping, mappings, text
from wecom_app.wecom.parsing import texts as text_list
from wecom_app.wecom.redact import SENSITIVE_KEYS

INSTALL_URL = "https://open.work.weixin.qq.com/3rdapp/install"


@dataclass(frozen=True)
class PreAuthCode:
    pre_auth_code: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True)
class AuthCorpInfo:
    corpid: str
    corp_name: str
    corp_type: str
    corp_full_name: str
    corp_square_logo_url: str
    corp_user_max: int
    subject_type: int
    verified_end_time: int
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> AuthCorpInfo:
        return cls(
            corpid=text(data, "corpid"),
            corp_name=text(data, "corp_name"),
            corp_type=text(data, "corp_type"),
            corp_full_name=text(data, "corp_full_name"),
            corp_square_logo_url=text(data, "corp_square_logo_url"),
            corp_user_max=integer(data, "corp_user_max"),
            subject_type=integer(data, "subject_type"),
            verified_end_time=integer(data, "verified_end_time"),
            raw=data,
        )


@dataclass(frozen=True)
class AgentPrivilege:
    """The app's visible range in the corp (departments, members, tags)."""

    level: int
    allow_party: tuple[int, ...]
    allow_user: tuple[str, ...]
    allow_tag: tuple[int, ...]
    extra_party: tuple[int, ...]
    extra_user: tuple[str, ...]
    extra_tag: tuple[int, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> AgentPrivilege:
        return cls(
            level=integer(data, "level"),
            allow_party=integers(data, "allow_party"),
            allow_user=text_list(data, "allow_user"),
            allow_tag=integers(data, "allow_tag"),
            extra_party=integers(data, "extra_party"),
            extra_user=text_list(data, "extra_user"),
            extra_tag=integers(data, "extra_tag"),
            raw=data,
        )


@dataclass(frozen=True)
class AuthorizedAgent:
    agentid: int
    name: str
    round_logo_url: str
    square_logo_url: str
    auth_mode: int
    is_customized_app: bool
    privilege: AgentPrivilege | None
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> AuthorizedAgent:
        privilege = data.get("privilege")
        return cls(
            agentid=integer(data, "agentid"),
            name=text(data, "name"),
            round_logo_url=text(data, "round_logo_url"),
            square_logo_url=text(data, "square_logo_url"),
            auth_mode=integer(data, "auth_mode"),
            is_customized_app=flag(data, "is_customized_app"),
            privilege=AgentPrivilege.parse(privilege) if isinstance(privilege, dict) else None,
            raw=data,
        )


@dataclass(frozen=True)
class AuthUserInfo:
    """The admin who installed the app (any field may be empty)."""

    userid: str
    open_userid: str
    name: str
    avatar: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> AuthUserInfo:
        return cls(
            userid=text(data, "userid"),
            open_userid=text(data, "open_userid"),
            name=text(data, "name"),
            avatar=text(data, "avatar"),
            raw=data,
        )


@dataclass(frozen=True)
class AuthInfo:
    """What the corp authorised: get_auth_info, and part of get_permanent_code."""

    auth_corp_info: AuthCorpInfo
    agents: tuple[AuthorizedAgent, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> AuthInfo:
        return cls(
            auth_corp_info=AuthCorpInfo.parse(mapping(data, "auth_corp_info")),
            agents=tuple(
                AuthorizedAgent.parse(a) for a in mappings(mapping(data, "auth_info"), "agent")
            ),
            raw=_without_secrets(data),
        )


@dataclass(frozen=True)
class PermanentCode:
    """The answer to get_permanent_code: store ``permanent_code`` sealed, never log it.

    ``access_token``/``expires_in`` are a ready corp token (prime the corp's token
    provider with them to save a call).
    """

    permanent_code: str = field(repr=False)
    access_token: str = field(repr=False)
    expires_in: int
    auth_corp_info: AuthCorpInfo
    agents: tuple[AuthorizedAgent, ...]
    auth_user_info: AuthUserInfo | None
    state: str
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> PermanentCode:
        info = AuthInfo.parse(data)
        user = data.get("auth_user_info")
        return cls(
            permanent_code=text(data, "permanent_code"),
            access_token=text(data, "access_token"),
            expires_in=integer(data, "expires_in"),
            auth_corp_info=info.auth_corp_info,
            agents=info.agents,
            auth_user_info=AuthUserInfo.parse(user) if isinstance(user, dict) else None,
            state=text(data, "state"),
            raw=_without_secrets(data),
        )


class ServiceAPI:
    """Suite-level calls; ``suite_tokens`` supplies the ``suite_access_token``."""

    def __init__(self, client: WeComClient, suite_tokens: TokenSource) -> None:
        self._client = client
        self._tokens = suite_tokens

    async def get_pre_auth_code(self) -> PreAuthCode:
        """https://developer.work.weixin.qq.com/document/path/90601"""
        data = await self._client.get("/cgi-bin/service/get_pre_auth_code", token=self._tokens)
        return PreAuthCode(text(data, "pre_auth_code"), integer(data, "expires_in"))

    async def set_session_info(
        self, pre_auth_code: str, *, app_ids: Sequence[int] = (), auth_type: int = 0
    ) -> None:
        """Configure one install session; ``auth_type`` 0 formal, 1 test install.

        An empty ``app_ids`` allows every app of the suite (WeCom: leave it out).
        https://developer.work.weixin.qq.com/document/path/90602
        """
        session_info: dict[str, Any] = {"auth_type": auth_type}
        if app_ids:
            session_info["appid"] = list(app_ids)
        await self._client.post(
            "/cgi-bin/service/set_session_info",
            {"pre_auth_code": pre_auth_code, "session_info": session_info},
            token=self._tokens,
        )

    async def get_permanent_code(self, auth_code: str) -> PermanentCode:
        """Exchange a single-use ``auth_code`` (valid 10 min) for the permanent code.

        https://developer.work.weixin.qq.com/document/path/90603
        """
        data = await self._client.post(
            "/cgi-bin/service/get_permanent_code", {"auth_code": auth_code}, token=self._tokens
        )
        return PermanentCode.parse(data)

    async def get_permanent_code_v2(self, auth_code: str) -> PermanentCode:
        """The same exchange on WeCom's newer path (its recommended one): ⚠️ the v2
        answer is smaller — the permanent code, ``auth_corp_info{corpid, corp_name}``,
        ``auth_user_info`` and ``state``, with no corp token and no ``auth_info`` — so
        the agents and the corp details are read with ``v2/get_auth_info`` right after.
        The result is the same :class:`PermanentCode` (without a ready corp token).

        WeCom's "获取企业永久授权码 (新)" and "获取企业授权信息 (新)" pages, the v2
        siblings of Docs 90603 and 90604 (the v1 calls below keep working).
        """
        data = await self._client.post(
            "/cgi-bin/service/v2/get_permanent_code", {"auth_code": auth_code}, token=self._tokens
        )
        code = text(data, "permanent_code")
        corp_id = text(mapping(data, "auth_corp_info"), "corpid")
        info = await self.get_auth_info(corp_id, code, v2=True)
        merged = {**data, "auth_corp_info": info.raw.get("auth_corp_info", {})}
        merged["auth_info"] = info.raw.get("auth_info", {})
        return PermanentCode.parse(merged)

    async def get_auth_info(
        self, auth_corpid: str, permanent_code: str, *, v2: bool = False
    ) -> AuthInfo:
        """Re-read what a corp authorised (after ``change_auth``).

        https://developer.work.weixin.qq.com/document/path/90604
        """
        data = await self._client.post(
            "/cgi-bin/service/v2/get_auth_info" if v2 else "/cgi-bin/service/get_auth_info",
            {"auth_corpid": auth_corpid, "permanent_code": permanent_code},
            token=self._tokens,
        )
        return AuthInfo.parse(data)


def install_url(
    suite_id: str, pre_auth_code: str, redirect_uri: str, state: str = "", page: str = INSTALL_URL
) -> str:
    """The link an admin opens to install the suite; WeCom redirects back with auth_code.

    https://developer.work.weixin.qq.com/document/path/90597 (``page``: WeCom's install
    page, or a WeCom simulator's).
    """
    query = {
        "suite_id": suite_id,
        "pre_auth_code": pre_auth_code,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{page}?{urlencode(query)}"


def _without_secrets(data: JSONObject) -> JSONObject:
    return {key: value for key, value in data.items() if key not in SENSITIVE_KEYS}
