"""Admin and compliance consoles: server-rendered pages (Jinja2) and their JSON APIs.

Each console module exposes ``routes(services) -> list[BaseRoute]``; the app mounts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from wecom_app.services import Services


def routes(services: Services) -> list[BaseRoute]:
    from wecom_app.consoles import admin, compliance, transfers

    collected: list[BaseRoute] = []
    for module in (admin, compliance, transfers):
        collected.extend(module.routes(services))
    return collected
