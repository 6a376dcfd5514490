"""The sidebar's routing table: every page module's routes, in the order Starlette
tries them.

The profile API comes first (``create_app`` puts ``routes[0]`` before any other route
of the app): every chat switch of every employee calls it. The rest match disjoint
paths, so their order does not matter; the static files come last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from sidebar.endpoints import (
    admin,
    console,
    customers,
    edits,
    groups,
    page,
    preview,
    replies,
    signin,
    verify_files,
)
from sidebar.site import STATIC_DIR, Site
from wecom_app.path_ids import use_bounded_ids

if TYPE_CHECKING:
    from wecom_app.services import Services

PAGES = (customers, page, signin, edits, groups, replies, admin, verify_files, preview, console)


def build_routes(services: Services) -> list[BaseRoute]:
    use_bounded_ids()  # the :bigint ids of the edits
    site = Site(services)
    return [
        *(route for module in PAGES for route in module.routes(site)),
        Mount("/sidebar/static", app=StaticFiles(directory=STATIC_DIR), name="sidebar-static"),
    ]
