"""Who is on the other end of a request, as the audit log records it.

The IP is the connection's peer as the ASGI server reports it (behind a proxy, run
uvicorn with ``--proxy-headers --forwarded-allow-ips`` so it is the browser's); the user
agent is cut to 200 characters.
"""

from __future__ import annotations

from starlette.requests import Request

Client = tuple[tuple[str, str], ...]


def client_of(request: Request) -> Client:
    ip = request.client.host if request.client is not None else ""
    return (("ip", ip), ("ua", request.headers.get("user-agent", "")[:200]))
