"""Signed sidebar sessions: who is looking (tenant + employee), and the CSRF token.

A session is the tuple (corp, userid) that WeCom's OAuth vouched for, signed with a key
derived from ``SECRET_KEY`` (HMAC-SHA256) and timestamped; nothing else
about the employee is trusted from the cookie — what they may see is decided per
request from the store. Each session carries a random CSRF token; the page gets it in
its HTML and sends it back in ``X-CSRF-Token`` with every change, which a cross-site
form (the cookie being ``SameSite=None`` inside WeCom) cannot do.

A thin adapter over the one session implementation (:mod:`wecom_app.consoles.cookies`,
shared with the consoles): the token codec, the CSRF check, reading and writing
cookies are those; this module keeps the sidebar's own cookie names and call surface.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from sidebar.config import SidebarConfig
from wecom_app.consoles.cookies import (
    SignedTokens,
    cookie_value,
    csrf_matches,
    new_token,
    set_cookie,
)

SESSION_COOKIE = "wecom_sidebar"
OAUTH_COOKIE = "wecom_sidebar_oauth"
OAUTH_STATE_SECONDS = 600
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    corp_pk: int  # corps.id
    corp_id: str  # WeCom's corp id
    userid: str
    csrf: str
    sid: str = ""  # the server-side handle logout ends (:mod:`sidebar.standing`)

    def csrf_ok(self, presented: str | None) -> bool:
        return csrf_matches(self.csrf, presented)


@dataclass(frozen=True)
class OAuthState:
    state: str
    next: str
    appid: str
    corp_id: str
    preview_as: str = ""


def session_cookie(request: Request) -> str | None:
    """``request.cookies.get(SESSION_COOKIE)``, parsing only ``Cookie`` headers naming it."""
    return cookie_value(request, SESSION_COOKIE)


def _session_of(data: dict[str, Any]) -> Session | None:
    try:
        return Session(
            int(data["c"]), str(data["i"]), str(data["u"]), str(data["x"]), str(data["s"])
        )
    except (KeyError, TypeError, ValueError):
        return None


class Sessions:
    def __init__(
        self, secret_key: str, config: SidebarConfig, clock: Callable[[], float] = time.time
    ) -> None:
        # A key of our own: a session signature is useless anywhere else, and vice versa.
        key = hmac.new(secret_key.encode(), b"wecom-app/sidebar/v1", hashlib.sha256).digest()
        kwargs: dict[str, Any] = {"digest_method": hashlib.sha256}
        self._states = URLSafeTimedSerializer(key, salt="oauth-state", signer_kwargs=kwargs)
        self.config = config
        self._tokens = SignedTokens(
            hmac.new(key, b"session", hashlib.sha256).digest(),
            _session_of,
            max_age_s=lambda: self.config.session_seconds,
            clock=clock,
        )

    # -- sessions --------------------------------------------------------------------

    def issue(self, corp_pk: int, corp_id: str, userid: str) -> tuple[Session, str]:
        session = Session(corp_pk, corp_id, userid, new_token(18), new_token(12))
        token = self._tokens.sign(
            {"c": corp_pk, "i": corp_id, "u": userid, "x": session.csrf, "s": session.sid}
        )
        return session, token

    def read(self, request: Request) -> Session | None:
        raw = session_cookie(request)
        if not raw:
            return None
        return self.decode(raw)

    def decode(self, raw: str) -> Session | None:
        """The session in a cookie value, if we signed it and it has not expired (one
        HMAC, remembered once verified: :class:`SignedTokens`)."""
        return self._tokens.verify(raw)

    def set_session(self, response: Response, token: str) -> None:
        self._set(response, SESSION_COOKIE, token, self.config.session_seconds)

    def clear_session(self, response: Response) -> None:
        self._set(response, SESSION_COOKIE, "", 0)

    # -- the OAuth round trip -----------------------------------------------------------

    @staticmethod
    def new_state() -> str:
        """A fresh ``state``: a-zA-Z0-9 only, as WeCom requires (Doc 91022)."""
        return secrets.token_hex(16)

    def state_cookie(self, response: Response, state: OAuthState) -> None:
        value = self._states.dumps(
            {
                "s": state.state,
                "n": state.next,
                "a": state.appid,
                "c": state.corp_id,
                "p": state.preview_as,
            }
        )
        self._set(response, OAUTH_COOKIE, value, OAUTH_STATE_SECONDS)

    def read_state(self, request: Request, presented: str) -> OAuthState | None:
        """The pending sign-in whose ``state`` WeCom handed back, if it is ours and fresh."""
        raw = request.cookies.get(OAUTH_COOKIE)
        if not raw or not presented:
            return None
        try:
            data = self._states.loads(raw, max_age=OAUTH_STATE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not hmac.compare_digest(str(data.get("s")), presented):
            return None
        return OAuthState(
            str(data["s"]), str(data["n"]), str(data["a"]), str(data["c"]), str(data.get("p", ""))
        )

    def clear_state(self, response: Response) -> None:
        self._set(response, OAUTH_COOKIE, "", 0)

    def _set(self, response: Response, name: str, value: str, max_age: int) -> None:
        # See sidebar.config: SameSite=None needs Secure, which needs https.
        secure = self.config.secure_cookies
        set_cookie(
            response, name, value, max_age=max_age, path="/", secure=secure, cross_site=secure
        )
