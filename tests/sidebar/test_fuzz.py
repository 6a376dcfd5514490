"""Hostile input at every sidebar API route: a clear 4xx, never a 500.

The routes are read from the mounted app, so a route added later is fuzzed too. Each is
called by an employee who follows the customer and is an admin (so every check past
sign-in is reached), with bodies of every wrong shape (wrong JSON types, nesting, huge
strings, control characters, not JSON at all) and with hostile query strings and path
values. A refusal must be JSON with an ``error``; nothing may answer 500.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from tests.support.callbacks import HOSTILE_PATH_VALUES
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV
from wecom_app.store.directory import ConsoleRole

pytestmark = pytest.mark.slow

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    -1,
    2**63,
    1e308,
    "",
    " ",
    "x" * 70_000,
    "\x00\ud800",
    "¹²³",
    "'; DROP TABLE customers; --",
    "<script>alert(1)</script>",
    [],
    [None, 1, "a", {}],
    {},
    {"a": {"b": {"c": [1, {"d": None}]}}},
]
JSON = {"content-type": "application/json"}
QUERY_VALUES = [
    "",
    "-1",
    "¹",
    "9" * 40,
    "\x00",
    "好" * 2000,
    "[]",
    "a&b=c",
    '"未闭合',
    "a OR NOT b",
    "*",
    "NEAR(a b)",
    "%",
    "\\",
]


@pytest.fixture
async def world(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[SidebarWorld]:
    async with sidebar_world(tmp_path, database, kv, customers=20, employees=6) as world:
        yield world


def _api_routes(world: SidebarWorld) -> list[tuple[str, str]]:
    found = []
    for route in world.app.routes:
        if not isinstance(route, Route) or "/api/" not in route.path:
            continue
        if not route.path.startswith(("/sidebar/", "/console/sidebar")):
            continue
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, route.path))
    return found


def _bodies(rng: random.Random) -> list[Any]:
    """Wrong shapes: a bare value, then objects whose every field is a hostile value."""
    keys = [
        "add",
        "remove",
        "remark",
        "description",
        "text",
        "stage",
        "values",
        "due_at",
        "title",
        "content",
        "group",
        "custom_fields",
        "stages",
        "successor_view",
        "filename",
        "key",
        "label",
        "type",
        "options",
    ]
    bodies: list[Any] = list(HOSTILE_VALUES)
    for value in HOSTILE_VALUES:
        bodies.append({key: value for key in keys})
    for _ in range(40):
        bodies.append({key: rng.choice(HOSTILE_VALUES) for key in rng.sample(keys, 4)})
    return bodies


def _assert_clear(answer: httpx.Response, what: str) -> None:
    assert answer.status_code < 500, (what, answer.status_code, answer.text[:500])
    if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith(
        "application/json"
    ):
        assert "error" in answer.json(), (what, answer.text[:500])


async def test_no_route_answers_500_to_hostile_input(world: SidebarWorld) -> None:
    rng = random.Random(20261203)
    userid = world.sellers()[0]
    customer = world.followed_by(userid)[0]
    await ConsoleRole.create(corp_id=world.corp.id, userid=userid, role="admin")
    client = world.client_for(userid)
    routes = _api_routes(world)
    assert len(routes) >= 20, routes  # the app's table was read, not an empty list
    bodies = _bodies(rng)
    for method, template in routes:
        params = {
            "external_userid": customer,
            "note_id": "1",
            "reminder_id": "1",
            "reply_id": "1",
            "chat_id": "wrNoSuchRoom",
            "filename": "WW_verify_abc.txt",
            "code": "abc",
        }
        path = template
        for name, value in params.items():
            path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:int}}", value)
        # hostile path values, one parameter at a time
        for name in params:
            for value in HOSTILE_PATH_VALUES:
                hostile = template.replace(f"{{{name}}}", value)
                if hostile == template:
                    continue
                for other, fine in params.items():
                    hostile = hostile.replace(f"{{{other}}}", fine)
                answer = await client.request(method, hostile, json={})
                _assert_clear(answer, f"{method} {hostile}")
        # hostile query strings
        for key in ("q", "of", "before", "after", "limit", "cursor", "page", "kind"):
            for value in QUERY_VALUES:
                answer = await client.request(method, path, params={key: value})
                _assert_clear(answer, f"{method} {path}?{key}={value[:20]!r}")
        if method == "GET":
            continue
        for body in bodies:
            # json.dumps escapes lone surrogates (httpx would refuse to encode them);
            # they arrive as valid JSON that decodes to a string PostgreSQL refuses.
            raw_json = json.dumps(body).encode()
            answer = await client.request(method, path, content=raw_json, headers=JSON)
            _assert_clear(answer, f"{method} {path} {str(body)[:80]}")
        for raw in (b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b"null", b'{"a":1}' * 3):
            answer = await client.request(method, path, content=raw, headers=JSON)
            _assert_clear(answer, f"{method} {path} raw {raw[:20]!r}")


async def test_nul_in_a_url_is_refused_before_any_handler(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    customer = world.followed_by(userid)[0]
    client = world.client_for(userid)
    for url in (
        f"/sidebar/api/customers/{customer}/messages?q=%00",
        f"/sidebar/api/customers/{customer}%00/messages",
        "/console/?next=%00",
    ):
        answer = await client.get(url)
        assert answer.status_code == 400, url
        assert answer.json()["error"] == "bad_request"
    control = await client.get(f"/sidebar/api/customers/{customer}/messages?q=%01")
    assert control.status_code == 200  # other control characters are only text


async def test_an_id_too_long_for_its_column_is_not_found(world: SidebarWorld) -> None:
    userid = world.sellers()[0]
    client = world.client_for(userid)
    base = f"/sidebar/api/customers/{world.followed_by(userid)[0]}"
    for url, fits, too_long in (
        ("/sidebar/api/quick-replies/{}/used", str(2**31 - 1), str(2**31)),  # INTEGER
        (base + "/reminders/{}/done", "9" * 18, "9" * 19),  # BIGINT
    ):
        assert (await client.post(url.format(too_long))).status_code == 404
        routed = await client.post(url.format(fits))
        assert routed.status_code == 404  # routed, looked up, not there
        assert routed.json()["error"] == "not_found", routed.text
