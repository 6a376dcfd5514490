"""Admin and compliance consoles: server-rendered pages (Jinja2) and their JSON APIs.

Handlers are plain module-level functions grouped by page (``admin/roles.py``,
``compliance/search.py`` …); each page module ends with one ``routes(site)`` list, and
:func:`routes` below mounts them all. :mod:`.web` is the facade page modules import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from wecom_app.services import Services


def routes(services: Services) -> list[BaseRoute]:
    from wecom_app.consoles import admin, auth, compliance, transfers, web
    from wecom_app.path_ids import use_bounded_ids

    use_bounded_ids()  # the :int and :bigint ids in the paths below
    site = web.console(services)
    collected: list[BaseRoute] = [*auth.routes(site), web.static_mount()]
    collected.append(Route("/console/lang/{code}", _choose_language))
    for page in (*admin.PAGES, *compliance.PAGES):
        collected.extend(page.routes(site))
    collected.extend(transfers.routes(services))
    # Compliance staff are told "the compliance console"; the short path people type
    # (and older links) lead to it rather than to a 404.
    collected += [
        Route("/compliance", _to_compliance_console),
        Route("/compliance/", _to_compliance_console),
    ]
    return collected


async def _choose_language(request: Request) -> Response:
    from wecom_app.consoles.i18n import choose_language

    return choose_language(request)


async def _to_compliance_console(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse("/console/compliance/" + (f"?{query}" if query else ""), 308)
