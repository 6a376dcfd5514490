"""The consoles' public face: every name a page module (or the sidebar) needs, in one import.

The code lives in small modules, one concept each — :mod:`.render` (templates, notices,
navigation, responses), :mod:`.session` and :mod:`.cookies` (signed cookie sessions,
CSRF, login states; shared with the sidebar), :mod:`.guards` (route wrappers, role
checks, security headers), :mod:`.principal` (who is asking), :mod:`.errors` and
:mod:`.bodies` (JSON request bodies). This module only re-exports them.

A page module::

    from wecom_app.consoles import web

    async def things(request: Request, who: web.Principal) -> Response:
        rows = await who.scoped(Thing).order_by("-id")        # this tenant's rows only
        return web.render(request, "things.html", {"rows": rows})

    async def add_thing(request: Request, who: web.Principal) -> Response:
        form = await request.form()                            # CSRF already checked
        ...
        return web.redirect("/console/things", notice="saved")

    def routes(site: web.Web) -> list[BaseRoute]:
        return [
            site.page("/console/things", things, roles=ADMIN),
            site.page("/console/things", add_thing, roles=ADMIN, methods=["POST"]),
        ]

A handler that needs the running services takes them from :func:`services_of`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from wecom_app.consoles.bodies import json_body
from wecom_app.consoles.errors import (
    BadRequest,
    CsrfFailed,
    Forbidden,
    NoRole,
    NotFound,
    TooMany,
    Unauthorized,
    Unavailable,
    WebError,
)
from wecom_app.consoles.guards import (
    SIGNED_IN,
    Endpoint,
    PublicEndpoint,
    Web,
    console,
    embedded,
    require_role,
    security_headers,
    site_of,
)
from wecom_app.consoles.principal import Principal
from wecom_app.consoles.render import (
    NAV,
    NOTICES,
    add_nav,
    add_template_dir,
    json_response,
    redirect,
    render,
    safe_next,
    static_mount,
)
from wecom_app.consoles.session import (
    CONSOLE_COOKIE,
    CONSOLE_SESSION_S,
    CSRF_FIELD,
    CSRF_HEADER,
    Session,
)

if TYPE_CHECKING:
    from wecom_app.services import Services


def services_of(request: Request) -> Services:
    """The running services (set on the app by the composition root)."""
    services: Services = request.app.state.services
    return services


__all__ = [
    "CONSOLE_COOKIE",
    "CONSOLE_SESSION_S",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "NAV",
    "NOTICES",
    "SIGNED_IN",
    "BadRequest",
    "CsrfFailed",
    "Endpoint",
    "Forbidden",
    "NoRole",
    "NotFound",
    "Principal",
    "PublicEndpoint",
    "Session",
    "TooMany",
    "Unauthorized",
    "Unavailable",
    "Web",
    "WebError",
    "add_nav",
    "add_template_dir",
    "console",
    "embedded",
    "json_body",
    "json_response",
    "redirect",
    "render",
    "require_role",
    "safe_next",
    "security_headers",
    "services_of",
    "site_of",
    "static_mount",
]
