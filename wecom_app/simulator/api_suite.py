"""Credentials: ``gettoken`` (self-built) and the third-party suite flow.

Docs 91039 (gettoken; also with the chat archive's secret, Doc 91614), 90603 (permanent
code), 90604 (auth info), 90605 (corp token); the whole flow is in wecom-protocol.md §2.
"""

from __future__ import annotations

import hmac

from wecom_app.simulator.api_common import (
    INVALID_AUTH_CODE,
    INVALID_CORPID,
    INVALID_PARAMETER,
    INVALID_PERMANENT_CODE,
    INVALID_PRE_AUTH_CODE,
    INVALID_SECRET,
    INVALID_SUITE_ID,
    INVALID_SUITE_SECRET,
    INVALID_SUITE_TICKET,
    MISSING_AUTH_CODE,
    MISSING_CORPID,
    MISSING_PERMANENT_CODE,
    MISSING_SECRET,
    MISSING_SUITE_ID,
    MISSING_SUITE_TICKET,
    PRE_AUTH_CODE_EXPIRED,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
)
from wecom_app.simulator.archive import archive_org_of
from wecom_app.simulator.simulator import PRE_AUTH_CODE_TTL_S
from wecom_app.simulator.state import Authorization, Org
from wecom_app.simulator.tokens import ARCHIVE_APP, TokenKind


def _same(secret: str, given: str) -> bool:
    return hmac.compare_digest(secret.encode(), given.encode())


def get_token(call: ApiCall) -> JsonObject:
    """A corp token for one of the corp's secrets: its self-built app's, or the chat
    archive's (会话内容存档 → Secret; the token the msgaudit APIs want). Each secret has
    its own token, as in WeCom."""
    corp_id = call.text("corpid", missing=MISSING_CORPID)
    secret = call.text("corpsecret", missing=MISSING_SECRET)
    org = call.sim.world.orgs.get(corp_id)
    if org is None:
        raise ApiError(INVALID_CORPID)
    if org.app is not None and _same(org.app.secret, secret):
        app = ""
    else:
        archive = archive_org_of(call.sim, corp_id)
        if archive is None or not archive.has_secret(secret):
            raise ApiError(INVALID_SECRET)
        app = ARCHIVE_APP
    token = call.sim.tokens.issue(TokenKind.ACCESS, corp_id=corp_id, app=app)
    return {"access_token": token.value, "expires_in": call.sim.tokens.expires_in(token)}


def get_suite_token(call: ApiCall) -> JsonObject:
    suite_id = call.text("suite_id", missing=MISSING_SUITE_ID)
    secret = call.text("suite_secret", missing=INVALID_SUITE_SECRET)
    ticket = call.text("suite_ticket", missing=MISSING_SUITE_TICKET)
    suite = call.sim.world.suites.get(suite_id)
    if suite is None:
        raise ApiError(INVALID_SUITE_ID)
    if not _same(suite.secret, secret):
        raise ApiError(INVALID_SUITE_SECRET)
    if not call.sim.ticket_is_valid(suite_id, ticket):
        raise ApiError(INVALID_SUITE_TICKET)
    token = call.sim.tokens.issue(TokenKind.SUITE, suite_id=suite_id)
    return {"suite_access_token": token.value, "expires_in": call.sim.tokens.expires_in(token)}


def get_pre_auth_code(call: ApiCall) -> JsonObject:
    code = call.sim.new_pre_auth_code(call.suite_id)
    return {"pre_auth_code": code.code, "expires_in": PRE_AUTH_CODE_TTL_S}


def set_session_info(call: ApiCall) -> JsonObject:
    value = call.text("pre_auth_code", missing=INVALID_PRE_AUTH_CODE)
    code = call.sim.world.pre_auth_codes.get(value)
    if code is None or code.suite_id != call.suite_id:
        raise ApiError(INVALID_PRE_AUTH_CODE)
    if code.expires_at <= call.sim.clock():
        raise ApiError(PRE_AUTH_CODE_EXPIRED)
    session = call.body.get("session_info") or {}
    if not isinstance(session, dict):
        raise ApiError(INVALID_PARAMETER, "session_info must be an object")
    auth_type = session.get("auth_type", 0)
    appids = session.get("appid", [])
    if auth_type not in (0, 1) or not isinstance(appids, list):
        raise ApiError(INVALID_PARAMETER, "auth_type must be 0 or 1, appid a list")
    code.auth_type = auth_type
    code.appids = [int(a) for a in appids]
    return {}


def get_permanent_code(call: ApiCall) -> JsonObject:
    authorization, org = _spend_auth_code(call)
    token = call.sim.tokens.issue(
        TokenKind.ACCESS, corp_id=org.corp_id, suite_id=authorization.suite_id
    )
    return {
        "access_token": token.value,
        "expires_in": call.sim.tokens.expires_in(token),
        "permanent_code": authorization.permanent_code,
        "auth_corp_info": _corp_info(org),
        "auth_info": _auth_info(call, authorization),
        "auth_user_info": _installer(authorization, org),
        "state": authorization.state,
    }


def get_permanent_code_v2(call: ApiCall) -> JsonObject:
    """⚠️ The v2 answer: no corp token, no auth_info, the corp named only (its details
    and the agents come from v2/get_auth_info)."""
    authorization, org = _spend_auth_code(call)
    return {
        "permanent_code": authorization.permanent_code,
        "auth_corp_info": {"corpid": org.corp_id, "corp_name": org.name},
        "auth_user_info": _installer(authorization, org),
        "state": authorization.state,
    }


def _spend_auth_code(call: ApiCall) -> tuple[Authorization, Org]:
    value = call.text("auth_code", missing=MISSING_AUTH_CODE)
    code = call.sim.world.auth_codes.get(value)
    if (
        code is None
        or code.used
        or code.suite_id != call.suite_id
        or code.expires_at <= call.sim.clock()
    ):
        raise ApiError(INVALID_AUTH_CODE)
    code.used = True
    authorization = call.sim.world.authorizations[(code.suite_id, code.corp_id)]
    return authorization, call.sim.world.orgs[code.corp_id]


def _installer(authorization: Authorization, org: Org) -> JsonObject:
    installer = org.employees.get(authorization.installer_userid)
    return {
        "userid": authorization.installer_userid,
        "open_userid": installer.open_userid if installer else "",
        "name": authorization.installer_userid,  # third parties never get names
        "avatar": installer.avatar if installer else "",
    }


def get_auth_info(call: ApiCall) -> JsonObject:
    authorization = _authorization(call)
    org = call.sim.world.orgs[authorization.corp_id]
    return {"auth_corp_info": _corp_info(org), "auth_info": _auth_info(call, authorization)}


def get_corp_token(call: ApiCall) -> JsonObject:
    authorization = _authorization(call)
    token = call.sim.tokens.issue(
        TokenKind.ACCESS, corp_id=authorization.corp_id, suite_id=authorization.suite_id
    )
    return {"access_token": token.value, "expires_in": call.sim.tokens.expires_in(token)}


def _authorization(call: ApiCall) -> Authorization:
    corp_id = call.text("auth_corpid", missing=MISSING_CORPID)
    permanent_code = call.text("permanent_code", missing=MISSING_PERMANENT_CODE)
    authorization = call.sim.world.authorizations.get((call.suite_id, corp_id))
    if (
        authorization is None
        or not authorization.active
        or not _same(authorization.permanent_code, permanent_code)
    ):
        raise ApiError(INVALID_PERMANENT_CODE)
    return authorization


def _corp_info(org: Org) -> JsonObject:
    return {
        "corpid": org.corp_id,
        "corp_name": org.name,
        "corp_type": "verified",
        "corp_square_logo_url": "https://p.qlogo.cn/bizmail/simulated/0",
        "corp_user_max": 1000,
        "corp_full_name": org.full_name,
        "subject_type": 1,
        "verified_end_time": 0,
        "corp_wxqrcode": "",
        "corp_scale": "101-200人",
        "corp_industry": "IT服务",
        "corp_sub_industry": "计算机软件/硬件/信息服务",
    }


def _auth_info(call: ApiCall, authorization: Authorization) -> JsonObject:
    suite = call.sim.world.suites[authorization.suite_id]
    return {
        "agent": [
            {
                "agentid": authorization.agent_id,
                "name": suite.name,
                "square_logo_url": "https://p.qlogo.cn/bizmail/simulated-app/0",
                "privilege": {
                    "level": 1,
                    "allow_party": [1],
                    "allow_user": [],
                    "allow_tag": [],
                    "extra_party": [],
                    "extra_user": [],
                    "extra_tag": [],
                },
                "auth_mode": 0,
                "is_customized_app": False,
            }
        ]
    }


APIS = (
    Api("/cgi-bin/gettoken", "GET", get_token, auth=None),
    Api("/cgi-bin/service/get_suite_token", "POST", get_suite_token, auth=None),
    Api("/cgi-bin/service/get_pre_auth_code", "GET", get_pre_auth_code, auth=TokenKind.SUITE),
    Api("/cgi-bin/service/set_session_info", "POST", set_session_info, auth=TokenKind.SUITE),
    Api("/cgi-bin/service/get_permanent_code", "POST", get_permanent_code, auth=TokenKind.SUITE),
    Api("/cgi-bin/service/get_auth_info", "POST", get_auth_info, auth=TokenKind.SUITE),
    Api(
        "/cgi-bin/service/v2/get_permanent_code",
        "POST",
        get_permanent_code_v2,
        auth=TokenKind.SUITE,
    ),
    Api("/cgi-bin/service/v2/get_auth_info", "POST", get_auth_info, auth=TokenKind.SUITE),
    Api("/cgi-bin/service/get_corp_token", "POST", get_corp_token, auth=TokenKind.SUITE),
)
