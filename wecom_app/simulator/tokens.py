"""Access tokens and suite tokens on the simulator clock.

WeCom facts kept here (wecom-protocol.md §2, §8; Doc 91039):

* a token lives 7200 s; fetching again while it is valid returns the *same* token
  (``expires_in`` is then what is left of it ❓ — WeCom's pages only promise "the same
  result");
* an expired token is answered with 42001 (suite tokens: 42009), an unknown one with
  40014 (suite: 40082), a missing one with 41001 (suite: 41022);
* WeCom may invalidate a token early; :meth:`TokenStore.invalidate` does that, and the
  next fetch issues a new token.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

TOKEN_TTL_S = 7200

# A corp has one access token per secret: its app's (``app=""``) and, when the chat
# archive is enabled, the archive secret's (会话内容存档 → Secret), which is the only
# token the msgaudit APIs accept (Doc 91614: "企业需要使用会话内容存档应用secret所获取的
# accesstoken来调用").
ARCHIVE_APP = "msgaudit"


class TokenKind(Enum):
    ACCESS = "access_token"  # corp token: self-built gettoken or third-party get_corp_token
    SUITE = "suite_access_token"


# (missing, unknown, expired) per kind
_ERRCODES: dict[TokenKind, tuple[int, int, int]] = {
    TokenKind.ACCESS: (41001, 40014, 42001),
    TokenKind.SUITE: (41022, 40082, 42009),
}


class TokenRejected(Exception):
    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


@dataclass
class IssuedToken:
    value: str
    kind: TokenKind
    corp_id: str  # "" for suite tokens
    suite_id: str  # "" for a self-built app's token
    expires_at: float
    app: str = ""  # which secret of the corp: "" its app's, ARCHIVE_APP the archive's
    revoked_errcode: int = 0  # set when WeCom invalidated it early

    @property
    def third_party(self) -> bool:
        """A corp token obtained through a suite (get_corp_token)."""
        return self.kind is TokenKind.ACCESS and bool(self.suite_id)


_ALPHABET = string.ascii_letters + string.digits + "-_"


class TokenStore:
    def __init__(self, clock: Callable[[], float], rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._by_value: dict[str, IssuedToken] = {}
        self._current: dict[tuple[TokenKind, str, str, str], IssuedToken] = {}

    def issue(
        self, kind: TokenKind, *, corp_id: str = "", suite_id: str = "", app: str = ""
    ) -> IssuedToken:
        """The current token for this holder, or a new one if it expired or was revoked."""
        key = (kind, corp_id, suite_id, app)
        current = self._current.get(key)
        if current is not None and self._usable(current):
            return current
        value = "".join(self._rng.choice(_ALPHABET) for _ in range(86))
        token = IssuedToken(
            value=value,
            kind=kind,
            corp_id=corp_id,
            suite_id=suite_id,
            expires_at=self._clock() + TOKEN_TTL_S,
            app=app,
        )
        self._by_value[value] = token
        self._current[key] = token
        return token

    def expires_in(self, token: IssuedToken) -> int:
        return max(0, int(token.expires_at - self._clock()))

    def check(self, kind: TokenKind, value: str | None) -> IssuedToken:
        """The token behind ``value``; raises :class:`TokenRejected` with WeCom's errcode."""
        missing, unknown, expired = _ERRCODES[kind]
        if not value:
            raise TokenRejected(missing)
        token = self._by_value.get(value)
        if token is None or token.kind is not kind:
            raise TokenRejected(unknown)
        if token.revoked_errcode:
            raise TokenRejected(token.revoked_errcode)
        if token.expires_at <= self._clock():
            raise TokenRejected(expired)
        return token

    def invalidate(
        self,
        value: str | None = None,
        *,
        corp_id: str | None = None,
        suite_id: str | None = None,
        errcode: int = 40014,
    ) -> int:
        """Revoke one token, or every live token of a corp and/or suite; returns how many."""
        revoked = 0
        for token in self._current.values():
            if not self._usable(token):
                continue
            if value is not None and token.value != value:
                continue
            if corp_id is not None and token.corp_id != corp_id:
                continue
            if suite_id is not None and token.suite_id != suite_id:
                continue
            if value is None and corp_id is None and suite_id is None:
                continue  # refuse to revoke everything by accident
            token.revoked_errcode = errcode
            revoked += 1
        return revoked

    def _usable(self, token: IssuedToken) -> bool:
        return not token.revoked_errcode and token.expires_at > self._clock()
