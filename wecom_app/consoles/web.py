"""The web foundation every page of ours stands on: templates, sessions, CSRF, guards.

Server-rendered Jinja2 pages (autoescaped, no front-end build step), signed cookie
sessions with a server-side record, CSRF tokens, role guards and tenant scoping. The
admin console, the compliance console, the transfer pages and the sidebar all use it.

Adding pages to a console module::

    from wecom_app.consoles import web

    def routes(services: Services) -> list[BaseRoute]:
        site = web.console(services)

        async def things(request: Request, who: web.Principal) -> Response:
            rows = await who.scoped(Thing).order_by("-id")        # this tenant's rows only
            return web.render(request, "things.html", {"rows": rows})

        async def add_thing(request: Request, who: web.Principal) -> Response:
            form = await request.form()                            # CSRF already checked
            ...
            return web.redirect("/console/things", notice="saved")

        async def things_json(request: Request, who: web.Principal) -> Response:
            return web.json_response({"things": [...]})

        return [
            site.page("/console/things", things, roles=("admin",)),
            site.page("/console/things", add_thing, roles=("admin",), methods=["POST"]),
            site.api("/console/api/things", things_json, roles=("admin", "compliance")),
        ]

Rules the wrappers apply to every endpoint they build (so a module cannot forget):

* the session is loaded (a visitor without one gets an anonymous session, which carries
  a CSRF token and pending login states);
* POST/PUT/PATCH/DELETE need the session's CSRF token, in the ``csrf_token`` form field
  (``{{ csrf_field() }}`` in a template) or the ``X-CSRF-Token`` header (``console.js``
  sends it from ``<meta name="csrf-token">``; JSON APIs take the header only); a
  cross-origin ``Origin`` is refused too;
* ``roles``: not signed in → pages redirect to the login page (401 for APIs and for
  non-GET); signed in without one of the roles → 403 ("no access" page / JSON);
* the endpoint gets a :class:`Principal` whose corp comes from the session only. Query
  tenant data through :meth:`Principal.scoped` (or filter by ``who.corp`` yourself) and
  never take a corp id from the URL or a form;
* responses carry security headers (CSP without inline script, no framing, no-store).

Sessions: the cookie holds ``{sid, csrf, corp_id, userid, roles, exp, pending}``, signed
with HMAC-SHA256 under a key derived from ``SECRET_KEY`` (itsdangerous). A signed-in
session also has a record in the KV store (``web:<cookie>:session:<sid>``), so signing
out ends it on the server and a copied cookie stops working. :meth:`Web.sign_in`
rotates the session (new sid and CSRF token). Roles are re-read on every request
(:func:`effective_roles`): granting or revoking takes effect at once; the role set in
the cookie is what was true at sign-in. The console cookie is ``HttpOnly;
SameSite=Lax``; :func:`embedded` builds a :class:`Web` whose cookie is ``SameSite=None;
Secure`` for pages inside the WeCom client's webview (the sidebar).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

import jinja2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from wecom_app.protocol import jsonin
from wecom_app.protocol.digits import is_digits
from wecom_app.roles import effective_roles
from wecom_app.store.models import Corp, Employee

if TYPE_CHECKING:
    from wecom_app.services import Services

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PATH = "/console/static"

SIGNED_IN: tuple[str, ...] = ()
"""``roles=SIGNED_IN``: anyone signed in, with or without a role."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_FORM_BYTES = 512 * 1024  # the largest body a console form may send (a PEM is ~2 KB)

CONSOLE_COOKIE = "wecom_console"
CONSOLE_SESSION_S = 8 * 3600
ANONYMOUS_SESSION_S = 2 * 3600
PENDING_STATE_S = 600  # a login/install round trip through WeCom must finish within this

M = TypeVar("M", bound=Model)


# -- errors an endpoint may raise ------------------------------------------------------


class WebError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WebError):
    pass


class Unauthorized(WebError):
    status = 401
    code = "not_signed_in"


class Forbidden(WebError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf"


class NoRole(Forbidden):
    """Signed in, but without a role that opens this page."""

    code = "no_access"


class Unavailable(WebError):
    """WeCom (or another service we need) did not answer as needed; try again later."""

    status = 503
    code = "unavailable"


class NotFound(WebError):
    status = 404
    code = "not_found"


# -- templates -------------------------------------------------------------------------

_template_dirs: list[Path] = [TEMPLATE_DIR]
_env: jinja2.Environment | None = None

# Messages shown after a redirect (``?notice=key``): fixed texts, so a crafted link
# cannot put words on our page. Modules add their own keys at import time.
NOTICES: dict[str, str] = {
    "saved": "Saved.",
    "signed_out": "You are signed out.",
}


def add_template_dir(path: Path) -> None:
    """Let another package (e.g. the sidebar) keep its templates beside its code.

    Earlier directories win, so register before the first render.
    """
    global _env
    if path not in _template_dirs:
        _template_dirs.insert(0, path)
        _env = None


def templates() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in _template_dirs]),
            autoescape=True,
            # A misspelt variable is a bug, not an empty string on a page.
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _env.globals["static"] = static_url
    return _env


def static_url(path: str) -> str:
    return f"{STATIC_PATH}/{path}"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...]


# The console's navigation; other console modules append theirs (deduplicated by path).
NAV: list[NavItem] = []


def add_nav(label: str, path: str, roles: Sequence[str]) -> None:
    if all(item.path != path for item in NAV):
        NAV.append(NavItem(label, path, tuple(roles)))


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the page context every template may use:
    ``who`` (Principal or None), ``csrf_token``, ``csrf_field()``, ``nav``, ``notice``,
    ``path``, ``static()``."""
    who: Principal | None = getattr(request.state, "principal", None)
    session: Session | None = getattr(request.state, "session", None)
    token = session.csrf if session is not None else ""
    notice_key = request.query_params.get("notice", "")
    page: dict[str, Any] = {
        "request": request,
        "who": who,
        "csrf_token": token,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, token
        ),
        "nav": [i for i in NAV if who is not None and (not i.roles or who.roles & set(i.roles))],
        "notice": NOTICES.get(notice_key, ""),
        "path": request.url.path,
        "error": "",
    }
    page.update(context or {})
    body = templates().get_template(template).render(page)
    return HTMLResponse(body, status_code=status_code)


def redirect(path: str, *, notice: str = "", status_code: int = 303) -> RedirectResponse:
    """Redirect after a POST (303: the browser follows with GET)."""
    if notice:
        if notice not in NOTICES:
            raise KeyError(f"unknown notice {notice!r}; add it to web.NOTICES")
        path += ("&" if "?" in path else "?") + urlencode({"notice": notice})
    return RedirectResponse(path, status_code=status_code)


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or :class:`BadRequest`."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise BadRequest("send application/json")
    try:
        body = jsonin.loads_text(await request.body())
    except (jsonin.NotText, jsonin.TooDeep) as exc:
        raise BadRequest(str(exc)) from None
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def safe_next(value: str | None, default: str, prefixes: Sequence[str] = ("/console",)) -> str:
    """A same-site path to return to after sign-in (never another host: open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if not any(parts.path == p or parts.path.startswith(p.rstrip("/") + "/") for p in prefixes):
        return default
    return value


# -- sessions --------------------------------------------------------------------------


@dataclass
class Session:
    sid: str
    csrf: str
    exp: float
    corp_id: str = ""
    userid: str = ""
    roles: tuple[str, ...] = ()
    # purpose → {"nonce", "exp", ...data}: login/install round trips through WeCom
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return bool(self.corp_id and self.userid)

    def dump(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "csrf": self.csrf,
            "exp": self.exp,
            "corp_id": self.corp_id,
            "userid": self.userid,
            "roles": list(self.roles),
            "pending": self.pending,
        }

    @classmethod
    def load(cls, data: object) -> Session | None:
        if not isinstance(data, dict):
            return None
        try:
            pending = data.get("pending") or {}
            if not isinstance(pending, dict):
                return None
            return cls(
                sid=str(data["sid"]),
                csrf=str(data["csrf"]),
                exp=float(data["exp"]),
                corp_id=str(data.get("corp_id", "")),
                userid=str(data.get("userid", "")),
                roles=tuple(str(r) for r in data.get("roles", [])),
                pending={str(k): dict(v) for k, v in pending.items() if isinstance(v, dict)},
            )
        except (KeyError, TypeError, ValueError):
            return None


def _derive(secret_key: str, info: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"wecom-app/web", info=info.encode()
    ).derive(secret_key.encode())


@dataclass(frozen=True)
class Principal:
    """Who is asking: the session's tenant and member, with their current roles."""

    corp: Corp
    userid: str
    name: str
    roles: frozenset[str]
    session: Session

    @property
    def corp_id(self) -> str:
        return self.corp.corp_id

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def scoped(self, model: type[M]) -> QuerySet[M]:
        """``model``'s rows of this tenant only: every tenant query starts here.

        Works for models with a ``corp`` foreign key and for operational tables that
        carry the corp id string in ``corp_id`` (the callback inbox).
        """
        fields_map = model._meta.fields_map
        corp_field = fields_map.get("corp")
        if isinstance(corp_field, ForeignKeyFieldInstance | OneToOneFieldInstance):
            return model.filter(corp_id=self.corp.id)
        if "corp_id" in fields_map and "corp" not in fields_map:
            return model.filter(corp_id=self.corp.corp_id)
        raise TypeError(f"{model.__name__} has no tenant column")


Endpoint = Callable[[Request, Principal], Awaitable[Response]]
PublicEndpoint = Callable[[Request], Awaitable[Response]]


class Web:
    """Session, CSRF and guard machinery for one cookie (one family of pages).

    Stateless apart from configuration: any number of instances built from the same
    settings read each other's cookies, so every module may build its own.
    """

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
        self.services = services
        self.settings = services.settings
        self.cookie = cookie
        self.cookie_path = cookie_path
        self.embedded = embedded
        self.max_age_s = max_age_s
        self.login_path = login_path
        self.next_prefixes = tuple(next_prefixes)
        secret = self.settings.secret_key
        self._serializer = URLSafeSerializer(
            _derive(secret, "session-cookie"),
            salt=f"wecom-app.session.{cookie}",
            signer_kwargs={"digest_method": hashlib.sha256},
        )
        self._state_key = _derive(secret, f"login-state.{cookie}")
        self.secure = embedded or self.settings.public_url.startswith("https://")

    # -- time and storage --

    def now(self) -> float:
        return self.services.clock()

    def _record_key(self, sid: str) -> str:
        return f"web:{self.cookie}:session:{sid}"

    # -- the cookie --

    def _new_anonymous(self) -> Session:
        return Session(
            sid=secrets.token_urlsafe(18),
            csrf=secrets.token_urlsafe(24),
            exp=self.now() + ANONYMOUS_SESSION_S,
        )

    async def load(self, request: Request) -> Session:
        """The request's session (cached on the request); a fresh anonymous one when the
        cookie is missing, forged, expired or signed out on the server."""
        cached: Session | None = getattr(request.state, "session", None)
        if cached is not None:
            return cached
        session = await self._read(request.cookies.get(self.cookie, ""))
        if session is None:
            session = self._new_anonymous()
            request.state.session_dirty = True
        request.state.session = session
        return session

    async def _read(self, raw: str) -> Session | None:
        if not raw or len(raw) > 8192:
            return None
        try:
            data = self._serializer.loads(raw)
        except BadSignature:
            return None
        session = Session.load(data)
        if session is None or session.exp <= self.now():
            return None
        if session.signed_in:
            record = await self.services.kv_store.get(self._record_key(session.sid))
            if record is None:
                return None  # signed out (or expired) on the server
            try:
                owner = json.loads(record)
            except ValueError:
                return None
            if owner != {"corp_id": session.corp_id, "userid": session.userid}:
                return None
        return session

    def write_cookie(self, response: Response, session: Session) -> None:
        value = self._serializer.dumps(session.dump())
        max_age = max(0, int(session.exp - self.now()))
        response.set_cookie(
            self.cookie,
            value,
            max_age=max_age,
            path=self.cookie_path,
            secure=self.secure,
            httponly=True,
            samesite="none" if self.embedded else "lax",
        )

    def mark_dirty(self, request: Request) -> None:
        request.state.session_dirty = True

    async def sign_in(
        self, request: Request, corp_id: str, userid: str, roles: Iterable[str]
    ) -> Session:
        """Replace the request's session with a new signed-in one (new sid and CSRF
        token: a session id planted before sign-in is worth nothing after it)."""
        old = await self.load(request)
        if old.signed_in:
            await self.services.kv_store.delete(self._record_key(old.sid))
        session = Session(
            sid=secrets.token_urlsafe(18),
            csrf=secrets.token_urlsafe(24),
            exp=self.now() + self.max_age_s,
            corp_id=corp_id,
            userid=userid,
            roles=tuple(sorted(set(roles))),
        )
        owner = json.dumps({"corp_id": corp_id, "userid": userid})
        await self.services.kv_store.set(self._record_key(session.sid), owner, ttl=self.max_age_s)
        request.state.session = session
        request.state.principal = None
        request.state.principal_loaded = False
        request.state.session_dirty = True
        return session

    async def sign_out(self, request: Request) -> None:
        old = await self.load(request)
        if old.signed_in:
            await self.services.kv_store.delete(self._record_key(old.sid))
        request.state.session = self._new_anonymous()
        request.state.principal = None
        request.state.principal_loaded = True
        request.state.session_dirty = True

    # -- login state (the OAuth ``state``, bound to this browser's session) --

    def _state_mac(self, purpose: str, sid: str, nonce: str) -> str:
        message = f"{purpose}|{sid}|{nonce}".encode()
        return hmac.new(self._state_key, message, hashlib.sha256).hexdigest()[:32]

    async def new_state(self, request: Request, purpose: str, data: Mapping[str, str]) -> str:
        """A one-time ``state`` for a round trip through WeCom (login, install).

        Alphanumeric and 64 characters (WeCom carries back only ``a-zA-Z0-9`` ≤ 128):
        a nonce kept in this browser's session plus an HMAC binding it to the session.
        """
        session = await self.load(request)
        nonce = secrets.token_hex(16)
        session.pending[purpose] = {**data, "nonce": nonce, "exp": self.now() + PENDING_STATE_S}
        self.mark_dirty(request)
        return nonce + self._state_mac(purpose, session.sid, nonce)

    async def take_state(self, request: Request, purpose: str, state: str) -> dict[str, str]:
        """Check and consume a ``state``; raises :class:`Forbidden` for a forged, stale,
        replayed or foreign one (login CSRF)."""
        session = await self.load(request)
        pending = session.pending.pop(purpose, None)
        self.mark_dirty(request)
        if pending is None or len(state) != 64:
            raise Forbidden("This sign-in link is not from this browser. Start again.")
        nonce, mac = state[:32], state[32:]
        expected = self._state_mac(purpose, session.sid, nonce)
        if not (
            hmac.compare_digest(mac, expected)
            and hmac.compare_digest(str(pending.get("nonce", "")), nonce)
        ):
            raise Forbidden("This sign-in link is not from this browser. Start again.")
        if float(pending.get("exp", 0)) <= self.now():
            raise Forbidden("The sign-in took too long. Start again.")
        # Single use even if an older copy of the cookie is replayed with the same state.
        fresh = await self.services.kv_store.set_if_absent(
            f"web:{self.cookie}:state:{nonce}", "1", ttl=PENDING_STATE_S
        )
        if not fresh:
            raise Forbidden("This sign-in link was already used. Start again.")
        return {k: str(v) for k, v in pending.items() if k not in ("nonce", "exp")}

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

    def check_csrf(self, request: Request, session: Session, submitted: str) -> None:
        origin = request.headers.get("origin")
        if origin is not None and not self._same_origin(request, origin):
            raise CsrfFailed("cross-site request refused")
        if not submitted or not hmac.compare_digest(submitted, session.csrf):
            raise CsrfFailed("the form expired or did not come from this site; reload the page")

    def _same_origin(self, request: Request, origin: str) -> bool:
        allowed = {
            f"{request.url.scheme}://{request.url.netloc}",
            _origin(self.settings.public_url),
        }
        return origin.rstrip("/") in allowed

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
        if api:
            return json_response(
                {"error": error.code, "message": error.message}, status_code=error.status
            )
        if isinstance(error, Unauthorized) and request.method in SAFE_METHODS:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"{self.login_path}?{urlencode({'next': target})}", status_code=303
            )
        template = "no_access.html" if isinstance(error, NoRole) else "error.html"
        return render(
            request,
            template,
            {"status": error.status, "code": error.code, "message": error.message},
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def console(services: Services) -> Web:
    """The admin/compliance console's :class:`Web` (cookie ``wecom_console`` on
    ``/console``, ``SameSite=Lax``, 8-hour sessions)."""
    return Web(services)


def embedded(
    services: Services,
    *,
    cookie: str = "wecom_sidebar",
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


def static_mount() -> Mount:
    """``/console/static``: the hand-written CSS and JS (no build step, no CDN)."""
    return Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="console-static")


__all__ = [
    "NAV",
    "NOTICES",
    "SIGNED_IN",
    "BadRequest",
    "CsrfFailed",
    "Forbidden",
    "NoRole",
    "NotFound",
    "Principal",
    "Session",
    "Unauthorized",
    "Unavailable",
    "Web",
    "WebError",
    "add_nav",
    "add_template_dir",
    "console",
    "embedded",
    "json_body",
    "json_response",
    "redirect",
    "render",
    "require_role",
    "safe_next",
    "security_headers",
    "static_mount",
]
