"""Admin and compliance consoles: server-rendered pages (Jinja2) and their JSON APIs.

Each console module exposes ``routes(services) -> list[BaseRoute]``; the app mounts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from wecom_app.services import Services


def routes(services: Services) -> list[BaseRoute]:
    from wecom_app.consoles import admin, compliance, transfers

    collected: list[BaseRoute] = []
    for module in (admin, compliance, transfers):
        collected.extend(module.routes(services))
    # Compliance staff are told "the compliance console"; the short path people type
    # (and older links) lead to it rather than to a 404.
    collected += [
        Route("/compliance", _to_compliance_console),
        Route("/compliance/", _to_compliance_console),
    ]
    return collected


async def _to_compliance_console(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse("/console/compliance/" + (f"?{query}" if query else ""), 308)
