"""The Starlette application factory (composition root for HTTP, over a :class:`Runtime`)."""

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
from wecom_app.config import Settings
from wecom_app.consoles import routes as console_routes
from wecom_app.path_ids import use_bounded_ids
from wecom_app.runtime import Runtime
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


def create_app(settings: Settings, services: Services | Runtime | None = None) -> Starlette:
    """The app over ``services``: a :class:`Runtime` as given, or one built around the
    core services given (or made from ``settings``); the app's lifespan starts it."""
    use_bounded_ids()  # before the routes below are built
    given = services or Services(settings)
    runtime = given if isinstance(given, Runtime) else Runtime(given)
    svc = runtime.services
    receiver = CallbackReceiver(
        resolver=runtime.resolver,
        writer=runtime.writer,
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
        async with runtime:
            yield

    app = App(receiver=receiver, routes=routes, lifespan=lifespan)
    app.state.services = svc
    app.state.runtime = runtime
    return app
