"""Guards: the route wrappers every console (and embedded) endpoint is built with.

Rules the wrappers apply to every endpoint they build (so a module cannot forget):

* the session is loaded (a visitor without one gets an anonymous session, which carries
  a CSRF token and pending login states);
* POST/PUT/PATCH/DELETE need the session's CSRF token, in the ``csrf_token`` form field
  (``{{ csrf_field() }}`` in a template) or the ``X-CSRF-Token`` header (``console.js``
  sends it from ``<meta name="csrf-token">``; JSON APIs take the header only); a
  cross-origin ``Origin`` is refused too;
* ``roles``: not signed in → pages redirect to the login page (401 for APIs and for
  non-GET); signed in without one of the roles → 403 ("no access" page / JSON);
* the endpoint gets a :class:`Principal` whose corp comes from the session only;
* responses carry security headers (CSP without inline script, no framing, no-store).

Roles are re-read on every request (:func:`effective_roles`): granting or revoking takes
effect at once; the role set in the cookie is what was true at sign-in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.exceptions import ValidationError

from wecom_app.consoles import i18n
from wecom_app.consoles.errors import (
    BadRequest,
    NoRole,
    Unauthorized,
    WebError,
    invalid_value,
)
from wecom_app.consoles.principal import Principal
from wecom_app.consoles.render import json_response, render
from wecom_app.consoles.session import (
    CONSOLE_COOKIE,
    CONSOLE_SESSION_S,
    CSRF_FIELD,
    CSRF_HEADER,
    EMBEDDED_COOKIE,
    CookieSessions,
)
from wecom_app.protocol.digits import is_digits
from wecom_app.roles import effective_roles
from wecom_app.store.models import Corp, Employee

if TYPE_CHECKING:
    from wecom_app.services import Services

SIGNED_IN: tuple[str, ...] = ()
"""``roles=SIGNED_IN``: anyone signed in, with or without a role."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 512 * 1024  # the largest body a console form may send (a PEM is ~2 KB)

Endpoint = Callable[[Request, Principal], Awaitable[Response]]
PublicEndpoint = Callable[[Request], Awaitable[Response]]


class Web(CookieSessions):
    """Sessions (:class:`CookieSessions`) plus the guards and route builders for one
    cookie (one family of pages)."""

    def __init__(
        self,
        services: Services,
        *,
        cookie: str = CONSOLE_COOKIE,
        cookie_path: str = "/console",
        embedded: bool = False,
        max_age_s: int = CONSOLE_SESSION_S,
        login_path: str = "/console/login",
        next_prefixes: Sequence[str] = ("/console",),
    ) -> None:
        super().__init__(
            services,
            cookie=cookie,
            cookie_path=cookie_path,
            embedded=embedded,
            max_age_s=max_age_s,
        )
        self.login_path = login_path
        self.next_prefixes = tuple(next_prefixes)

    # -- who is asking --

    async def principal(self, request: Request) -> Principal | None:
        if getattr(request.state, "principal_loaded", False):
            cached: Principal | None = request.state.principal
            return cached
        session = await self.load(request)
        who: Principal | None = None
        if session.signed_in:
            corp = await Corp.filter(
                corp_id=session.corp_id, status__in=("active", "disconnected")
            ).first()
            if corp is not None:
                roles = await effective_roles(self.settings, corp, session.userid)
                employee = await Employee.filter(corp_id=corp.id, userid=session.userid).first()
                who = Principal(
                    corp=corp,
                    userid=session.userid,
                    name=employee.name if employee is not None and employee.name else "",
                    roles=roles,
                    session=session,
                )
        request.state.principal = who
        request.state.principal_loaded = True
        return who

    # -- route builders --

    def page(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        roles: Sequence[str],
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
    ) -> Route:
        """An HTML page (or form target) for signed-in members holding one of ``roles``
        (``SIGNED_IN``: any signed-in member)."""
        return Route(
            path,
            self._wrap(endpoint, roles=tuple(roles), api=False),
            methods=list(methods),
            name=name,
        )

    def api(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        roles: Sequence[str],
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
    ) -> Route:
        """A JSON endpoint: errors are JSON (401/403), never a redirect."""
        return Route(
            path,
            self._wrap(endpoint, roles=tuple(roles), api=True),
            methods=list(methods),
            name=name,
        )

    def public(
        self,
        path: str,
        endpoint: PublicEndpoint,
        *,
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
    ) -> Route:
        """A page anyone may open (login, install); POSTs still need the CSRF token of
        the visitor's anonymous session."""

        async def adapted(request: Request, who: Principal | None) -> Response:
            return await endpoint(request)

        return Route(
            path, self._wrap(adapted, roles=None, api=False), methods=list(methods), name=name
        )

    def _wrap(
        self,
        endpoint: Callable[[Request, Any], Awaitable[Response]],
        *,
        roles: tuple[str, ...] | None,
        api: bool,
    ) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            request.state.web = self
            request.state.api = api
            try:
                response = await self._run(request, endpoint, roles, api)
            except WebError as error:
                response = self._error(request, error, api)
            except ValidationError as error:
                # A value longer than its column (or otherwise not storable) that no
                # handler checked: the caller's mistake, never a 500.
                response = self._error(request, BadRequest(invalid_value(error)), api)
            if getattr(request.state, "session_dirty", False):
                self.write_cookie(response, request.state.session)
            security_headers(response, embedded=self.embedded)
            return response

        return wrapped

    async def _run(
        self,
        request: Request,
        endpoint: Callable[[Request, Any], Awaitable[Response]],
        roles: tuple[str, ...] | None,
        api: bool,
    ) -> Response:
        session = await self.load(request)
        if request.method not in SAFE_METHODS:
            length = request.headers.get("content-length", "")
            if is_digits(length) and int(length) > MAX_FORM_BYTES:
                raise BadRequest("the request is too large")
            submitted = request.headers.get(CSRF_HEADER, "")
            # JSON APIs take the token from the header only: their body is the
            # endpoint's to read (a form read here would consume it). A form is read
            # here once (Starlette keeps it for the endpoint) and checked for NUL,
            # which no text column takes (PostgreSQL refuses it).
            if not api and _is_form(request):
                form = await request.form(max_files=4, max_fields=500)
                if any(isinstance(v, str) and "\0" in v for _, v in form.multi_items()):
                    raise BadRequest("a form field holds a NUL character")
                if not submitted:
                    value = form.get(CSRF_FIELD)
                    submitted = value if isinstance(value, str) else ""
            self.check_csrf(request, session, submitted)
        if roles is None:
            return await endpoint(request, None)
        who = await require_role(request, *roles)
        return await endpoint(request, who)

    def _error(self, request: Request, error: WebError, api: bool) -> Response:
        message = i18n.translate(i18n.language_of(request), error.message, error.params)
        if api:
            return json_response({"error": error.code, "message": message}, error.status)
        if isinstance(error, Unauthorized) and request.method in SAFE_METHODS:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"{self.login_path}?{urlencode({'next': target})}", status_code=303
            )
        template = "no_access.html" if isinstance(error, NoRole) else "error.html"
        return render(
            request,
            template,
            {"status": error.status, "code": error.code, "message": message},
            status_code=error.status,
        )


async def require_role(request: Request, *roles: str) -> Principal:
    """The signed-in :class:`Principal`, if they hold one of ``roles`` (anyone signed
    in when no role is named).

    Raises :class:`Unauthorized` (not signed in) or :class:`Forbidden` (no such role);
    the route wrappers turn those into a login redirect / 401 and a 403 page / JSON.
    """
    site: Web | None = getattr(request.state, "web", None)
    if site is None:
        raise RuntimeError("require_role needs a route built by Web.page/api/public")
    who = await site.principal(request)
    if who is None:
        raise Unauthorized("Sign in to continue.")
    if roles and not who.has(*roles):
        raise NoRole("Your account has no access to this page.")
    return who


def site_of(request: Request) -> Web:
    """The :class:`Web` whose wrapper is serving this request (its sessions and
    settings), for handlers that sign in, sign out or keep a login state."""
    site: Web | None = getattr(request.state, "web", None)
    if site is None:
        raise RuntimeError("site_of needs a route built by Web.page/api/public")
    return site


def security_headers(response: Response, *, embedded: bool = False) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'"
    )
    if not embedded:
        policy += "; frame-ancestors 'none'"
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", policy)


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")


def console(services: Services) -> Web:
    """The admin/compliance console's :class:`Web` (cookie ``wecom_console`` on
    ``/console``, ``SameSite=Lax``, 8-hour sessions)."""
    return Web(services)


def embedded(
    services: Services,
    *,
    cookie: str = EMBEDDED_COOKIE,
    cookie_path: str = "/sidebar",
    login_path: str = "/sidebar/login",
    max_age_s: int = CONSOLE_SESSION_S,
) -> Web:
    """A :class:`Web` for pages inside the WeCom client's webview: its cookie is
    ``SameSite=None; Secure`` (the webview treats our page as a third-party context)
    and pages may be framed by the client."""
    return Web(
        services,
        cookie=cookie,
        cookie_path=cookie_path,
        embedded=True,
        max_age_s=max_age_s,
        login_path=login_path,
        next_prefixes=(cookie_path,),
    )
