"""Small HTTP helpers shared by the sidebar's endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sidebar.service import encode
from wecom_app.consoles.bodies import read_json_object

MAX_BODY = 64 * 1024
FORBIDDEN = {"error": "forbidden"}


class BadBody(ValueError):
    pass


# Every sidebar answer is private to one employee: never cached on the way.
PRIVATE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


_PRIVATE_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in PRIVATE.items()]


class PrivateJSON(Response):
    """JSON bytes with :data:`PRIVATE` headers, laid out once rather than per answer."""

    media_type = "application/json"

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode("latin-1")),
            (b"content-type", b"application/json"),
            *_PRIVATE_RAW,
        ]


def json_ok(data: Any, status: int = 200) -> Response:
    return json_bytes(encode(data), status)


def json_bytes(body: bytes, status: int = 200) -> Response:
    return PrivateJSON(body, status_code=status)


def error(code: str, message: str = "", status: int = 400) -> JSONResponse:
    body = {"error": code}
    if message:
        body["message"] = message
    return JSONResponse(body, status_code=status)


def forbidden() -> JSONResponse:
    """The one refusal for a customer or chat: the same whether it exists or not."""
    return JSONResponse(FORBIDDEN, status_code=403)


def no_store(response: Response) -> Response:
    if not isinstance(response, PrivateJSON) and "cache-control" not in response.headers:
        response.headers.update(PRIVATE)
    return response


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``), or :class:`BadBody`."""
    return await read_json_object(
        request,
        BadBody,
        max_bytes=MAX_BODY,
        empty_is_object=True,
        not_object="the body must be a JSON object",
    )
