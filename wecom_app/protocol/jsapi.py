"""JS-SDK signatures for ``wx.config`` and ``wx.agentConfig`` (wecom-protocol.md §7).

``signature = sha1("jsapi_ticket=T&noncestr=N&timestamp=TS&url=U")`` where ``U`` is the
page's full URL without the ``#fragment``. ``wx.config`` signs with the corp's ticket
(``get_jsapi_ticket``), ``wx.agentConfig`` with the app's (``ticket/get?type=agent_config``);
the formula is the same. Sans-I/O: the caller supplies the ticket, the clock's reading
and the nonce, so tests can check the official vector exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

_NONCE_ALPHABET = string.ascii_letters + string.digits


def page_url(url: str) -> str:
    """The URL as WeCom signs it: everything before the first ``#``."""
    return url.split("#", 1)[0]


def signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """The hex SHA-1 that ``wx.config``/``wx.agentConfig`` carry as ``signature``.

    The keys are in ASCII order and the values are used raw (not URL-encoded), exactly
    as the JS-SDK documentation's example spells them.
    """
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page_url(url)}"
    return hashlib.sha1(plain.encode()).hexdigest()  # noqa: S324 - WeCom's algorithm


def verify(ticket: str, noncestr: str, timestamp: int | str, url: str, claimed: str) -> bool:
    """Whether ``claimed`` is the signature WeCom would compute (constant-time compare)."""
    return hmac.compare_digest(signature(ticket, noncestr, timestamp, url), claimed.lower())


def new_nonce(length: int = 16) -> str:
    """A random ``nonceStr`` (letters and digits; WeCom allows up to 32 characters)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class SignedPage:
    """The signing inputs and result for one page URL."""

    url: str
    noncestr: str
    timestamp: int
    signature: str


def sign_page(ticket: str, url: str, *, timestamp: int, noncestr: str | None = None) -> SignedPage:
    nonce = noncestr if noncestr is not None else new_nonce()
    bare = page_url(url)
    return SignedPage(bare, nonce, timestamp, signature(ticket, nonce, timestamp, bare))
