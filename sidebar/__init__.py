"""The in-chat sidebar (issue 6): OAuth login, JS-SDK config, profile API, pages.

``routes(services)`` is mounted by :func:`wecom_app.app.create_app`. The handlers live
in :mod:`sidebar.endpoints` (one module per page or API), what they share in
:mod:`sidebar.site`, the routing table in :mod:`sidebar.routes`; the settings are
:mod:`sidebar.config`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from wecom_app.services import Services


def routes(services: Services) -> list[BaseRoute]:
    """The sidebar's routes; the first is the profile API (``GET
    /sidebar/api/customers/{external_userid}``), the hottest path of the app, which
    ``create_app`` tries before any other route."""
    from sidebar.routes import build_routes

    return build_routes(services)
