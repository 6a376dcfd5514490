"""Errors of WeCom's server API, one class per way a caller should react.

WeCom answers HTTP 200 with ``{"errcode": N, "errmsg": "..."}``; a non-zero ``errcode``
becomes the :class:`WeComError` subclass registered for it, so callers write
``except TokenInvalid`` instead of comparing numbers. Global error codes:
https://developer.work.weixin.qq.com/document/path/90313 ; call limits:
https://developer.work.weixin.qq.com/document/path/90454 . The wording of each code
below follows Doc 90313 (cross-checked against xen0n/go-workwx ``errcodes/mod.go``,
which is generated from that page). 47001 ("data format error") is an Official-Account
code that WeCom's table does not list; 48001 *is* listed there ("API功能未授权").

Messages never carry credentials: ``api_path`` is the path without its query string,
and the client redacts ``errmsg`` before it gets here (see :mod:`wecom_app.wecom.redact`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from wecom_app.wecom.redact import redact_text

# errcode → what it means for us, in plain words (for logs and the admin console).
EXPLANATIONS: dict[int, str] = {
    -1: "WeCom is busy or unreachable; retry later",
    40001: "invalid secret (corp secret or app secret is wrong)",
    40003: "invalid userid",
    40013: "invalid corpid",
    40014: "invalid access token (rejected early; fetch a new one)",
    40029: "invalid OAuth code (already used, expired, or from another app)",
    40056: "invalid agentid",
    40058: "invalid parameter (a field is missing, too long, or of the wrong type)",
    40068: "invalid tag id",
    40077: "invalid pre-auth code (unknown or expired): request a new install link",
    40078: "invalid auth code (used, expired or unknown: an auth code is single use)",
    40080: "invalid suite secret (see the suite's details in the provider admin)",
    40082: "invalid suite access token",
    40083: "invalid suite id",
    40084: "invalid permanent code (the corp cancelled the authorisation)",
    40085: "invalid suite ticket (use the newest pushed ticket)",
    40086: "invalid third-party app id",
    40093: "JS-SDK signature error",
    40096: "invalid external_userid",
    40097: "the handover member has not left the company",
    40098: "the member has not completed real-name verification",
    40099: "the member has reached the customer limit",
    40100: "this customer is already being transferred",
    40128: "this customer was transferred too often (at most 2 times in 90 days)",
    40129: "a transfer of this customer is in progress",
    40130: "handover and takeover member are the same",
    40131: "the handover member does not follow this customer",
    41001: "missing access token",
    41004: "missing secret",
    41008: "missing OAuth code",
    41025: "missing permanent code",
    42001: "access token expired",
    42007: "pre-auth code expired; request a new install link",
    42009: "suite access token expired",
    42012: "wrong ticket for wx.agentConfig (needs the app ticket, not the corp ticket)",
    45009: "API call limit exceeded (per corp per API per minute/hour); blocked for a while",
    45033: "too many concurrent calls",
    48001: "this API is not authorised for the app",
    48002: "the app has no permission to call this API",
    48004: "the authorisation is not valid (the corp never authorised the app or cancelled it)",
    48006: "the API permission was withdrawn (the corp left the app unused for long; "
    "an admin must enable it again)",
    50100: "invalid pagination cursor (start again from the first page)",
    60011: "no permission for this member, department or tag (outside the app's visible range)",
    60020: "our IP address is not in the app's trusted IP list",
    60111: "userid not found",
    60123: "invalid department id",
    81013: "every userid, department id and tag id is invalid or not visible to the app",
    84061: "no customer relationship between this member and this external contact",
    84074: "the app has no customer-contact (external contact) permission",
    90500: "the group owner has not left the company",
    90501: "this chat is not a customer group chat",
    90502: "the group owner has already left the company (use the resigned-owner transfer)",
    90507: "the handover of this group chat is already in progress",
    90508: "this group chat has already been handed over",
    301052: "the chat-archive service of this corp has expired",
    301053: "the chat-archive service is not enabled for this corp",
    301058: "the chat-archive request is too large: ask for fewer messages (a smaller limit)",
    301060: "too many members in one archive-consent request (at most 100)",
    701008: "no active interface licence (接口许可) for these members: the customer APIs "
    "refuse them until the corp activates their licence",
}


class WeComError(Exception):
    """WeCom answered with a non-zero ``errcode`` (or could not be reached)."""

    codes: ClassVar[frozenset[int]] = frozenset()

    def __init__(self, errcode: int, errmsg: str, api_path: str) -> None:
        self.errcode = errcode
        self.errmsg = redact_text(errmsg)
        # The path only: a query string could carry a token.
        self.api_path = api_path.split("?", 1)[0]
        super().__init__(self._message())

    @property
    def explanation(self) -> str:
        return explain(self.errcode)

    def _message(self) -> str:
        return f"{self.api_path}: errcode {self.errcode} ({self.explanation}): {self.errmsg}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(errcode={self.errcode!r}, errmsg={self.errmsg!r}, "
            f"api_path={self.api_path!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle their args; ours are built from fields (for worker processes).
        return (type(self), (self.errcode, self.errmsg, self.api_path))


class TokenInvalid(WeComError):
    """The token was rejected or expired early: drop it, fetch a new one, retry once."""

    codes = frozenset({40014, 41001, 42001, 42009, 40082})


class RateLimited(WeComError):
    """Over WeCom's call frequency limit (45009): not retried here.

    WeCom blocks the API for 60 s after a per-minute breach and 60 min after a per-hour
    one; ``retry_after_s`` is the shorter, so a scheduler retries no earlier than that.
    """

    codes = frozenset({45009})
    retry_after_s: ClassVar[float] = 60.0


class ConcurrencyLimited(RateLimited):
    """Too many calls at once (45033): back off briefly and retry."""

    codes = frozenset({45033})
    retry_after_s: ClassVar[float] = 1.0


class Busy(WeComError):
    """System busy (-1): retry with backoff."""

    codes = frozenset({-1})


class Unreachable(Busy):
    """No usable answer (connection failure, timeout, HTTP error, not JSON).

    Carries WeCom's own "busy, retry later" code -1, because that is how callers should
    treat it; ``errmsg`` says what actually happened. ``retry_safe`` is False when the
    request may have reached WeCom and is not a GET, so repeating it could apply twice.
    """

    def __init__(self, errcode: int, errmsg: str, api_path: str, *, retry_safe: bool) -> None:
        self.retry_safe = retry_safe
        super().__init__(errcode, errmsg, api_path)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_unreachable, (self.errcode, self.errmsg, self.api_path, self.retry_safe))


class AuthCancelled(WeComError):
    """The permanent code is no longer valid: the corp cancelled the authorisation."""

    codes = frozenset({40084})


class PermissionDenied(WeComError):
    """The app lacks the permission, visible range or trusted IP for this call."""

    codes = frozenset({48001, 48002, 48004, 48006, 60011, 60020, 84074})


class ArchiveUnavailable(PermissionDenied):
    """The corp's chat-archive service is not enabled (301053) or has expired (301052):
    an admin must enable or renew it; nothing is retried until then."""

    codes = frozenset({301052, 301053})


class Unlicensed(PermissionDenied):
    """701008: the members have no active interface licence (接口调用许可, Doc 95644).

    Third-party apps past the trial may call customer APIs only for licensed members;
    WeCom names the refused members in ``fail_info.unlicensed_userid_list``.
    """

    codes = frozenset({701008})

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        api_path: str,
        unlicensed_userids: tuple[str, ...] = (),
    ) -> None:
        self.unlicensed_userids = unlicensed_userids
        super().__init__(errcode, errmsg, api_path)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errcode, self.errmsg, self.api_path, self.unlicensed_userids))


class InvalidCursor(WeComError):
    """50100: the pagination cursor is not valid (restart from the first page)."""

    codes = frozenset({50100})


class InvalidCode(WeComError):
    """The OAuth code is invalid (used, expired, or issued to another app)."""

    codes = frozenset({40029})


class InvalidCredential(WeComError):
    """A configured credential (secret, corp id, suite id, suite ticket) is wrong."""

    codes = frozenset({40001, 40013, 40080, 40083, 40085, 40086, 41004})


class InvalidAuthCode(WeComError):
    """The pre-auth code (40077) or the install's auth code (40078) is not valid:
    start the install again (auth codes are single use and live 10 minutes)."""

    codes = frozenset({40077, 40078, 42007})


class SuiteTicketMissing(InvalidCredential):
    """No suite ticket has been pushed yet, so no suite token can be fetched."""

    def __init__(self, api_path: str) -> None:
        super().__init__(
            40085, "no suite_ticket received yet (WeCom pushes one every 10 minutes)", api_path
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.api_path,))


_CLASSES: tuple[type[WeComError], ...] = (
    TokenInvalid,
    RateLimited,
    ConcurrencyLimited,
    Busy,
    AuthCancelled,
    PermissionDenied,
    ArchiveUnavailable,
    Unlicensed,
    InvalidCursor,
    InvalidCode,
    InvalidCredential,
    InvalidAuthCode,
)
_BY_CODE: dict[int, type[WeComError]] = {code: cls for cls in _CLASSES for code in cls.codes}


def _rebuild_unreachable(errcode: int, errmsg: str, api_path: str, retry_safe: bool) -> Unreachable:
    return Unreachable(errcode, errmsg, api_path, retry_safe=retry_safe)


def explain(errcode: int) -> str:
    return EXPLANATIONS.get(errcode, "see https://developer.work.weixin.qq.com/document/path/90313")


def error_for(
    errcode: int, errmsg: str, api_path: str, data: Mapping[str, Any] | None = None
) -> WeComError:
    """The exception for a WeCom answer with a non-zero ``errcode`` (``data``: the
    whole answer, for the codes that carry details, such as 701008's ``fail_info``)."""
    if errcode in Unlicensed.codes:
        return Unlicensed(errcode, errmsg, api_path, _unlicensed(data))
    return _BY_CODE.get(errcode, WeComError)(errcode, errmsg, api_path)


def _unlicensed(data: Mapping[str, Any] | None) -> tuple[str, ...]:
    info = data.get("fail_info") if data else None
    ids = info.get("unlicensed_userid_list") if isinstance(info, Mapping) else None
    if not isinstance(ids, list):
        return ()
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i))
