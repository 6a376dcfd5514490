"""Signing in to the console with WeCom, and installing the suite from our site.

Sign-in (the shared "login via WeCom"):

1. ``GET /console/login`` offers the apps this deployment has: the self-built org's app
   and/or the third-party suite; inside the WeCom client (user agent ``wxwork``) it goes
   straight to OAuth.
2. ``GET /console/login/start?app=&via=qr|oauth`` keeps a nonce in the browser's
   session and redirects to WeCom: OAuth in the client, or web (QR) login. ``state`` is
   that nonce plus an HMAC binding it to the session (login CSRF).
3. ``GET /console/oauth/callback?code=&state=`` checks and consumes the state, turns the
   code into a member (self-built: ``auth/getuserinfo`` with the corp token; suite:
   ``service/auth/getuserinfo3rd`` with the suite token → corp id and userid), and
   starts a fresh session for that member of that tenant.

Install (suite only): ``/console/install`` → WeCom's install page → WeCom redirects to
``/console/install/return?auth_code=&state=`` → :func:`wecom_app.install.suite.complete_install`.

Where the browser goes: WeCom's own hosts, unless ``WECOM_API_BASE`` points somewhere
else (the simulator), whose server then also serves the sign-in pages; the environment
variable ``WECOM_APP_OAUTH_BASE`` overrides (a URL, or ``wecom`` for WeCom's hosts when
the API base is an egress proxy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from wecom_app import roles, signin_guard
from wecom_app.config import DEFAULT_API_BASE, Settings
from wecom_app.consoles import web
from wecom_app.consoles.i18n import N_
from wecom_app.install.errors import InstallError
from wecom_app.install.suite import complete_install, install_link
from wecom_app.store.models import Corp
from wecom_app.wecom import InvalidCode, SuiteTicketMissing, WeComError
from wecom_app.wecom.oauth import (
    OAUTH_AUTHORIZE_URL,
    WEB_LOGIN_URL,
    OAuthAPI,
    ServiceOAuthAPI,
    authorize_url,
    web_login_url,
)
from wecom_app.wecom.service import INSTALL_URL
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

LOGIN_PATH = "/console/login"
CALLBACK_PATH = "/console/oauth/callback"
INSTALL_PATH = "/console/install"
INSTALL_RETURN_PATH = "/console/install/return"
HOME = "/console/"
CORP_ID_MAX = 64


async def _throttle(request: Request, step: str, tenant: str) -> None:
    """Refuse (429) a sign-in step over its per-IP or per-tenant budget."""
    services = web.services_of(request)
    if not await signin_guard.allow(
        services.kv_store,
        f"console-{step}",
        ip=signin_guard.client_ip(request.client),
        tenant=tenant[: CORP_ID_MAX + 8] or "-",
        now=services.clock(),
        limits=signin_guard.limits_of(services.settings.extra),
    ):
        raise web.TooMany("Too many sign-in attempts; wait a minute and try again.")


web.NOTICES.update({"installed": N_("The app is installed. Sign in to continue.")})


@dataclass(frozen=True)
class SignInHosts:
    authorize: str
    web_login: str


def sign_in_hosts(settings: Settings) -> SignInHosts:
    override = settings.extra.get("WECOM_APP_OAUTH_BASE", "").strip().rstrip("/")
    if override == "wecom" or (not override and settings.wecom_api_base == DEFAULT_API_BASE):
        return SignInHosts(OAUTH_AUTHORIZE_URL, WEB_LOGIN_URL)
    base = override or settings.wecom_api_base
    return SignInHosts(f"{base}/connect/oauth2/authorize", f"{base}/wwlogin/sso/login")


def install_page_url(settings: Settings) -> str:
    """WeCom's install page, or the simulator's when the API is one (the same rule as
    :func:`sign_in_hosts`): against real WeCom "Install with WeCom" stays WeCom's link."""
    override = settings.extra.get("WECOM_APP_OAUTH_BASE", "").strip().rstrip("/")
    if override == "wecom" or (not override and settings.wecom_api_base == DEFAULT_API_BASE):
        return INSTALL_URL
    return f"{override or settings.wecom_api_base}/3rdapp/install"


@dataclass(frozen=True)
class LoginOption:
    app: str  # "suite" or "corp:<corp id>"
    label: str


async def login_options(settings: Settings, corp_hint: str = "") -> list[LoginOption]:
    """The apps a visitor may sign in through. A self-built org is offered when the
    environment configures it or the visitor names it (``?corp=``); other tenants are
    never listed on this public page."""
    options: list[LoginOption] = []
    wanted = corp_hint or (settings.self_built.corp_id if settings.self_built else "")
    if wanted:
        corp = await _self_built_corp(wanted)
        if corp is not None:
            # No org name on this public page: it would tell anyone who uses us.
            options.append(LoginOption(f"corp:{corp.corp_id}", "Your organisation's own app"))
    if settings.suite is not None:
        options.append(LoginOption("suite", "Organisations that installed the app"))
    return options


async def _self_built_corp(corp_id: str) -> Corp | None:
    if len(corp_id) > CORP_ID_MAX:
        return None  # no such corp (corps.corp_id is at most 64 characters)
    return await Corp.filter(
        corp_id=corp_id, mode="self_built", status__in=("active", "disconnected")
    ).first()


def _in_wecom_client(request: Request) -> bool:
    return "wxwork" in request.headers.get("user-agent", "").lower()


def _sign_in_url(request: Request, app: str, via: str, state: str, corp: Corp | None) -> str:
    """Where WeCom signs the visitor in: OAuth inside the client, else web (QR) login."""
    settings = web.services_of(request).settings
    hosts = sign_in_hosts(settings)
    callback_url = settings.public_url + CALLBACK_PATH
    if corp is None:  # the suite
        suite_id = settings.suite.suite_id if settings.suite is not None else ""
        if via == "oauth":
            return authorize_url(suite_id, callback_url, state, base=hosts.authorize)
        return web_login_url(
            login_type="ServiceApp",
            appid=suite_id,
            redirect_uri=callback_url,
            state=state,
            base=hosts.web_login,
        )
    if via == "oauth":
        return authorize_url(
            corp.corp_id, callback_url, state, agentid=corp.agent_id, base=hosts.authorize
        )
    return web_login_url(
        login_type="CorpApp",
        appid=corp.corp_id,
        agentid=corp.agent_id,
        redirect_uri=callback_url,
        state=state,
        base=hosts.web_login,
    )


async def login_page(request: Request) -> Response:
    site = web.site_of(request)
    settings = web.services_of(request).settings
    next_path = web.safe_next(request.query_params.get("next"), HOME, site.next_prefixes)
    if await site.principal(request) is not None:
        return RedirectResponse(next_path, status_code=303)
    options = await login_options(settings, request.query_params.get("corp", ""))
    in_client = _in_wecom_client(request)
    if in_client and len(options) == 1:
        query = urlencode({"app": options[0].app, "via": "oauth", "next": next_path})
        return RedirectResponse(f"/console/login/start?{query}", status_code=302)
    return web.render(
        request,
        "login.html",
        {
            "options": options,
            "next": next_path,
            "in_client": in_client,
            "ask_corp": settings.self_built is None,
            "suite": settings.suite is not None,
        },
    )


async def login_start(request: Request) -> Response:
    site = web.site_of(request)
    params = request.query_params
    app = params.get("app", "")
    via = params.get("via", "qr")
    next_path = web.safe_next(params.get("next"), HOME, site.next_prefixes)
    if via not in ("qr", "oauth"):
        raise web.BadRequest("Unknown sign-in method.")
    await _throttle(request, "start", app)
    corp: Corp | None = None
    if app == "suite":
        if web.services_of(request).settings.suite is None:
            raise web.NotFound("This deployment has no third-party app.")
    elif app.startswith("corp:"):
        corp = await _self_built_corp(app[len("corp:") :])
        if corp is None or not corp.agent_id:
            raise web.NotFound("No such organisation uses this deployment's own app.")
    else:
        raise web.BadRequest("Choose how to sign in.")
    state = await site.new_state(request, "login", {"app": app, "next": next_path})
    return RedirectResponse(_sign_in_url(request, app, via, state, corp), status_code=302)


def _not_installed(request: Request) -> Response:
    return web.render(
        request,
        "error.html",
        {
            "status": 403,
            "code": "not_installed",
            "message": "Your organisation has not installed this app yet.",
            "install": web.services_of(request).settings.suite is not None,
        },
        status_code=403,
    )


async def oauth_callback(request: Request) -> Response:
    site = web.site_of(request)
    services = web.services_of(request)
    params = request.query_params
    await _throttle(request, "callback", "")
    pending = await site.take_state(request, "login", params.get("state", ""))
    code = params.get("code", "")
    if not code:
        raise web.BadRequest("WeCom did not confirm the sign-in (it was cancelled).")
    app = pending.get("app", "")
    await _throttle(request, "callback-app", app)
    if not await signin_guard.first_use(services.kv_store, "code", code):
        raise web.BadRequest("The sign-in expired or was already used. Start again.")
    corp_id, userid = await identify(services, app, code)
    corp = await Corp.filter(corp_id=corp_id, status__in=("active", "disconnected")).first()
    expected_mode = "suite" if app == "suite" else "self_built"
    if corp is None or corp.mode != expected_mode:
        return _not_installed(request)
    granted = await roles.effective_roles(services.settings, corp, userid)
    await site.sign_in(request, corp.corp_id, userid, granted)
    log.info("console sign-in: corp %s member %s roles %s", corp.corp_id, userid, sorted(granted))
    return RedirectResponse(
        web.safe_next(pending.get("next"), HOME, site.next_prefixes), status_code=303
    )


async def logout(request: Request) -> Response:
    await web.site_of(request).sign_out(request)
    return web.redirect(LOGIN_PATH, notice="signed_out")


def _require_suite(request: Request) -> None:
    if web.services_of(request).settings.suite is None:
        raise web.NotFound("This deployment has no third-party app to install.")


async def install_page(request: Request) -> Response:
    _require_suite(request)
    return web.render(request, "install.html", {})


async def install_start(request: Request) -> Response:
    _require_suite(request)
    services = web.services_of(request)
    form = await request.form()
    test_install = form.get("test_install") in ("1", "on", "true")
    state = await web.site_of(request).new_state(request, "install", {})
    try:
        url = await install_link(
            services,
            redirect_uri=services.settings.public_url + INSTALL_RETURN_PATH,
            state=state,
            test_install=test_install,
            page=install_page_url(services.settings),
        )
    except SuiteTicketMissing:
        raise web.Unavailable(
            "WeCom has not sent the suite ticket yet (it does every 10 minutes). "
            "Check the suite's command callback URL and try again shortly."
        ) from None
    except (WeComError, NoAccess, InstallError) as exc:
        log.warning("install link failed: %s", exc)
        raise web.Unavailable("WeCom refused to start the installation; try again.") from None
    return RedirectResponse(url, status_code=303)


async def install_return(request: Request) -> Response:
    _require_suite(request)
    auth_code = request.query_params.get("auth_code", "")
    if not auth_code:
        raise web.BadRequest("WeCom did not finish the installation.")
    # The code is WeCom's proof of an install, so it is exchanged whatever the state
    # says (the exchange is idempotent; a marketplace install also pushes it). Only
    # the browser that started the install learns which org it was.
    from_here = True
    try:
        await web.site_of(request).take_state(
            request, "install", request.query_params.get("state", "")
        )
    except web.Forbidden:
        from_here = False
    try:
        corp = await complete_install(web.services_of(request), auth_code, source="redirect")
    except InstallError as exc:
        raise web.Unavailable(
            "The installation did not complete: {reason}.", reason=str(exc)
        ) from None
    except WeComError as exc:
        log.warning("install exchange failed: %s", exc)
        raise web.BadRequest(
            "WeCom did not accept the installation code (it is valid for 10 minutes "
            "and only once). Install again from WeCom's admin."
        ) from None
    return web.render(request, "install_done.html", {"corp": corp if from_here else None})


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.public(LOGIN_PATH, login_page),
        site.public("/console/login/start", login_start),
        site.public(CALLBACK_PATH, oauth_callback),
        site.public("/console/logout", logout, methods=["POST"]),
        site.public(INSTALL_PATH, install_page),
        site.public(INSTALL_PATH, install_start, methods=["POST"]),
        site.public(INSTALL_RETURN_PATH, install_return),
    ]


async def identify(services: Services, app: str, code: str) -> tuple[str, str]:
    """(corp id, userid) for an OAuth / web-login code of ``app`` (``"suite"`` or
    ``"corp:<corp id>"``); raises the :mod:`web` errors a page shows (40029 → 400)."""
    client = services.wecom.client
    try:
        if app == "suite":
            suite_api = ServiceOAuthAPI(client, services.wecom.suite_tokens())
            suite_user = await suite_api.get_user_info_3rd(code)
            if not suite_user.is_member:
                raise web.Forbidden("Only members of an organisation can sign in.")
            return suite_user.corpid, suite_user.userid
        if app.startswith("corp:"):
            corp_id = app[len("corp:") :]
            corp_api = OAuthAPI(client, await services.wecom.corp_tokens(corp_id))
            corp_user = await corp_api.get_user_info(code)
            if not corp_user.is_member:
                raise web.Forbidden("Only members of the organisation can sign in.")
            return corp_id, corp_user.userid
    except InvalidCode:
        raise web.BadRequest("The sign-in expired or was already used. Start again.") from None
    except SuiteTicketMissing:
        raise web.Unavailable(
            "WeCom has not sent the suite ticket yet; sign-in works a few minutes after "
            "the suite's callback URL is set."
        ) from None
    except NoAccess:
        raise web.Forbidden("This organisation cannot use the app (uninstalled?).") from None
    except WeComError as exc:
        log.warning("sign-in code exchange failed: %s", exc)
        raise web.Unavailable(
            "WeCom could not confirm who you are ({reason}).", reason=exc.explanation
        ) from None
    raise web.BadRequest("Choose how to sign in.")
