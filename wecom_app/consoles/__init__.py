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
    collected.append(Route("/console/lang", _choose_language))
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
    """``GET /console/lang?to=<code>&next=…``: remember the language in a cookie (a
    year) and go back to the page it was chosen on (same-site paths only)."""
    from wecom_app.consoles import i18n
    from wecom_app.consoles.render import safe_next

    target = safe_next(request.query_params.get("next"), "/console/")
    response = RedirectResponse(target, status_code=303)
    code = request.query_params.get("to", "")
    if code in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANG_COOKIE, code, max_age=365 * 86400, path="/", samesite="lax", httponly=True
        )
    return response


async def _to_compliance_console(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse("/console/compliance/" + (f"?{query}" if query else ""), 308)
