"""Signing in to the sidebar through WeCom's OAuth, and signing out.

``/sidebar/login`` sends the browser to WeCom's sign-in with a state cookie;
``/sidebar/oauth/callback`` trades WeCom's code for the member and issues the session.
A third-party suite signs in with the suite's id (``getuserinfo3rd``), a self-built
app with the corp's own id.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute

from sidebar import standing
from sidebar.http import json_ok, no_store
from sidebar.session import OAuthState, Session
from sidebar.site import LIVE_CORP, Site, safe_next, sidebar_of
from wecom_app import signin_guard
from wecom_app.config import Settings
from wecom_app.store.models import Corp, Employee
from wecom_app.wecom.errors import InvalidCode, WeComError
from wecom_app.wecom.oauth import OAuthAPI, ServiceOAuthAPI, authorize_url
from wecom_app.wecom_access import NoAccess

log = logging.getLogger(__name__)


async def login(request: Request) -> Response:
    site = sidebar_of(request)
    settings = site.services.settings
    corp_id = request.query_params.get("corp", "")[: CORP_ID_MAX + 1]
    if not await _allowed(request, site, "start", corp_id):
        return _busy(site)
    corp: Corp | None = None
    if corp_id and len(corp_id) <= CORP_ID_MAX:
        corp = await Corp.filter(corp_id=corp_id, status__in=LIVE_CORP).first()
    if corp is None and settings.self_built is not None:
        corp = await Corp.filter(corp_id=settings.self_built.corp_id).first()
    # An unknown corp goes the way of the deployment's own org, or else the suite's, like
    # an installed one (the callback refuses a member of another): this public page
    # does not tell who uses us.
    appid = _appid(settings, corp)
    if appid is None:
        return site.error_page("无法登录", "应用尚未配置企业或第三方应用。", 503)
    return await _to_authorize(request, site, corp, appid, corp_id)


CORP_ID_MAX = 64  # corps.corp_id


async def _allowed(request: Request, site: Site, step: str, tenant: str) -> bool:
    return await signin_guard.allow(
        site.services.kv_store,
        f"sidebar-{step}",
        ip=signin_guard.client_ip(request.client),
        tenant=tenant or "suite",
        now=site.services.clock(),
        limits=signin_guard.limits_of(site.services.settings.extra),
    )


def _busy(site: Site) -> HTMLResponse:
    response = site.error_page("请稍后再试", "登录请求过于频繁，请一分钟后重试。", 429)
    response.headers["Retry-After"] = str(signin_guard.WINDOW_S)
    return response


def _appid(settings: Settings, corp: Corp | None) -> str | None:
    """Whose sign-in this is: the self-built corp's own, else the suite's."""
    if corp is not None and corp.mode == "self_built":
        return corp.corp_id
    if settings.suite is not None:
        return settings.suite.suite_id
    return None


async def _to_authorize(
    request: Request, site: Site, corp: Corp | None, appid: str, wanted: str
) -> Response:
    """Off to WeCom's sign-in, with the state cookie the callback checks."""
    next_path = safe_next(request.query_params.get("next"))
    state = site.service.sessions.new_state()
    preview_as = ""
    if request.query_params.get("as") and await site.service.preview_enabled():
        preview_as = request.query_params["as"]
    oauth = OAuthState(state, next_path, appid, corp.corp_id if corp else wanted, preview_as)
    redirect_uri = site.service.config.public_url + "/sidebar/oauth/callback"
    agentid = corp.agent_id if corp is not None and corp.mode == "self_built" else ""
    target = authorize_url(
        appid, redirect_uri, state, agentid=agentid, base=site.service.config.authorize_url
    )
    if preview_as and corp is not None:
        target = _simulated_choice(target, corp.corp_id, preview_as)
    response = Response(status_code=302, headers={"Location": target})
    site.service.sessions.state_cookie(response, oauth)
    return no_store(response)


def _simulated_choice(authorize: str, corp_id: str, userid: str) -> str:
    """The preview picks who signs in: the simulator's "member chose" step, which
    issues the code exactly as its sign-in page would (real WeCom has no such page,
    so this cannot sign anyone in there)."""
    parts = urlsplit(authorize)
    path = parts.path.rsplit("/", 1)[0] + "/choose"
    query = parts.query + "&" + urlencode({"flow": "oauth", "corpid": corp_id, "userid": userid})
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


async def callback(request: Request) -> Response:
    site = sidebar_of(request)
    code = request.query_params.get("code", "")
    state = site.service.sessions.read_state(request, request.query_params.get("state", ""))
    refused = await _refused(request, site, state, code)
    if refused is not None or state is None:
        return refused or _expired(site)
    try:
        corp_id, userid = await _exchange(site, state, code)
    except InvalidCode:
        return site.error_page("登录失败", "登录码已失效，请重试。", 400, retry="/sidebar/login")
    except (WeComError, NoAccess) as exc:
        log.warning("sidebar: OAuth exchange failed: %s", exc)
        return site.error_page("登录失败", "暂时无法连接企业微信，请稍后重试。", 502)
    corp = await _member_corp(site, state, corp_id, userid)
    if isinstance(corp, HTMLResponse):
        return corp
    _, token = site.service.sessions.issue(corp.id, corp.corp_id, userid)
    response = Response(status_code=302, headers={"Location": state.next})
    site.service.sessions.set_session(response, token)
    site.service.sessions.clear_state(response)
    return no_store(response)


def _expired(site: Site) -> HTMLResponse:
    return site.error_page(
        "登录已过期", "请重新从企业微信打开侧边栏。", 400, retry="/sidebar/login"
    )


async def _refused(
    request: Request, site: Site, state: OAuthState | None, code: str
) -> HTMLResponse | None:
    """Why this callback goes no further: over the throttle, no or a used state (one
    state cookie, one sign-in), a code already exchanged (WeCom is asked once)."""
    if not await _allowed(request, site, "callback", state.corp_id if state else ""):
        return _busy(site)
    kv = site.services.kv_store
    if state is None or not code:
        return _expired(site)
    if not await signin_guard.first_use(kv, "sidebar-state", state.state):
        return _expired(site)
    if not await signin_guard.first_use(kv, "code", code):
        return site.error_page("登录失败", "登录码已失效，请重试。", 400, retry="/sidebar/login")
    return None


async def _member_corp(
    site: Site, state: OAuthState, corp_id: str, userid: str
) -> Corp | HTMLResponse:
    """The tenant an active member of it signs in to, or the page saying why not."""
    if not userid or (state.corp_id and state.corp_id != corp_id):
        return site.error_page("无法登录", "只有本企业的成员可以使用侧边栏。", 403)
    corp = await Corp.filter(corp_id=corp_id, status__in=LIVE_CORP).first()
    if corp is None:
        return site.error_page("无法登录", "这个企业没有安装本应用。", 403)
    employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
    if employee is not None and employee.status != "active":
        return site.error_page("无法登录", "你的账号已停用或已离职。", 403)
    return corp


async def _exchange(site: Site, state: OAuthState, code: str) -> tuple[str, str]:
    wecom = site.services.wecom
    suite = site.services.settings.suite
    if suite is not None and state.appid == suite.suite_id:
        found = await ServiceOAuthAPI(wecom.client, wecom.suite_tokens()).get_user_info_3rd(code)
        return found.corpid, found.userid if found.is_member else ""
    identity = await OAuthAPI(wecom.client, await wecom.corp_tokens(state.appid)).get_user_info(
        code
    )
    return state.appid, identity.userid if identity.is_member else ""


async def logout(request: Request, session: Session) -> Response:
    """End the session on the server (a copied cookie stops working) and clear it.
    A POST with the session's CSRF token: a cross-site page cannot sign anyone out."""
    site = sidebar_of(request)
    await standing.end(site.services.kv_store, session, site.service.config.session_seconds)
    response = json_ok({"signed_out": True})
    site.service.sessions.clear_session(response)
    return response


def routes(site: Site) -> list[BaseRoute]:
    return [
        site.page("/sidebar/login", login),
        site.page("/sidebar/oauth/callback", callback),
        site.api("/sidebar/logout", logout, write=True, methods=["POST"]),
    ]
