"""OAuth and web (QR) login: the pages a browser visits and the code exchanges.

WeCom serves these on other hosts (``open.weixin.qq.com``, ``login.work.weixin.qq.com``);
the simulator serves them beside its API, at the same paths:

* ``GET /connect/oauth2/authorize`` — OAuth inside the client (Docs 91022, 91120);
* ``GET /wwlogin/sso/login`` — web login, ``login_type=CorpApp|ServiceApp`` (Doc 98171);

Both answer a small page that stands in for "the member is signed in to the WeCom
client" or "the member scans the QR code": it lists the members who could sign in, and
picking one (``GET /connect/oauth2/choose``) redirects to ``redirect_uri?code=&state=``
with a single-use code valid for 5 minutes on the simulator clock. The code exchanges
answer like WeCom's (40029 for an unknown, used, expired or foreign code):

* ``GET /cgi-bin/auth/getuserinfo?access_token=&code=`` (Doc 91023) → ``userid``;
* ``GET /cgi-bin/service/auth/getuserinfo3rd?suite_access_token=&code=`` (Doc 91121) →
  ``corpid, userid, open_userid``.

Not simulated: WeCom's check that ``redirect_uri`` is on the app's trusted domain
(50001), ``snsapi_privateinfo``'s ``user_ticket``, non-members (``openid``).
"""

from __future__ import annotations

import html
import re
import secrets
import weakref
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wecom_app.simulator.api_common import INVALID_CODE, Api, ApiCall, ApiError, JsonObject
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.simulator.tokens import TokenKind

OAUTH_CODE_TTL_S = 300  # 5 minutes, single use (Docs 91023, 91121)
MISSING_CODE = 41008
AUTHORIZE_PATH = "/connect/oauth2/authorize"
WEB_LOGIN_PATH = "/wwlogin/sso/login"
CHOOSE_PATH = "/connect/oauth2/choose"

_STATE = re.compile(r"[A-Za-z0-9]{0,128}")


@dataclass
class OAuthCode:
    code: str
    appid: str  # the corp id (self-built app) or the suite id the code was issued to
    corp_id: str
    userid: str
    expires_at: float
    used: bool = False


class OAuthCodes:
    """Codes issued by one simulator (kept beside it, not in its world: codes are
    transient browser state, not part of the org)."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._codes: dict[str, OAuthCode] = {}

    def issue(self, appid: str, corp_id: str, userid: str) -> OAuthCode:
        now = self._sim.clock()
        # Drop what can no longer be used, so a long-running simulator does not grow.
        self._codes = {k: c for k, c in self._codes.items() if not c.used and c.expires_at > now}
        code = OAuthCode(
            code=secrets.token_urlsafe(32),
            appid=appid,
            corp_id=corp_id,
            userid=userid,
            expires_at=now + OAUTH_CODE_TTL_S,
        )
        self._codes[code.code] = code
        return code

    def take(self, value: str, appid: str) -> OAuthCode:
        """Consume a code issued to ``appid``; 40029 for any other."""
        code = self._codes.get(value)
        if code is None or code.used or code.appid != appid or code.expires_at <= self._sim.clock():
            raise ApiError(INVALID_CODE)
        code.used = True
        return code


_STORES: weakref.WeakKeyDictionary[Simulator, OAuthCodes] = weakref.WeakKeyDictionary()


def oauth_codes(sim: Simulator) -> OAuthCodes:
    store = _STORES.get(sim)
    if store is None:
        store = _STORES[sim] = OAuthCodes(sim)
    return store


def issue_code(sim: Simulator, appid: str, corp_id: str, userid: str) -> str:
    """What a member's sign-in produces (for tests that skip the pages)."""
    _check_member(sim, appid, corp_id, userid)
    return oauth_codes(sim).issue(appid, corp_id, userid).code


# -- code exchanges (JSON) -------------------------------------------------------------


def get_user_info(call: ApiCall) -> JsonObject:
    value = call.text("code", missing=MISSING_CODE)
    token = call.token
    if token is None:
        raise ApiError(40014)
    code = oauth_codes(call.sim).take(value, token.corp_id)
    return {"userid": code.userid}


def get_user_info_3rd(call: ApiCall) -> JsonObject:
    value = call.text("code", missing=MISSING_CODE)
    code = oauth_codes(call.sim).take(value, call.suite_id)
    employee = call.sim.world.orgs[code.corp_id].employees.get(code.userid)
    return {
        "corpid": code.corp_id,
        "userid": code.userid,
        "open_userid": employee.open_userid if employee else "",
    }


APIS = (
    Api("/cgi-bin/auth/getuserinfo", "GET", get_user_info, auth=TokenKind.ACCESS),
    Api("/cgi-bin/service/auth/getuserinfo3rd", "GET", get_user_info_3rd, auth=TokenKind.SUITE),
)


# -- the pages a browser sees ----------------------------------------------------------


class _Refused(Exception):
    """WeCom shows an error page instead of redirecting."""


def _orgs_for(sim: Simulator, appid: str) -> list[Org]:
    """Whose members may sign in to ``appid``: the corp itself, or every corp that
    authorised the suite."""
    if appid in sim.world.suites:
        return [
            sim.world.orgs[a.corp_id]
            for a in sim.world.authorizations.values()
            if a.suite_id == appid and a.active and a.corp_id in sim.world.orgs
        ]
    org = sim.world.orgs.get(appid)
    if org is None or org.app is None:
        raise _Refused("appid is neither a corp with a self-built app nor a suite")
    return [org]


def _check_member(sim: Simulator, appid: str, corp_id: str, userid: str) -> Org:
    org = next((o for o in _orgs_for(sim, appid) if o.corp_id == corp_id), None)
    if org is None:
        raise _Refused("this corp may not sign in to this app")
    if userid not in {e.userid for e in org.active_employees()}:
        raise _Refused("no such active member")
    return org


def _check_request(sim: Simulator, flow: str, params: dict[str, str]) -> None:
    appid = params.get("appid", "")
    redirect = urlsplit(params.get("redirect_uri", ""))
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        raise _Refused("redirect_uri must be an absolute http(s) URL")
    if not _STATE.fullmatch(params.get("state", "")):
        raise _Refused("state may hold only a-zA-Z0-9, at most 128 characters")
    if flow == "oauth":
        if params.get("response_type") != "code":
            raise _Refused("response_type must be code")
        if params.get("scope", "snsapi_base") not in ("snsapi_base", "snsapi_privateinfo"):
            raise _Refused("unknown scope")
        _orgs_for(sim, appid)
        return
    login_type = params.get("login_type", "")
    if login_type == "ServiceApp":
        if appid not in sim.world.suites:
            raise _Refused("ServiceApp login needs a suite id as appid")
    elif login_type == "CorpApp":
        org = sim.world.orgs.get(appid)
        if org is None or org.app is None:
            raise _Refused("CorpApp login needs a corp id with a self-built app")
        if params.get("agentid", "") != str(org.app.agent_id):
            raise _Refused("agentid does not match the corp's app")
    else:
        raise _Refused("login_type must be CorpApp or ServiceApp")


_FORWARDED = ("appid", "redirect_uri", "response_type", "scope", "state", "agentid", "login_type")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}"
        "a.who{display:block;padding:.5rem .75rem;margin:.25rem 0;border:1px solid #ccd;"
        "border-radius:6px;text-decoration:none;color:#123}a.who:hover{background:#eef4ff}"
        ".note{color:#667;font-size:13px}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _picker(sim: Simulator, flow: str, params: dict[str, str]) -> Response:
    try:
        _check_request(sim, flow, params)
        orgs = _orgs_for(sim, params["appid"])
    except _Refused as refused:
        return _page(
            "企业微信 (simulated): request refused", f"<p>{html.escape(str(refused))}</p>", 400
        )
    forwarded = {k: params[k] for k in _FORWARDED if params.get(k)}
    parts = []
    for org in orgs:
        parts.append(f"<h2>{html.escape(org.name)} <small>{html.escape(org.corp_id)}</small></h2>")
        for employee in org.active_employees():
            query = urlencode(
                {**forwarded, "flow": flow, "corpid": org.corp_id, "userid": employee.userid}
            )
            parts.append(
                f"<a class='who' href='{html.escape(CHOOSE_PATH + '?' + query)}'>"
                f"{html.escape(employee.name)} <span class='note'>{html.escape(employee.userid)}"
                f" · {html.escape(employee.position)}</span></a>"
            )
    if not orgs:
        parts.append("<p>No corp has authorised this app yet.</p>")
    what = (
        "You are signed in to the WeCom client as…"
        if flow == "oauth"
        else "Scan the QR code with WeCom as…"
    )
    note = "<p class='note'>Simulated WeCom sign-in: pick who you are.</p>"
    return _page("企业微信 · 模拟登录", f"<p>{what}</p>{note}{''.join(parts)}")


def page_routes(sim: Simulator) -> list[Route]:
    async def authorize(request: Request) -> Response:
        return _picker(sim, "oauth", dict(request.query_params))

    async def web_login(request: Request) -> Response:
        return _picker(sim, "sso", dict(request.query_params))

    async def choose(request: Request) -> Response:
        params = dict(request.query_params)
        flow = params.get("flow", "")
        try:
            if flow not in ("oauth", "sso"):
                raise _Refused("unknown sign-in flow")
            _check_request(sim, flow, params)
            _check_member(sim, params["appid"], params.get("corpid", ""), params.get("userid", ""))
        except _Refused as refused:
            return _page("企业微信 (simulated): request refused", html.escape(str(refused)), 400)
        code = oauth_codes(sim).issue(params["appid"], params["corpid"], params["userid"])
        target = params["redirect_uri"]
        separator = "&" if urlsplit(target).query else "?"
        query = urlencode({"code": code.code, "state": params.get("state", "")})
        return RedirectResponse(f"{target}{separator}{query}", status_code=302)

    return [
        Route(AUTHORIZE_PATH, authorize, methods=["GET"]),
        Route(WEB_LOGIN_PATH, web_login, methods=["GET"]),
        Route(CHOOSE_PATH, choose, methods=["GET"]),
    ]
