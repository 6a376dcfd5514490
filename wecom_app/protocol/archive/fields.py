"""Reading WeCom's archive JSON: the object type and integers sent either way."""

from __future__ import annotations

from typing import Any

from wecom_app.protocol.digits import is_digits

JsonObject = dict[str, Any]


def as_int(value: object) -> int | None:
    """An integer WeCom may send as a JSON number or a decimal string; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value.strip()):
        return int(value)
    return None
