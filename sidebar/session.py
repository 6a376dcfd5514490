"""Signed sidebar sessions: who is looking (tenant + employee), and the CSRF token.

A session is the tuple (corp, userid) that WeCom's OAuth vouched for, signed with a key
derived from ``SECRET_KEY`` (HMAC-SHA256) and timestamped; nothing else
about the employee is trusted from the cookie — what they may see is decided per
request from the store. Each session carries a random CSRF token; the page gets it in
its HTML and sends it back in ``X-CSRF-Token`` with every change, which a cross-site
form (the cookie being ``SameSite=None`` inside WeCom) cannot do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request, cookie_parser
from starlette.responses import Response

from sidebar.config import SidebarConfig

SESSION_COOKIE = "wecom_sidebar"
OAUTH_COOKIE = "wecom_sidebar_oauth"
OAUTH_STATE_SECONDS = 600
CSRF_HEADER = "x-csrf-token"
# Verified session cookies remembered per process (an employee's cookie is re-sent with
# every request); the memory is dropped whole when full.
VERIFIED_KEPT = 10_000


@dataclass(frozen=True)
class Session:
    corp_pk: int  # corps.id
    corp_id: str  # WeCom's corp id
    userid: str
    csrf: str

    def csrf_ok(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf, presented)


@dataclass(frozen=True)
class OAuthState:
    state: str
    next: str
    appid: str
    corp_id: str
    preview_as: str = ""


def session_cookie(request: Request) -> str | None:
    """``request.cookies.get(SESSION_COOKIE)``, without building the request's headers
    and every cookie on every API call: only ``Cookie`` headers naming ours are parsed
    (each as Starlette does; a later one wins, as there)."""
    found = None
    for name, value in request.scope["headers"]:
        if name == b"cookie":
            text = value.decode("latin-1")
            if SESSION_COOKIE in text:
                found = cookie_parser(text).get(SESSION_COOKIE, found)
    return found


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(
        self, secret_key: str, config: SidebarConfig, clock: Callable[[], float] = time.time
    ) -> None:
        # A key of our own: a session signature is useless anywhere else, and vice versa.
        key = hmac.new(secret_key.encode(), b"wecom-app/sidebar/v1", hashlib.sha256).digest()
        kwargs: dict[str, Any] = {"digest_method": hashlib.sha256}
        self._session_key = hmac.new(key, b"session", hashlib.sha256).digest()
        self._states = URLSafeTimedSerializer(key, salt="oauth-state", signer_kwargs=kwargs)
        self.config = config
        self._clock = clock
        # Cookie values whose signature checked out: value -> (session, issued at).
        self._verified: dict[str, tuple[Session, int]] = {}

    # -- sessions --------------------------------------------------------------------

    def issue(self, corp_pk: int, corp_id: str, userid: str) -> tuple[Session, str]:
        session = Session(corp_pk, corp_id, userid, secrets.token_urlsafe(18))
        payload = json.dumps(
            {"c": corp_pk, "i": corp_id, "u": userid, "x": session.csrf}, separators=(",", ":")
        ).encode()
        body = _b64(payload) + "." + format(int(self._clock()), "x")
        return session, body + "." + self._mac(body)

    def read(self, request: Request) -> Session | None:
        raw = session_cookie(request)
        if not raw:
            return None
        return self.decode(raw)

    def decode(self, raw: str) -> Session | None:
        """The session in a cookie value, if we signed it and it has not expired.

        Read on every API request, so it is one HMAC with a key derived once (no
        per-call key derivation as in itsdangerous' serializers), and a cookie value
        verified before is remembered (:data:`VERIFIED_KEPT` of them): the same bytes
        carry the same signature, so only its age is checked again.
        """
        known = self._verified.get(raw)
        if known is not None:
            session, issued = known
            return session if self._fresh(issued) else None
        if len(raw) > 2048:
            return None
        body, _, mac = raw.rpartition(".")
        if not body or not hmac.compare_digest(self._mac(body), mac):
            return None
        encoded, _, issued_hex = body.partition(".")
        try:
            issued = int(issued_hex, 16)
            data = json.loads(_unb64(encoded))
        except (ValueError, binascii.Error):
            return None
        if not self._fresh(issued) or not isinstance(data, dict):
            return None
        try:
            session = Session(int(data["c"]), str(data["i"]), str(data["u"]), str(data["x"]))
        except (KeyError, TypeError, ValueError):
            return None
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()
        self._verified[raw] = (session, issued)
        return session

    def _fresh(self, issued: int) -> bool:
        return -60 <= self._clock() - issued <= self.config.session_seconds

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._session_key, body.encode(), hashlib.sha256).digest()
        return _b64(digest)

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
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.config.secure_cookies,
            samesite="none" if self.config.secure_cookies else "lax",
        )
