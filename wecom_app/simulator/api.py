"""The simulated WeCom API server: ``create_simulator_app(sim)`` → a Starlette app.

Mount it in-process (``httpx.ASGITransport(app=create_simulator_app(sim))``) or serve it
with uvicorn and point ``WECOM_API_BASE`` at it. Each request goes through the same
steps WeCom's gateway would take, in this order:

1. count the call in ``sim.calls[path]`` (benchmarks count WeCom calls with it);
2. injected faults: a delay, a gateway HTTP error, an injected errcode;
3. the token (``access_token`` or ``suite_access_token`` in the query): 41001/40014/42001;
4. the per-corp per-API and per-IP per-API rate limits: 45009, blocked for the rest of
   the window;
5. the handler; an armed cursor-repeat fault then bends ``next_cursor``.

Every answer carries ``errcode``/``errmsg``; WeCom answers errors with HTTP 200.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from wecom_app.protocol import jsonin
from wecom_app.simulator import (
    api_contacts,
    api_external,
    api_groupchat,
    api_jsapi,
    api_message,
    api_msgaudit,
    api_oauth,
    api_suite,
    api_transfer,
)
from wecom_app.simulator.api_common import (
    BAD_JSON,
    FREQ_OUT_OF_LIMIT,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
)
from wecom_app.simulator.archive_http import archive_routes
from wecom_app.simulator.install_page import install_routes
from wecom_app.simulator.operator import operator_routes
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.tokens import TokenKind, TokenRejected

ALL_APIS: tuple[Api, ...] = (
    *api_suite.APIS,
    *api_contacts.APIS,
    *api_external.APIS,
    *api_groupchat.APIS,
    *api_oauth.APIS,
    *api_jsapi.APIS,
    *api_transfer.APIS,
    *api_message.APIS,
    *api_msgaudit.APIS,
)


def create_simulator_app(sim: Simulator, apis: tuple[Api, ...] = ALL_APIS) -> Starlette:
    hints = itertools.count(1)
    routes = [Route(api.path, _endpoint(sim, api, hints), methods=[api.method]) for api in apis]
    routes += api_oauth.page_routes(sim)  # the browser-facing sign-in pages
    routes += archive_routes(sim)  # the Finance SDK's GetChatData/GetMediaData, simulated
    routes += install_routes(sim)  # /3rdapp/install: an admin installs the suite
    routes += operator_routes(sim)  # /operator/*: make someone leave, advance the clock
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})


def _endpoint(
    sim: Simulator, api: Api, hints: itertools.count[int]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        path = api.path
        sim.calls[path] += 1
        delay = sim.faults.take_delay(path)
        if delay:
            await asyncio.sleep(delay)
        status = sim.faults.take_http_error(path)
        if status:
            return PlainTextResponse("upstream error (simulated)", status_code=status)
        try:
            call = ApiCall(
                sim=sim,
                path=path,
                query=dict(request.query_params),
                body=await _json_body(request) if api.method == "POST" else {},
                method=api.method,
            )
            injected = sim.faults.take_failure(path)
            if injected is not None:
                raise ApiError(injected.errcode, injected.errmsg, extra=injected.extra)
            if api.auth is not None:
                call.token = sim.tokens.check(api.auth, call.query.get(api.auth.value))
            if not sim.limits.allow(_caller(call), path):
                raise ApiError(FREQ_OUT_OF_LIMIT)
            ip = request.client.host if request.client else "unknown"
            if not sim.limits.allow_ip(ip, path, provider=_provider(call)):
                raise ApiError(FREQ_OUT_OF_LIMIT)
            result = api.handler(call)
        except TokenRejected as rejected:
            return _error(ApiError(rejected.errcode), hints)
        except ApiError as error:
            return _error(error, hints)
        next_cursor = result.get("next_cursor")
        if next_cursor and call.request_cursor and sim.faults.take_cursor_repeat(path):
            result["next_cursor"] = call.request_cursor
        return JSONResponse({"errcode": 0, "errmsg": "ok", **result})

    return endpoint


def _caller(call: ApiCall) -> str:
    """Whose quota a call counts against: the corp (or the suite, for suite calls)."""
    token = call.token
    if token is not None:
        return token.corp_id if token.kind is TokenKind.ACCESS else token.suite_id
    return call.text("corpid") or call.text("suite_id") or "anonymous"


def _provider(call: ApiCall) -> bool:
    """A third-party provider's call (suite token or a corp token got through a suite)."""
    token = call.token
    return token is not None and (token.kind is TokenKind.SUITE or token.third_party)


async def _json_body(request: Request) -> JsonObject:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed: Any = jsonin.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(BAD_JSON) from None
    if not isinstance(parsed, dict):
        raise ApiError(BAD_JSON)
    return parsed


def _error(error: ApiError, hints: itertools.count[int]) -> JSONResponse:
    hint = f"{next(hints):010d}-sim"
    return JSONResponse({"errcode": error.errcode, "errmsg": error.errmsg(hint), **error.extra})


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods still answer in WeCom's JSON shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    body = {"errcode": status, "errmsg": f"{request.url.path}: not simulated or wrong method"}
    return JSONResponse(body, status_code=status)
