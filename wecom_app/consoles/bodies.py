"""Reading a JSON request body: the one parser the consoles and the sidebar share.

Both faces want the same thing — a JSON *object*, decoded by :mod:`protocol.jsonin`
(text only, bounded depth) — and differ only in what they tolerate (an empty body, the
content type, a size cap) and in the error they raise, which the caller names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from wecom_app.consoles.errors import BadRequest
from wecom_app.protocol import jsonin


async def read_json_object(
    request: Request,
    error: Callable[[str], Exception],
    *,
    max_bytes: int | None = None,
    require_json_type: bool = False,
    empty_is_object: bool = False,
    not_object: str = "send a JSON object",
) -> dict[str, Any]:
    """The request's body as a JSON object, or ``error(message)`` raised."""
    if require_json_type:
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            raise error("send application/json")
    body = await request.body()
    if max_bytes is not None and len(body) > max_bytes:
        raise error("the request is too large")
    if not body and empty_is_object:
        body = b"{}"
    try:
        data = jsonin.loads_text(body)
    except (jsonin.NotText, jsonin.TooDeep) as exc:
        raise error(str(exc)) from None
    except ValueError:
        raise error("the body is not JSON") from None
    if not isinstance(data, dict):
        raise error(not_object)
    return data


async def json_body(request: Request) -> dict[str, Any]:
    """A console API's JSON object (``application/json`` only), or :class:`BadRequest`.

    The size cap is the route wrapper's (``Content-Length`` checked before the handler).
    """
    return await read_json_object(request, BadRequest, require_json_type=True)
