"""What every compliance page shares: paths, the viewer guard, query and form readers.

Every endpoint is open to any signed-in member and checks the role itself, through
:class:`~wecom_app.search.service.Compliance`: a member without the compliance role
gets 403 *and the attempt is written to the audit log*, which the web foundation's role
guard could not do. :func:`guarded` builds the viewer from the session and turns the
service's refusals into 4xx.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.client import client_of
from wecom_app.protocol.digits import parse_id
from wecom_app.search.access import AccessDenied, Viewer, viewer_for
from wecom_app.search.alert_rules import RuleError
from wecom_app.search.audit import AuditKey
from wecom_app.search.audit_checkpoint import path_of as checkpoint_path_of
from wecom_app.search.query import QueryError
from wecom_app.search.service import Compliance, NotFound
from wecom_app.text.tokenise import initialise as initialise_tokeniser

PREFIX = "/console/compliance"
COMPLIANCE = ("compliance",)
POST = ("POST",)

SEARCH_FIELDS = (
    "q",
    "employee",
    "customer",
    "room",
    "msgtype",
    "direction",
    "since",
    "until",
    "sort",
)

Handler = Callable[[Request, web.Principal, Viewer], Awaitable[Response]]


def service_of(request: Request) -> Compliance:
    """The compliance service (stateless apart from the clock it is given)."""
    services = web.services_of(request)
    settings = services.settings
    return Compliance(
        clock=services.clock,
        media_dir=settings.media_dir,
        audit_key=AuditKey.of(settings),
        checkpoint_path=checkpoint_path_of(settings),
    )


def params_of(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def int_or(value: str, default: int) -> int:
    parsed = parse_id(value)
    return default if parsed is None else parsed


_segmenter_ready = False


async def _warm_segmenter() -> None:
    """Load the segmenter's dictionary (0.1 s) off the event loop, once per process,
    before the first query is parsed."""
    global _segmenter_ready
    if not _segmenter_ready:
        await asyncio.to_thread(initialise_tokeniser)
        _segmenter_ready = True


def guarded(handler: Handler) -> web.Endpoint:
    """A console endpoint from a compliance handler: the viewer built from the session,
    the service's refusals turned into 4xx."""

    @functools.wraps(handler)
    async def endpoint(request: Request, who: web.Principal) -> Response:
        await _warm_segmenter()
        viewer = await viewer_for(who.corp, who.userid, who.roles, client_of(request))
        try:
            return await handler(request, who, viewer)
        except AccessDenied:
            raise web.NoRole("Your account has no access to this page.") from None
        except NotFound:
            raise web.NotFound("Not found.") from None
        except (QueryError, RuleError) as exc:
            raise web.BadRequest(str(exc)) from None

    return endpoint


def page(
    site: web.Web, path: str, endpoint: web.Endpoint, methods: Sequence[str] = ("GET",)
) -> BaseRoute:
    """A compliance page: any signed-in member (the service checks the role)."""
    return site.page(path, endpoint, roles=web.SIGNED_IN, methods=methods)


def api(
    site: web.Web, path: str, endpoint: web.Endpoint, methods: Sequence[str] = ("GET",)
) -> BaseRoute:
    """A compliance JSON API: any signed-in member (the service checks the role)."""
    return site.api(path, endpoint, roles=web.SIGNED_IN, methods=methods)
