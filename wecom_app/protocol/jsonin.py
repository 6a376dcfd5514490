"""JSON from outside (request bodies, WeCom's answers, decrypted archive messages).

``json.loads`` raises ``ValueError`` for text that is not JSON, but ``RecursionError``
for JSON nested deeper than the interpreter's stack allows (``[[[[…]]]]`` a few thousand
deep is 10 KB). Code that catches ``ValueError`` to answer "not JSON" let that one
through as a server error; the sidebar's fuzz test found it. :func:`loads` turns it into
the ``ValueError`` every caller already handles.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final


class TooDeep(ValueError):
    """JSON nested deeper than can be parsed."""


def loads(raw: str | bytes | bytearray) -> Any:
    """``json.loads``, with too-deep nesting raised as :class:`TooDeep` (a ``ValueError``)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise TooDeep("the JSON is nested too deeply") from None


class NotText(ValueError):
    """A JSON string holds what no text column takes: NUL or a lone surrogate."""


# What a request body must escape to smuggle those in: ``\u0000`` or ``\ud800``-``\udfff``.
_SUSPECT_ESCAPE: Final = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def loads_text(raw: bytes) -> Any:
    """:func:`loads` for request bodies whose strings are stored or sent on as text.

    JSON may escape NUL (``\\u0000``) and lone surrogates (``\\ud800``), but PostgreSQL
    refuses both in text, and UTF-8 cannot encode a lone surrogate (WeCom's API is UTF-8
    JSON), so a remark holding one would fail deep inside a write. Refused here, as
    :class:`NotText`, before anything is done with the body.
    """
    data = loads(raw)
    if _SUSPECT_ESCAPE.search(raw) and not _is_text(data):
        raise NotText("the JSON holds a NUL character or a lone surrogate")
    return data


def _is_text(value: Any) -> bool:
    if isinstance(value, str):
        return "\0" not in value and not _has_surrogate(value)
    if isinstance(value, dict):
        return all(_is_text(k) and _is_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_text(v) for v in value)
    return True


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
