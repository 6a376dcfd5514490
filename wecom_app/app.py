"""The Starlette application factory (composition root for HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from callbacks.receiver import CallbackReceiver, callback_route
from sidebar import routes as sidebar_routes
from wecom_app.archive.listeners import STORED_LISTENERS
from wecom_app.config import Settings
from wecom_app.consoles import routes as console_routes
from wecom_app.path_ids import use_bounded_ids
from wecom_app.search.ingest import on_messages_stored
from wecom_app.services import Services
from wecom_app.store.db import ping


class App(Starlette):
    """The Starlette app, with WeCom's callbacks answered before routing.

    Callbacks are the one path that must keep up with WeCom's bursts, so a GET or POST
    to a callback URL goes straight to the receiver (a plain ASGI handler that catches
    its own refusals), skipping Starlette's two exception middlewares and the route
    list; every other request pays one ``startswith`` and is routed as usual. The
    callback routes stay in the router too (a PUT still gets its 405 from there).
    """

    def __init__(self, *, receiver: CallbackReceiver, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"].startswith("/callbacks/"):
                route = callback_route(scope)
                if route is not None:
                    await self.receiver.handle(scope, receive, send, route[0], route[1])
                    return
            if "\0" in scope["path"] or b"%00" in scope["query_string"]:
                # NUL is never part of a path or parameter here, and PostgreSQL refuses
                # it in text: refused before any handler passes it to a query.
                await NUL_IN_URL(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


NUL_IN_URL: Final = JSONResponse(
    {"error": "bad_request", "message": "the URL holds a NUL character"}, status_code=400
)


def listen_to_archive() -> None:
    """Wire the capabilities that react to stored archive messages (idempotent).

    Issue 12, the ONE place of this wiring: the archive announces what it stored to
    listeners registered here and imports none of them. Every process that may pull the
    archive runs this before its first pull (:func:`create_app`, and ``wecom_app.cli``'s
    ``main`` for ``worker`` and the commands); it moves to the composition root in
    ``wecom_app/runtime/`` once that exists.
    """
    STORED_LISTENERS.add(on_messages_stored)  # search indexes, and checks alerts


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    use_bounded_ids()  # before the routes below are built
    listen_to_archive()
    svc = services or Services(settings)
    receiver = CallbackReceiver(
        resolver=svc.resolver,
        writer=svc.writer,
        metrics=svc.metrics,
        clock=svc.clock,
        replay_window_s=settings.callback_replay_window_s,
        max_body_bytes=settings.callback_max_body_bytes,
        secrets=svc.secrets,
    )

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        checks = {"database": await ping(), "kv": await svc.kv_store.ping()}
        return JSONResponse(checks, status_code=200 if all(checks.values()) else 503)

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(await svc.metrics.render(), media_type="text/plain; version=0.0.4")

    methods = ["GET", "POST"]
    sidebar = sidebar_routes(svc)
    # Starlette tries routes in order. First the sidebar's profile API, which every
    # employee's every chat switch calls (a single pattern), then callbacks (answered
    # before routing, see App; here for other methods) and health, the rest of the
    # sidebar, the consoles' ~80. No two of these share a path.
    routes = [
        sidebar[0],
        Route("/callbacks/suite", receiver.endpoint_app("suite"), methods=methods),
        Route("/callbacks/data", receiver.endpoint_app("data"), methods=methods),
        Route("/callbacks/corp/{corp_id}", receiver.endpoint_app("corp"), methods=methods),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        *sidebar[1:],
        *console_routes(svc),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with svc:
            yield

    app = App(receiver=receiver, routes=routes, lifespan=lifespan)
    app.state.services = svc
    return app
