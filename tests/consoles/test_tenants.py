"""Two tenants side by side: a session of one never sees or changes the other's data.

The walk enumerates the app's routes under ``/console`` (so an endpoint added later, by
any console module, is walked too) and calls each one as a signed-in member of tenant
A holding every role, aiming at tenant B: B's ids in the path, B's corp id and members
in the query and in every form field and JSON body we can think of. After each call,
B's rows (every table with a corp, plus its inbox events and its tenant row) must be
exactly as before, and no response may contain anything only B has. Then the same the
other way round, and once more without signing in.

A route with a path parameter needs a sample value in :data:`SAMPLES` below; the test
fails with a message naming it until one is added.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tortoise import Tortoise
from tortoise.fields import CharField
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance

from tests.support.consoles import (
    Browser,
    ConsoleWorld,
    console_routes,
)
from wecom_app.archive import keys as archive_keys
from wecom_app.simulator.state import Org
from wecom_app.store.archive import ArchiveSettings
from wecom_app.store.db import db
from wecom_app.store.directory import ConsoleRole, SyncRun
from wecom_app.store.models import Corp, InboxEvent


@dataclass
class Tenant:
    """One tenant's handles for the walk: its rows' ids and what only it shows."""

    corp: Corp
    org: Org
    app: str  # how its members sign in
    admin: str
    member: str
    role_id: int
    event_id: int
    pem: str
    markers: set[str]


async def populate(world: ConsoleWorld, corp: Corp, org: Org, app: str, admin: str) -> Tenant:
    tag = corp.corp_id
    member = next(u for u in world.members(org) if u != admin)
    role = await ConsoleRole.create(
        corp=corp, userid=member, role="manager", scope={"userids": [admin]}, granted_by=admin
    )
    # The walker holds every role, so every page opens for it.
    await ConsoleRole.create(corp=corp, userid=admin, role="compliance", granted_by="test")
    await ConsoleRole.create(
        corp=corp, userid=admin, role="manager", scope={"departments": ["1"]}, granted_by="test"
    )
    event = await InboxEvent.create(
        scope=corp.corp_id,
        dedup_key=f"walk-{tag}",
        source="corp",
        corp_id=corp.corp_id,
        name="change_contact",
        change_type="update_user",
        payload="{}",
        status="failed",
        attempts=8,
        last_error=f"failure only {tag} has",
        received_at=1_700_000_000.0,
        next_attempt_at=1_700_000_000.0,
    )
    await SyncRun.create(
        corp=corp, status="failed", stage="customers", error=f"sync of {tag} broke"
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = await archive_keys.add_key(corp, 1, pem, world.services.secrets)
    await ArchiveSettings.create(
        corp=corp,
        secret_sealed=world.services.secrets.seal(f"archive secret of {tag}", "archive.secret"),
        enabled=True,
        retention_days=0,
    )
    markers = {
        corp.corp_id,
        corp.name,
        f"failure only {tag} has",
        f"sync of {tag} broke",
        info.fingerprint,
        *(e.name for e in org.employees.values()),
        *org.employees,
    }
    return Tenant(corp, org, app, admin, member, role.id, event.id, pem, markers)


Snapshot = dict[str, dict[str, str]]  # table → primary key → the row as text


def tenant_tables(corp: Corp) -> list[tuple[str, str, list[str], str, str | int]]:
    """Every table holding tenant data: (table, pk column, columns, tenant column, value).

    Found from the models, so a table added later is watched too: a ``corp`` foreign
    key, or a ``corp_id`` column holding the corp id string (the callback inbox).
    """
    found: list[tuple[str, str, list[str], str, str | int]] = []
    for app in Tortoise.apps.values():
        for model in app.values():
            meta = model._meta
            columns = list(meta.fields_db_projection.values())
            corp_field = meta.fields_map.get("corp")
            if isinstance(corp_field, ForeignKeyFieldInstance | OneToOneFieldInstance):
                found.append((meta.db_table, meta.db_pk_column, columns, "corp_id", corp.id))
            elif isinstance(meta.fields_map.get("corp_id"), CharField):
                found.append((meta.db_table, meta.db_pk_column, columns, "corp_id", corp.corp_id))
            elif model is Corp:
                found.append((meta.db_table, meta.db_pk_column, columns, "id", corp.id))
    return found


def _literal(value: str | int) -> str:
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


async def snapshot(corp: Corp) -> Snapshot:
    """All of one tenant's rows, in one query (one round trip: it runs after every call).

    Each row becomes the text of all its columns, so any change to any column shows.
    """
    selects = []
    for table, pk, columns, where, value in tenant_tables(corp):
        row = " || '|' || ".join(f"COALESCE(CAST(\"{c}\" AS TEXT), '~')" for c in columns)
        selects.append(
            f"SELECT '{table}' AS t, CAST(\"{pk}\" AS TEXT) AS k, {row} AS r "
            f'FROM "{table}" WHERE "{where}" = {_literal(value)}'
        )
    rows = await db().execute_query_dict(" UNION ALL ".join(selects))
    found: Snapshot = {}
    for item in rows:
        found.setdefault(str(item["t"]), {})[str(item["k"])] = str(item["r"])
    return found


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    out = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                out.append(f"{table}[{key}]: {old.get(key)!r} -> {new.get(key)!r}")
    return out


# Path parameters the console uses, and which of the target tenant's values to put in.
SAMPLES: dict[str, Callable[[Tenant], list[str]]] = {
    "role_id": lambda t: [str(t.role_id)],
    "event_id": lambda t: [str(t.event_id)],
    "version": lambda t: ["1"],
    "corp_id": lambda t: [t.corp.corp_id],
    "userid": lambda t: [t.member],
    # transfers: POST /console/transfers/{plan_id:int}/{action}
    "action": lambda t: ["submit", "cancel", "edit"],
}
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def targets(path: str, target: Tenant, rows: Snapshot) -> list[str]:
    """URLs for ``path`` aimed at ``target``.

    A parameter with a sample takes each of its values. An integer parameter (``int``
    or ``bigint``) without one (a new console's ``{plan_id:int}``) takes the ids of the
    target's rows in the tables its name points at (``plan`` → ``TransferPlan``), plus
    1–3 (fresh tables number from 1, whichever tenant a row belongs to). Any other
    parameter needs a sample.
    """
    params = PARAM.findall(path)
    unknown = [n for n, kind in params if n not in SAMPLES and kind not in ("int", "bigint")]
    assert not unknown, f"add a sample for path parameter(s) {unknown} of {path} to SAMPLES"
    choices = [
        SAMPLES[name](target) if name in SAMPLES else [str(i) for i in row_ids(rows, name)]
        for name, _ in params
    ]
    urls = []
    for values in itertools.product(*choices):
        filled = iter(values)
        urls.append(PARAM.sub(lambda _, filled=filled: next(filled), path))  # type: ignore[misc]
    return urls


def row_ids(rows: Snapshot, param: str) -> list[int]:
    stem = param.removesuffix("_id").replace("_", "").lower()
    found = {1, 2, 3}
    for table, keyed in rows.items():
        if stem and stem in table.replace("_", "").lower():
            found.update(int(k) for k in keyed if k.isdigit())
    return sorted(found)


WALKER_PEM = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)


def form_for(target: Tenant, token: str) -> dict[str, Any]:
    """Every field a console form might read, pointing at the target tenant."""
    return {
        "csrf_token": token,
        "corp_id": target.corp.corp_id,
        "corp": target.corp.corp_id,
        "auth_corpid": target.corp.corp_id,
        "userid": target.member,
        "role": "compliance",
        "role_id": str(target.role_id),
        "id": str(target.role_id),
        "ids": [str(target.event_id)],
        "all_failed": "1",
        "version": "1",
        "replace": "1",
        # A key of the walker's own making: uploading it changes only the walker's tenant.
        "pem": WALKER_PEM,
        "secret": "an attacker's secret",
        "enabled": "1",
        "retention_days": "1",
        "agent_id": "1",
        "departments": ["1"],
        "scope_userids": target.member,
        "test_install": "1",
        "next": "/console/",
    }


def json_for(target: Tenant) -> dict[str, Any]:
    return {
        "corp_id": target.corp.corp_id,
        "userid": target.member,
        "ids": [target.event_id],
        "all_failed": True,
        "role_id": target.role_id,
        "version": 1,
    }


def leaked(text: str, target: Tenant, own: Tenant, public: set[str]) -> set[str]:
    only_target = {m for m in target.markers - own.markers - public if m}
    return {m for m in only_target if m in text}


async def walk(
    world: ConsoleWorld,
    browser: Browser | None,
    own: Tenant,
    target: Tenant,
    public: set[str] | None = None,
) -> set[str]:
    """Call every console route aimed at ``target``; the ``own`` markers seen.

    ``public``: what anyone may see (the self-built org's corp id is in WeCom's own
    sign-in URL, which the public login page links to).
    """
    public = public or set()
    routes = await console_routes(world.app)
    assert ("GET", "/console/inbox") in routes  # the enumeration found the console
    # Signing out would end the walker's session half way: it goes last.
    routes.sort(key=lambda r: r[1] == "/console/logout")
    seen: set[str] = set()
    async with world.browser() as anonymous:
        client = browser or anonymous
        # The session's token stays the same until sign-out (the last route).
        token = await client.csrf("/console/" if browser else "/console/login")
        # The target's rows must look like this after every single call: checking after
        # each one (not per route) also catches a toggle that two calls would undo.
        before = await snapshot(target.corp)
        params = {
            "corp_id": target.corp.corp_id,
            "corp": target.corp.corp_id,
            "userid": target.member,
        }
        # What the walker itself sent may come back (a login redirect keeps the query,
        # an error names the unknown member): an echo is not a leak.
        echo = set(params.values())
        for method, path in routes:
            for url in targets(path, target, before):
                attempts: list[dict[str, Any]]
                if method == "GET":
                    attempts = [{}, {"params": params}]
                else:
                    attempts = [
                        {"data": form_for(target, token)},
                        {"json": json_for(target), "headers": {"X-CSRF-Token": token}},
                    ]
                for kwargs in attempts:
                    if method == "GET":
                        response = await client.get(url, **kwargs)
                    else:
                        response = await client.post(url, **kwargs)
                    assert response.status_code < 500, (method, url, response.text[-500:])
                    text = response.text + str(response.headers)
                    shown = leaked(text, target, own, public | echo | {url})
                    assert not shown, f"{method} {url} shows the other tenant's {sorted(shown)}"
                    seen |= {m for m in own.markers if m in response.text}
                    changed = changes(before, await snapshot(target.corp))
                    assert not changed, f"{method} {url} changed the other tenant: {changed[:5]}"
    return seen


async def test_every_console_endpoint_keeps_tenants_apart(world: ConsoleWorld) -> None:
    a = await populate(world, world.corp_a, world.org_a, world.app_a, world.admin_a)
    b = await populate(world, world.corp_b, world.org_b, "suite", world.admin_b)
    for own, target in ((a, b), (b, a)):
        async with world.signed_in(own.app, own.admin) as browser:
            roles = (await browser.get("/console/api/me")).json()["roles"]
            assert roles == ["admin", "compliance", "manager"]
            seen = await walk(world, browser, own, target)
        # The walk was not blind: the pages did show the walker's own tenant.
        for marker in (
            own.corp.name,
            f"failure only {own.corp.corp_id} has",
            f"sync of {own.corp.corp_id} broke",
        ):
            assert marker in seen, f"no console page showed {marker!r} to its own admin"
    # Nobody signed in: no page shows either tenant, and nothing changes.
    for target, other in ((a, b), (b, a)):
        seen = await walk(world, None, other, target, public={world.corp_a.corp_id})
        assert not (seen - {""}) & {a.corp.name, b.corp.name}
