"""Signed cookies and tokens: the primitives the console sessions (:mod:`.session`) and
the sidebar's sessions (:mod:`sidebar.session`) are both built from.

* :func:`derive_key` — per-purpose keys from ``SECRET_KEY`` (a signature made for one
  cookie is worth nothing for another);
* :func:`new_token` / :func:`csrf_matches` — random tokens and their constant-time check;
* :func:`cookie_value` / :func:`set_cookie` — reading one cookie without parsing every
  header, and writing ours always ``HttpOnly`` (``SameSite=None`` for pages in the WeCom
  client's webview, ``Lax`` otherwise);
* :class:`SignedTokens` — compact timestamped HMAC tokens, remembered once verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request, cookie_parser
from starlette.responses import Response

# Verified tokens remembered per process (a cookie is re-sent with every request); the
# memory is dropped whole when full.
VERIFIED_KEPT = 10_000

T = TypeVar("T")


def derive_key(secret_key: str, info: str) -> bytes:
    """A 32-byte key for one purpose (HKDF-SHA256 over ``SECRET_KEY``)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"wecom-app/web", info=info.encode()
    ).derive(secret_key.encode())


def new_token(nbytes: int) -> str:
    """A random URL-safe token (session ids, CSRF tokens)."""
    return secrets.token_urlsafe(nbytes)


def csrf_matches(expected: str, presented: str | None) -> bool:
    """Whether the presented CSRF token is the session's (constant time)."""
    return bool(presented) and hmac.compare_digest(expected, presented or "")


def cookie_value(request: Request, name: str) -> str | None:
    """``request.cookies.get(name)``, without building the request's headers and every
    cookie on every API call: only ``Cookie`` headers naming ours are parsed (each as
    Starlette does; a later one wins, as there)."""
    found = None
    for header, value in request.scope["headers"]:
        if header == b"cookie":
            text = value.decode("latin-1")
            if name in text:
                found = cookie_parser(text).get(name, found)
    return found


def set_cookie(
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int,
    path: str,
    secure: bool,
    cross_site: bool,
) -> None:
    """Write one of our cookies: always ``HttpOnly``; ``SameSite=None`` where the page
    lives inside the WeCom client's webview (a third-party context there), else ``Lax``."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=secure,
        httponly=True,
        samesite="none" if cross_site else "lax",
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignedTokens(Generic[T]):
    """``payload.issued.mac`` tokens: a JSON object, its issue time, an HMAC-SHA256.

    ``parse`` turns a verified payload into the caller's value (``None``: refuse it);
    the value, not the payload, is what is remembered.

    Read on every sidebar API request, so it is one HMAC with a key derived once (no
    per-call key derivation as in itsdangerous' serializers), and a token verified
    before is remembered (:data:`VERIFIED_KEPT` of them): the same bytes carry the same
    signature, so only its age is checked again.
    """

    def __init__(
        self,
        key: bytes,
        parse: Callable[[dict[str, Any]], T | None],
        *,
        max_age_s: Callable[[], int],
        clock: Callable[[], float],
    ) -> None:
        self._key = key
        self._parse = parse
        self._max_age_s = max_age_s
        self._clock = clock
        self._verified: dict[str, tuple[T, int]] = {}

    def sign(self, payload: Mapping[str, Any]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        body += "." + format(int(self._clock()), "x")
        return body + "." + self._mac(body)

    def verify(self, raw: str, max_len: int = 2048) -> T | None:
        """The parsed payload of a token we signed that has not expired, else ``None``."""
        known = self._verified.get(raw)
        if known is not None:
            value, issued = known
            return value if self._fresh(issued) else None
        if len(raw) > max_len:
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
        parsed = self._parse(data)
        if parsed is None:
            return None
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()
        self._verified[raw] = (parsed, issued)
        return parsed

    def _fresh(self, issued: int) -> bool:
        return -60 <= self._clock() - issued <= self._max_age_s()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
