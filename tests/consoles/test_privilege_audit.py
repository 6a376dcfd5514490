"""Every privilege change made in the console is in the tenant's audit log: who, when,
what (role grants, scope changes, revocations, settings, retention, keys)."""

from __future__ import annotations

import json
import secrets

import httpx
from starlette.responses import Response

from wecom_app.consoles import web
from wecom_app.search import audit, audit_verify
from wecom_app.services import Services
from wecom_app.store.archive import ArchiveSettings
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee

CORP_ID = "wwprivaudit00001"


async def signed_in_admin(services: Services, client: httpx.AsyncClient) -> tuple[Corp, str]:
    """A tenant with an admin ``boss`` and a member ``lihua``; ``client`` is the boss's
    browser (asking for English pages). Returns the corp and the session's CSRF token."""
    corp = await Corp.create(corp_id=CORP_ID, name="审计公司", mode="self_built")
    for userid, name in (("boss", "老板"), ("lihua", "李华")):
        await Employee.create(corp=corp, userid=userid, name=name, status="active")
    await ConsoleRole.create(corp=corp, userid="boss", role="admin", scope={}, granted_by="test")
    site = web.console(services)
    session = web.Session(
        sid=secrets.token_urlsafe(18),
        csrf=secrets.token_urlsafe(24),
        exp=services.clock() + 3600,
        corp_id=CORP_ID,
        userid="boss",
        roles=("admin",),
    )
    await services.kv_store.set(
        f"web:{site.cookie}:session:{session.sid}",
        json.dumps({"corp_id": CORP_ID, "userid": "boss"}),
        ttl=3600,
    )
    response = Response()
    site.write_cookie(response, session)
    value = response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    client.cookies.set(site.cookie, value, domain="testserver.local", path="/console")
    client.headers["Accept-Language"] = "en"
    return corp, session.csrf


async def logged(corp: Corp) -> list[audit.Entry]:
    return [entry async for entry in audit.iter_entries(corp.pk)]


async def test_role_grants_scope_changes_and_revocations_are_audited(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, csrf = await signed_in_admin(services, client)
    form = {"csrf_token": csrf, "userid": "lihua", "role": "compliance"}
    granted = await client.post("/console/roles", data=form)
    assert granted.status_code == 303
    again = await client.post("/console/roles", data=form)
    assert again.status_code == 303
    role = await ConsoleRole.get(corp=corp, userid="lihua", role="compliance")
    revoked = await client.post(f"/console/roles/{role.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303

    entries = await logged(corp)
    assert [e.action for e in entries] == ["role_grant", "role_scope_change", "role_revoke"]
    assert all(e.actor == "boss" and e.at_ms > 0 for e in entries)
    assert all(e.detail_dict()["userid"] == "lihua" for e in entries)
    assert all(e.detail_dict()["role"] == "compliance" for e in entries)
    assert (await audit_verify.verify(corp.pk, audit.AuditKey.of(services.settings))).ok


async def test_a_refused_grant_records_nothing(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, csrf = await signed_in_admin(services, client)
    refused = await client.post(
        "/console/roles", data={"csrf_token": csrf, "userid": "nobody", "role": "compliance"}
    )
    assert refused.status_code == 400
    assert await logged(corp) == []


async def test_archive_settings_and_retention_changes_are_audited(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, csrf = await signed_in_admin(services, client)
    form = {"csrf_token": csrf, "secret": "s3cret-value", "retention_days": "30", "enabled": "on"}
    assert (await client.post("/console/archive/settings", data=form)).status_code == 303
    form = {"csrf_token": csrf, "secret": "", "retention_days": "30", "enabled": "on"}
    assert (await client.post("/console/archive/settings", data=form)).status_code == 303
    assert (await ArchiveSettings.get(corp=corp)).retention_days == 30

    entries = await logged(corp)
    actions = [e.action for e in entries]
    assert actions == ["archive_settings_change", "retention_change", "archive_settings_change"]
    assert entries[0].detail_dict()["secret_changed"] is True
    retention = entries[1].detail_dict()
    assert retention.pop("client")["ip"] == "127.0.0.1"  # every entry names the client
    assert retention == {"from_days": 0, "to_days": 30}
    assert entries[2].detail_dict()["secret_changed"] is False
    assert "s3cret-value" not in " ".join(e.detail for e in entries)


async def test_transfer_settings_changes_are_audited(
    services: Services, client: httpx.AsyncClient
) -> None:
    corp, csrf = await signed_in_admin(services, client)
    saved = await client.post(
        "/console/api/transfers/settings",
        json={"auto_draft": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert saved.status_code == 200
    entries = await logged(corp)
    assert [e.action for e in entries] == ["transfer_settings_change"]
    assert entries[0].detail_dict()["fields"] == ["auto_draft"]
    assert entries[0].actor == "boss"


async def test_the_audit_page_names_who_did_it(
    services: Services, client: httpx.AsyncClient
) -> None:
    _corp, csrf = await signed_in_admin(services, client)
    form = {"csrf_token": csrf, "userid": "lihua", "role": "compliance"}
    assert (await client.post("/console/roles", data=form)).status_code == 303
    page = (await client.get("/console/compliance/audit")).text
    assert '<span class="name">老板</span> <span class="muted id">boss</span>' in page
    assert "role_grant" in page
