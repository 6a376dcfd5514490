"""Hostile input at every console route: a clear 4xx (or a page), never a 500.

The routes are read from the mounted app, so a route added later is fuzzed too. They are
called by an admin who is also compliance staff (so every check past sign-in is
reached), as forms and as JSON, with the session's CSRF token, and with hostile query
strings and path values: wrong types, huge strings, NUL and lone surrogates, non-digits
where digits belong, broken JSON.
"""

from __future__ import annotations

import json
import random

import pytest

from tests.support.callbacks import HOSTILE_PATH_VALUES
from tests.support.consoles import (
    Browser,
    ConsoleWorld,
    console_routes,
)
from wecom_app.store.directory import ConsoleRole

pytestmark = pytest.mark.slow

VALUES = [
    "",
    " ",
    "-1",
    "2147483648",  # one past INTEGER
    "0",
    "¹",
    "9" * 40,
    "x" * 20_000,
    "\x00",
    "好" * 500,
    "<script>alert(1)</script>",
    "'; DROP TABLE corps; --",
    "2026-13-45",
    "on",
    "[]",
]
# what a search box is typed, besides VALUES: index-engine syntax must stay plain text
SEARCH_VALUES = ['"未闭合', "a OR b AND NOT c", "*", "NEAR(a b)", "好 -坏", "^", "%", "_", "\\"]
FIELDS = [
    "q",
    "name",
    "corp_id",
    "userid",
    "userids",
    "version",
    "pem",
    "secret",
    "keyword",
    "keywords",
    "from",
    "to",
    "successor",
    "successors",
    "plan_id",
    "status",
    "role",
    "departments",
    "page",
    "limit",
    "before",
    "after",
    "format",
    "id",
    "note",
    "reason",
    "enabled",
    "content",
    "filename",
]
JSON = {"content-type": "application/json"}


def _fill(template: str, value: str) -> str:
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        fitted = value if value != "default" else ("1" if name.endswith(":int") else "x")
        out = out[:start] + fitted + out[end + 1 :]
    return out


def _assert_clear(status: int, body: str, what: str) -> None:
    assert status < 500, (what, status, body[:500])


async def _fuzz_route(browser: Browser, csrf: str, method: str, template: str) -> None:
    rng = random.Random(f"{method} {template}")
    path = _fill(template, "default")
    headers = {"X-CSRF-Token": csrf}
    if "{" in template:
        for value in HOSTILE_PATH_VALUES:
            hostile = _fill(template, value)
            answer = await browser.app.request(method, hostile, headers=headers)
            _assert_clear(answer.status_code, answer.text, f"{method} {hostile}")
    for field in ["q", *rng.sample(FIELDS[1:], 2)]:  # q: every search box
        for value in (VALUES + SEARCH_VALUES) if field == "q" else VALUES:
            answer = await browser.app.request(method, path, params={field: value}, headers=headers)
            _assert_clear(answer.status_code, answer.text, f"{method} {path}?{field}")
    if method == "GET":
        return
    for value in VALUES:
        form = {field: value for field in FIELDS} | {"csrf_token": csrf}
        answer = await browser.app.request(method, path, data=form, headers=headers)
        _assert_clear(answer.status_code, answer.text, f"{method} {path} form {value[:20]!r}")
    bodies: list[object] = [None, 1, "x", [], {}, {"a": {"b": [1]}}]
    bodies += [{field: value for field in FIELDS} for value in VALUES]
    bodies += [{field: [value] for field in FIELDS} for value in ("1", "")]
    bodies += [{field: {"x": -1} for field in FIELDS}, {field: "\ud800" for field in FIELDS}]
    for body in bodies:
        raw = json.dumps(body).encode()
        answer = await browser.app.request(method, path, content=raw, headers={**headers, **JSON})
        _assert_clear(answer.status_code, answer.text, f"{method} {path} json {raw[:60]!r}")
    for raw_body in (b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000):
        answer = await browser.app.request(
            method, path, content=raw_body, headers={**headers, **JSON}
        )
        _assert_clear(answer.status_code, answer.text, f"{method} {path} raw {raw_body[:10]!r}")


async def test_no_console_route_answers_500_to_hostile_input(world: ConsoleWorld) -> None:
    await ConsoleRole.create(corp=world.corp_a, userid=world.admin_a, role="compliance")
    routes = await console_routes(world.app)
    assert len(routes) >= 40, routes  # the app's table was read, not an empty list
    # Signing out or switching tenant ends the session the rest of the run needs.
    routes = [(m, p) for m, p in routes if "logout" not in p and "switch" not in p]
    async with world.signed_in(world.app_a, world.admin_a) as browser:
        csrf = await browser.csrf("/console/")
        for method, template in routes:
            await _fuzz_route(browser, csrf, method, template)
