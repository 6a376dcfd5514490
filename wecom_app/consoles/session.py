"""Sessions and CSRF: the one implementation behind the consoles and the sidebar.

Both are built from the primitives in :mod:`.cookies` (key derivation, tokens, the
CSRF check, reading and writing cookies, :class:`~.cookies.SignedTokens` for the
sidebar's per-request session cookie).

* :class:`CookieSessions` — the console's sessions: the cookie holds ``{sid, csrf,
  corp_id, userid, roles, exp, pending}`` signed with HMAC-SHA256 (itsdangerous); a
  signed-in session also has a record in the KV store (``web:<cookie>:session:<sid>``),
  so signing out ends it on the server and a copied cookie stops working.
  :meth:`CookieSessions.sign_in` rotates the session (new sid and CSRF token). It also
  keeps the one-time ``state`` of a login/install round trip through WeCom.

Each face has its own cookie name: ``wecom_console`` (console), ``wecom_sidebar_pages``
(console-style pages embedded in the WeCom client), ``wecom_sidebar`` and
``wecom_sidebar_oauth`` (the sidebar's API session and OAuth round trip,
:mod:`sidebar.session`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from wecom_app.consoles.cookies import (
    cookie_value,
    csrf_matches,
    derive_key,
    new_token,
    set_cookie,
)
from wecom_app.consoles.errors import CsrfFailed, Forbidden

if TYPE_CHECKING:
    from wecom_app.services import Services

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

CONSOLE_COOKIE = "wecom_console"
EMBEDDED_COOKIE = "wecom_sidebar_pages"
CONSOLE_SESSION_S = 8 * 3600
ANONYMOUS_SESSION_S = 2 * 3600
PENDING_STATE_S = 600  # a login/install round trip through WeCom must finish within this


# -- the console's sessions ------------------------------------------------------------


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


class CookieSessions:
    """Signed cookie sessions with a server-side record, CSRF and login states, for one
    cookie (one family of pages).

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
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.cookie = cookie
        self.cookie_path = cookie_path
        self.embedded = embedded
        self.max_age_s = max_age_s
        secret = self.settings.secret_key
        self._serializer = URLSafeSerializer(
            derive_key(secret, "session-cookie"),
            salt=f"wecom-app.session.{cookie}",
            signer_kwargs={"digest_method": hashlib.sha256},
        )
        self._state_key = derive_key(secret, f"login-state.{cookie}")
        self.secure = embedded or self.settings.public_url.startswith("https://")

    # -- time and storage --

    def now(self) -> float:
        return self.services.clock()

    def _record_key(self, sid: str) -> str:
        return f"web:{self.cookie}:session:{sid}"

    # -- the cookie --

    def _new_anonymous(self) -> Session:
        return Session(
            sid=new_token(18),
            csrf=new_token(24),
            exp=self.now() + ANONYMOUS_SESSION_S,
        )

    async def load(self, request: Request) -> Session:
        """The request's session (cached on the request); a fresh anonymous one when the
        cookie is missing, forged, expired or signed out on the server."""
        cached: Session | None = getattr(request.state, "session", None)
        if cached is not None:
            return cached
        session = await self._read(cookie_value(request, self.cookie) or "")
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
        set_cookie(
            response,
            self.cookie,
            value,
            max_age=max_age,
            path=self.cookie_path,
            secure=self.secure,
            cross_site=self.embedded,
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
            sid=new_token(18),
            csrf=new_token(24),
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

    def check_csrf(self, request: Request, session: Session, submitted: str) -> None:
        origin = request.headers.get("origin")
        if origin is not None and not self._same_origin(request, origin):
            raise CsrfFailed("cross-site request refused")
        if not csrf_matches(session.csrf, submitted):
            raise CsrfFailed("the form expired or did not come from this site; reload the page")

    def _same_origin(self, request: Request, origin: str) -> bool:
        allowed = {
            f"{request.url.scheme}://{request.url.netloc}",
            _origin(self.settings.public_url),
        }
        return origin.rstrip("/") in allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
