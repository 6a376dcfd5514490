"""Keep credentials out of logs, exception messages and reprs.

WeCom puts tokens in the query string (``?access_token=...``) and secrets in request
bodies, so any URL, error text or log line we build passes through here first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

REDACTED = "***"

# Parameter and body fields whose values are credentials (or single-use codes that can
# be exchanged for credentials) anywhere in WeCom's APIs.
SENSITIVE_KEYS = frozenset(
    {
        "access_token",
        "suite_access_token",
        "provider_access_token",
        "corpsecret",
        "secret",
        "suite_secret",
        "provider_secret",
        "suite_ticket",
        "permanent_code",
        "auth_code",
        "pre_auth_code",
        "code",
        "ticket",
        "jsapi_ticket",
        "user_ticket",
    }
)

_KEY_VALUE = re.compile(
    r"(?P<key>\b(?:" + "|".join(sorted(SENSITIVE_KEYS, key=len, reverse=True)) + r"))"
    r"(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',}]+)"
)


def redact_url(url: str) -> str:
    """The URL with the value of every sensitive query parameter replaced."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (key, REDACTED if key in SENSITIVE_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secret values and without ``key=value`` credentials."""
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _KEY_VALUE.sub(lambda m: m.group("key") + m.group("sep") + REDACTED, text)


def sensitive_values(*sources: Mapping[str, object] | None) -> list[str]:
    """The string values of sensitive fields in request params or a JSON body."""
    found: list[str] = []
    for source in sources:
        if not source:
            continue
        for key, value in source.items():
            if key in SENSITIVE_KEYS and isinstance(value, str) and value:
                found.append(value)
    return found


class RedactHttpxUrls(logging.Filter):
    """httpx logs every request URL at INFO; with WeCom that URL carries the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(str(arg)) if _looks_like_url(arg) else arg for arg in record.args
            )
        return True


def _looks_like_url(value: object) -> bool:
    return isinstance(value, httpx.URL) or (isinstance(value, str) and "://" in value)


def install_httpx_log_filter() -> None:
    """Attach :class:`RedactHttpxUrls` to the ``httpx`` logger once per process."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactHttpxUrls) for f in logger.filters):
        logger.addFilter(RedactHttpxUrls())
