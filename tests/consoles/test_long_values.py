"""Issue 16 (trust): long-but-well-formed values are a 4xx everywhere, never a 500.

The hostile fuzz tests (``test_sidebar_fuzz``, ``test_console_fuzz``) send wrong types
and huge strings, which are refused early; these send values that look right but are a
little longer than their column (65 for a 64-character id, 129, 300), in path values,
query strings, forms and JSON strings and lists, at every sidebar and console route.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from tests.support.consoles import (
    ConsoleWorld,
    console_routes,
)
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV
from wecom_app.store.directory import ConsoleRole

pytestmark = pytest.mark.slow

LONG = ["a" * 65, "w" * 129, "t" * 300, "好" * 65]
KEYS = [
    "corp", "corp_id", "app", "userid", "userids", "scope_userids", "status", "role",
    "name", "kind", "pattern", "notify", "departments", "successor", "successors",
    "q", "of", "before", "after", "cursor", "kind", "stage", "title", "content", "group",
    "remark", "description", "text", "add", "remove", "key", "label", "type", "filename",
    "chat_id", "external_userid", "handover_userid", "takeover_userid", "reason", "note",
]  # fmt: skip
JSON = {"content-type": "application/json"}


def _fill(template: str, value: str) -> str:
    out = template
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        typed = out[start + 1 : end].endswith((":int", ":bigint"))
        out = out[:start] + ("1" if typed else value) + out[end + 1 :]
    return out


def _clear(answer: httpx.Response, what: str) -> None:
    assert answer.status_code < 500, (what, answer.status_code, answer.text[:300])


async def _long_values(client: httpx.AsyncClient, method: str, template: str, csrf: str) -> None:
    headers = {"X-CSRF-Token": csrf}
    path = _fill(template, "x")
    for value in LONG:
        if "{" in template:
            long_path = _fill(template, value)
            _clear(await client.request(method, long_path, headers=headers), long_path)
        params = {key: value for key in KEYS}
        answer = await client.request(method, path, params=params, headers=headers)
        _clear(answer, f"{method} {path}?…={value[:8]}")
        if method == "GET":
            continue
        form = params | {"csrf_token": csrf}
        _clear(await client.request(method, path, data=form, headers=headers), f"{path} form")
        for body in ({key: value for key in KEYS}, {key: [value] for key in KEYS}):
            raw = json.dumps(body).encode()
            answer = await client.request(method, path, content=raw, headers=headers | JSON)
            _clear(answer, f"{method} {path} json {str(body)[:40]}")


@pytest.fixture
async def sidebar(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[SidebarWorld]:
    async with sidebar_world(tmp_path, database, kv, customers=10, employees=4) as world:
        yield world


async def test_long_values_at_every_sidebar_route(sidebar: SidebarWorld) -> None:
    userid = sidebar.sellers()[0]
    await ConsoleRole.create(corp_id=sidebar.corp.id, userid=userid, role="admin")
    client = sidebar.client_for(userid)
    csrf = str(client.headers["X-CSRF-Token"])
    routes = [
        (method, route.path)
        for route in sidebar.app.routes
        if isinstance(route, Route) and route.path.startswith("/sidebar/")
        for method in sorted(route.methods or {"GET"})
        if method != "HEAD" and "logout" not in route.path
    ]
    assert len(routes) >= 20, routes
    for method, template in routes:
        await _long_values(client, method, template, csrf)


async def test_long_values_at_every_console_route(world: ConsoleWorld) -> None:
    await ConsoleRole.create(corp=world.corp_a, userid=world.admin_a, role="compliance")
    routes = await console_routes(world.app)
    routes = [(m, p) for m, p in routes if "logout" not in p and "switch" not in p]
    assert len(routes) >= 40, routes
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        csrf = await browser.csrf("/console/")
        for method, template in routes:
            await _long_values(browser.app, method, template, csrf)
