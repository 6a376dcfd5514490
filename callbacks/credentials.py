"""Credentials inside suite command callbacks, sealed before they reach the inbox.

The inbox keeps each callback's decrypted payload (replay, events without a handler
yet), but a ``suite_ticket`` carries the suite ticket and ``create_auth`` /
``reset_permanent_code`` an auth code: a database dump must show neither. The receiver
seals those values in place (AES-GCM with ``SECRET_KEY``, see
:mod:`wecom_app.secretbox`) before the row is written; the handlers open them again.
The dedup key is computed from the document as WeCom sent it, so retries still match.
Only suite-URL callbacks carry these (a few an hour), so the hot path is untouched.
"""

from __future__ import annotations

import re

from wecom_app.secretbox import SecretBox, SecretBoxError

# Element of a command document -> the purpose its value is sealed under.
SEALED_FIELDS = {
    "suite_ticket": ("SuiteTicket", "inbox.suite_ticket"),
    "create_auth": ("AuthCode", "inbox.auth_code"),
    "reset_permanent_code": ("AuthCode", "inbox.auth_code"),
}


def seal_payload(payload: str, info_type: str, box: SecretBox) -> str:
    """``payload`` with its credential element's text sealed (unchanged if it has none)."""
    spec = SEALED_FIELDS.get(info_type)
    if spec is None:
        return payload
    tag, purpose = spec
    pattern = re.compile(rf"<{tag}>(.*?)</{tag}>", re.S)
    match = pattern.search(payload)
    if match is None:
        return payload
    raw = match.group(1)
    cdata = re.fullmatch(r"\s*<!\[CDATA\[(.*)\]\]>\s*", raw, re.S)
    value = cdata.group(1) if cdata else _unescape(raw.strip())
    if not value:
        return payload
    sealed = box.seal(value, purpose)
    return payload[: match.start(1)] + sealed + payload[match.end(1) :]


def open_value(value: str, info_type: str, box: SecretBox) -> str:
    """The credential as WeCom sent it; a value stored before sealing began is kept."""
    spec = SEALED_FIELDS.get(info_type)
    if spec is None or not value.startswith("v1:"):
        return value
    try:
        return box.open(value, spec[1])
    except SecretBoxError:
        return value


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
