"""Reading WeCom's JSON leniently into typed values.

Fields come and go by app type (third-party apps get no ``gender`` or ``unionid``) and
by API version, and numbers sometimes arrive as strings. A missing or malformed field
becomes the type's empty value instead of an exception; the untouched answer stays in
each result's ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSONObject = dict[str, Any]


def text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return ""


def integer(obj: Mapping[str, Any], key: str) -> int:
    return _to_int(obj.get(key))


def flag(obj: Mapping[str, Any], key: str) -> bool:
    value = obj.get(key)
    if isinstance(value, str):
        return value.lower() in ("1", "true")
    return bool(value)


def mapping(obj: Mapping[str, Any], key: str) -> JSONObject:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def mappings(obj: Mapping[str, Any], key: str) -> list[JSONObject]:
    value = obj.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def texts(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value if isinstance(item, str | int) and item != "")


def integers(obj: Mapping[str, Any], key: str) -> tuple[int, ...]:
    value = obj.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(_to_int(item) for item in value)


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0
