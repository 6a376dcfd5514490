"""What every sidebar endpoint shares, and the guards that turn handlers into routes.

Every ``/sidebar/api/...`` endpoint needs a signed-in session (401 otherwise, with the
sign-in URL); every change also needs the session's CSRF token in ``X-CSRF-Token``
(403). Every endpoint about a customer asks :mod:`sidebar.access` first and answers
the same 403 ``{"error": "forbidden"}`` whether the customer does not exist or may not
be seen. Admin endpoints need the console's ``admin`` role
(:func:`wecom_app.roles.effective_roles`), checked on every request.

Handlers are module-level functions in :mod:`sidebar.endpoints`, grouped by page; each
page module lists its routes once, built with :meth:`Site.page`, :meth:`Site.api`,
:meth:`Site.customer` or :meth:`Site.admin`. A handler finds the :class:`Site` (the
running :class:`~sidebar.service.SidebarService`, its caches and the templates) with
:func:`sidebar_of`: the route's guard puts it in the request's scope before calling it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tortoise.exceptions import ValidationError

from sidebar import edits, replies, standing, tenant, verify_files
from sidebar.access import CustomerGrant
from sidebar.http import BadBody, error, forbidden, no_store
from sidebar.service import SidebarService
from sidebar.session import CSRF_HEADER, Session
from wecom_app import licences, roles
from wecom_app.consoles import web
from wecom_app.consoles.errors import invalid_value
from wecom_app.store.models import Corp
from wecom_app.wecom.errors import RateLimited, Unlicensed, WeComError
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
CONSOLE_TEMPLATE_DIR = HERE / "console_templates"
# The WeCom JS-SDK is loaded (only inside the WeCom client) from WeCom's own hosts;
# avatars come from WeCom's CDN. Everything else is ours.
WECOM_SCRIPT_HOSTS = "https://res.wx.qq.com https://open.work.weixin.qq.com"
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
    f"script-src 'self' {WECOM_SCRIPT_HOSTS}; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'self'"
)
# Where a guard leaves the Site for the handler: a key of the ASGI scope, not
# ``request.state`` (whose per-request State object costs microseconds on the hot path).
SCOPE_KEY = "wecom_app.sidebar"
# A tenant that may sign in and be administered (not uninstalled).
LIVE_CORP = standing.LIVE_CORP

PageHandler = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Session], Awaitable[Response]]
CustomerHandler = Callable[[Request, Session, CustomerGrant, str], Awaitable[Response]]
"""``(request, session, grant, external_userid)``: the guard has checked the grant."""
ConsoleHandler = Callable[[Request, web.Principal], Awaitable[Response]]
"""A console page's handler (the console's guard has checked session and role)."""


def static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def script_json(data: Any) -> Markup:
    """JSON to put inside ``<script type="application/json">``: the HTML parser does not
    decode entities there, so escape what could end the element instead."""
    text = json.dumps(data, ensure_ascii=False)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - no "<", ">" or "&" is left to interpret


def safe_next(value: str | None) -> str:
    return web.safe_next(value, "/sidebar/", ("/sidebar",))


def sidebar_of(request: Request) -> Site:
    """The :class:`Site` serving this request (set by the route's guard)."""
    site: Site = request.scope[SCOPE_KEY]
    return site


def _methods(methods: Sequence[str] | None) -> list[str] | None:
    return list(methods) if methods is not None else None


class Site:
    """The running sidebar: core services, the sidebar service, the page templates."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.service = SidebarService(services)
        self.version = static_version()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    # -- pages ------------------------------------------------------------------------

    def render(
        self, name: str, context: dict[str, Any], status: int = 200, *, frame_src: str = ""
    ) -> HTMLResponse:
        body = self.templates.get_template(name).render(
            {**context, "static": "/sidebar/static", "v": self.version}
        )
        response = HTMLResponse(body, status_code=status)
        policy = PAGE_CSP
        if frame_src:
            policy += f"; frame-src 'self' {frame_src}"
        response.headers["Content-Security-Policy"] = policy
        no_store(response)
        return response

    def error_page(self, title: str, message: str, status: int, retry: str = "") -> HTMLResponse:
        return self.render(
            "message.html", {"title": title, "message": message, "retry": retry}, status
        )

    def login_url(self, request: Request, corp_id: str = "") -> str:
        target = request.headers.get("x-sidebar-page") or "/sidebar/"
        query = {"next": safe_next(target)}
        if corp_id:
            query["corp"] = corp_id
        return "/sidebar/login?" + urlencode(query)

    # -- route builders ---------------------------------------------------------------

    def page(
        self, path: str, handler: PageHandler, *, methods: Sequence[str] | None = None
    ) -> Route:
        """A page or sign-in step: no session needed (the handler decides)."""
        return Route(path, partial(self._open, handler), methods=_methods(methods))

    def api(
        self,
        path: str,
        handler: Handler,
        *,
        write: bool = False,
        methods: Sequence[str] | None = None,
    ) -> Route:
        """A JSON endpoint for a signed-in employee (``write``: CSRF checked too)."""
        return Route(path, partial(self._signed_in, handler, write), methods=_methods(methods))

    def customer(
        self,
        path: str,
        handler: CustomerHandler,
        *,
        write: bool = False,
        methods: Sequence[str] | None = None,
    ) -> Route:
        """A JSON endpoint about the customer ``{external_userid}`` the employee may see;
        a successful change (``write``) makes cached profiles of the customer stale."""
        guarded = partial(self._with_grant, handler, write)
        return Route(path, partial(self._signed_in, guarded, write), methods=_methods(methods))

    def admin(
        self,
        path: str,
        handler: Handler,
        *,
        write: bool = False,
        methods: Sequence[str] | None = None,
    ) -> Route:
        """A JSON endpoint for the tenant's admins (role checked on every request)."""
        guarded = partial(self._as_admin, handler)
        return Route(path, partial(self._signed_in, guarded, write), methods=_methods(methods))

    def bound(self, handler: ConsoleHandler) -> ConsoleHandler:
        """A console page handler that can find this site with :func:`sidebar_of` (the
        console's own guard checks the session and role)."""
        return partial(self._console, handler)

    # -- guards -------------------------------------------------------------------------

    async def session(self, request: Request) -> Session | None:
        """The request's signed session, if it still stands (:mod:`sidebar.standing`)."""
        session = self.service.sessions.read(request)
        if session is None or not await standing.stands(self.services.kv_store, session):
            return None
        return session

    async def _open(self, handler: PageHandler, request: Request) -> Response:
        request.scope[SCOPE_KEY] = self
        try:
            return await handler(request)
        except ValidationError as exc:
            return self.error_page("无法处理", invalid_value(exc), 400)

    async def _console(
        self, handler: ConsoleHandler, request: Request, who: web.Principal
    ) -> Response:
        request.scope[SCOPE_KEY] = self
        return await handler(request, who)

    async def _signed_in(self, handler: Handler, write: bool, request: Request) -> Response:
        request.scope[SCOPE_KEY] = self
        session = await self.session(request)
        if session is None:
            response: Response = error("not_signed_in", "", 401)
            response.headers["X-Sidebar-Login"] = self.login_url(request)
            return no_store(response)
        if write and not session.csrf_ok(request.headers.get(CSRF_HEADER)):
            return no_store(error("csrf", "reload the sidebar", 403))
        try:
            response = await handler(request, session)
        except BadBody as exc:
            response = error("bad_request", str(exc))
        except ValidationError as exc:  # longer than its column: the caller's mistake
            response = error("bad_request", invalid_value(exc))
        except (edits.EditError, replies.ReplyError, tenant.SettingsError) as exc:
            response = error("invalid", str(exc), getattr(exc, "status", 400))
        except verify_files.VerifyFileError as exc:
            response = error("invalid", str(exc), exc.status)
        except RateLimited as exc:
            log.warning("sidebar: WeCom rate limit: %s", exc)
            response = error("busy", "WeCom is rate limiting us; try again shortly", 503)
        except Unlicensed as exc:
            response = await self._unlicensed(session, exc)
        except (WeComError, NoAccess) as exc:
            log.warning("sidebar: WeCom call failed: %s", exc)
            response = error("wecom", "WeCom did not accept the change; try again", 502)
        return no_store(response)

    async def _unlicensed(self, session: Session, exc: Unlicensed) -> Response:
        """701008: WeCom refuses this employee for lack of an interface licence."""
        kv, now = self.service.kv, self.service.now()
        refused = exc.unlicensed_userids or (session.userid,)
        await licences.record_blocked(kv, session.corp_id, refused, "sidebar", now)
        log.info("sidebar: %s has no interface licence (701008)", session.userid)
        body = {
            "error": "unlicensed",
            "message": licences.SIDEBAR_MESSAGE,
            "blocked": await licences.blocked_features(kv, session.corp_id, session.userid, now),
        }
        return JSONResponse(body, status_code=403)

    async def _with_grant(
        self, handler: CustomerHandler, write: bool, request: Request, session: Session
    ) -> Response:
        external_userid = str(request.path_params["external_userid"])
        grant = await self.service.customer_grant(
            session.corp_pk,
            session.corp_id,
            session.userid,
            external_userid,
            fresh=write or request.method != "GET",
        )
        if grant is None:
            return forbidden()
        response = await handler(request, session, grant, external_userid)
        if write and response.status_code < 300:
            await self.service.bump(session.corp_pk, external_userid)
        return response

    async def _as_admin(self, handler: Handler, request: Request, session: Session) -> Response:
        corp = await Corp.filter(id=session.corp_pk, status__in=LIVE_CORP).first()
        if corp is None:
            return forbidden()
        granted = await roles.effective_roles(self.services.settings, corp, session.userid)
        if "admin" not in granted:
            return forbidden()
        return await handler(request, session)
