"""The admin console's pages: settings, sync, inbox, archive keys, roles, set-up URLs,
install — and that no secret ever comes back out of a page or an API."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import TEST_AES_KEY, TEST_CALLBACK_TOKEN, TEST_SUITE_ID
from tests.support.consoles import (
    CORP_SECRET,
    Browser,
    ConsoleWorld,
    console_routes,
)
from wecom_app.archive import keys as archive_keys
from wecom_app.simulator.generator import generate_org
from wecom_app.store.archive import ArchiveKey, ArchiveSettings
from wecom_app.store.directory import ConsoleRole, SyncRun
from wecom_app.store.models import Corp, InboxEvent

ARCHIVE_SECRET = "archive-secret-for-console-tests-0123456789"


def rsa_pem(
    bits: int = 2048, *, fmt: str = "pkcs1", password: bytes | None = None
) -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    private_format = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if fmt == "pkcs1"
        else serialization.PrivateFormat.PKCS8
    )
    pem = key.private_bytes(serialization.Encoding.PEM, private_format, encryption).decode()
    return pem, key


def public_fingerprint(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


async def form_post(browser: Browser, path: str, **fields: Any) -> Any:
    token = await browser.csrf("/console/")
    return await browser.post(path, data={"csrf_token": token, **fields})


# -- secrets never come back out ------------------------------------------------------------


async def test_no_page_or_api_shows_a_secret(world: ConsoleWorld) -> None:
    pem, _ = rsa_pem()
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        saved = await form_post(
            admin, "/console/archive/settings", secret=ARCHIVE_SECRET, enabled="1"
        )
        assert saved.status_code == 303
        stored = await form_post(admin, "/console/archive/keys", version="1", pem=pem)
        assert stored.status_code == 303
    permanent_code = world.sim.world.authorizations[(TEST_SUITE_ID, world.corp_b.corp_id)]
    secrets = {
        "corp secret": CORP_SECRET,
        "callback token": TEST_CALLBACK_TOKEN,
        "callback key": TEST_AES_KEY,
        "archive secret": ARCHIVE_SECRET,
        "permanent code": permanent_code.permanent_code,
        # Any line of the key's base64 body would give part of it away.
        **{f"key line {i}": line for i, line in enumerate(pem.splitlines()[1:-1])},
    }
    gets = [p for m, p in await console_routes(world.app) if m == "GET" and "{" not in p]
    assert "/console/archive" in gets
    assert "/console/api/archive" in gets
    for app, userid in ((world.app_a, world.admin_a), ("suite", world.admin_b)):
        async with world.signed_in(app, userid) as browser:
            for path in gets:
                response = await browser.get(path)
                assert response.status_code < 500, path
                for what, value in secrets.items():
                    assert value not in response.text, f"{path} shows the {what}"
    # Sealed at rest: nothing above is stored in plaintext either.
    settings_row = await ArchiveSettings.get(corp=world.corp_a)
    assert settings_row.secret_sealed.startswith("v1:")
    assert ARCHIVE_SECRET not in settings_row.secret_sealed
    key_row = await ArchiveKey.get(corp=world.corp_a, version=1)
    assert "PRIVATE KEY" not in key_row.private_key_sealed
    opened = world.services.secrets.open(key_row.private_key_sealed, archive_keys.KEY_PURPOSE)
    assert opened.startswith("-----BEGIN PRIVATE KEY-----")  # normalised to PKCS#8


# -- self-built app settings --------------------------------------------------------------


async def test_app_settings_check_the_secret_with_wecom(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = await admin.get("/console/settings")
        assert "leave blank to keep" in page.text
        assert "environment" in page.text  # corp A is configured by environment
        wrong = await form_post(admin, "/console/settings", agent_id="1000002", secret="wrong")
        assert wrong.status_code == 400
        assert "refused" in wrong.text
        corp = await Corp.get(id=world.corp_a.id)
        assert world.services.secrets.open(corp.secret_sealed, "corp.secret") == CORP_SECRET
        # The org rotates its secret in WeCom; the admin pastes the new one.
        app = world.sim.org(world.corp_a.corp_id).app
        assert app is not None
        app.secret = "rotated-corp-secret-0123456789"
        saved = await form_post(
            admin,
            "/console/settings",
            agent_id="1000002",
            secret="rotated-corp-secret-0123456789",
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/console/settings?notice=app_saved"
        corp = await Corp.get(id=world.corp_a.id)
        box = world.services.secrets
        assert box.open(corp.secret_sealed, "corp.secret") == "rotated-corp-secret-0123456789"
        # Blank fields kept what was stored.
        assert box.open(corp.callback_token_sealed, "corp.callback_token") == TEST_CALLBACK_TOKEN
        for bad in ({"agent_id": "abc"}, {"agent_id": "1", "callback_aes_key": "short"}):
            response = await form_post(admin, "/console/settings", **bad)
            assert response.status_code == 400, bad
    async with world.signed_in("suite", world.admin_b) as suite_admin:
        assert "nothing to set" in (await suite_admin.get("/console/settings")).text
        refused = await form_post(suite_admin, "/console/settings", agent_id="1", secret="x")
        assert refused.status_code == 400


# -- sync -----------------------------------------------------------------------------------


async def test_sync_status_and_sync_now(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        assert "No sync has run" in (await admin.get("/console/sync")).text
        run = await SyncRun.create(
            corp=world.corp_a,
            status="running",
            stage="customers",
            counts={"employees": 30, "relations": 20, "customers": 7},
            total_hint=100,
        )
        page = await admin.get("/console/sync")
        assert 'value="50"' in page.text
        assert "customers" in page.text
        assert re.search(r"<button type=\"submit\" disabled>Sync now", page.text)
        busy = await form_post(admin, "/console/sync")
        assert busy.headers["location"] == "/console/sync?notice=sync_busy"
        assert await SyncRun.filter(corp=world.corp_a).count() == 1
        run.status = "failed"
        run.error = "WeCom said 60011 for department 7"
        await run.save()
        assert "60011" in (await admin.get("/console/sync")).text
        # "Sync now" on a failed run resumes it (the sync keeps its place)…
        resumed = await form_post(admin, "/console/sync")
        assert resumed.headers["location"] == "/console/sync?notice=sync_started"
        assert await SyncRun.filter(corp=world.corp_a).count() == 1
        # …and after a complete run it queues a new one.
        run.status = "done"
        await run.save()
        assert 'value="100"' in (await admin.get("/console/sync")).text
        started = await form_post(admin, "/console/sync")
        assert started.headers["location"] == "/console/sync?notice=sync_started"
        latest = await SyncRun.filter(corp=world.corp_a).order_by("-id").first()
        assert latest is not None
        assert latest.id != run.id
        api = (await admin.get("/console/api/sync")).json()["sync"]
        assert api["id"] == latest.id
        assert api["active"] is True
        # B's sync history is B's: nothing of A's run shows up there.
    async with world.signed_in("suite", world.admin_b) as other:
        assert (await other.get("/console/api/sync")).json()["sync"] is None


# -- callback inbox -------------------------------------------------------------------------


async def inbox_row(
    corp_id: str, status: str, error: str = "", name: str = "change_contact"
) -> int:
    row = await InboxEvent.create(
        scope=corp_id,
        dedup_key=f"{status}-{error}-{name}",
        source="corp",
        corp_id=corp_id,
        name=name,
        change_type="update_user",
        payload="{}",
        status=status,
        attempts=8 if status == "failed" else 1,
        last_error=error,
        received_at=1_700_000_000.0,
        next_attempt_at=1_700_000_000.0,
    )
    return int(row.id)


async def test_inbox_health_and_replay_are_per_tenant(world: ConsoleWorld) -> None:
    a, b = world.corp_a.corp_id, world.corp_b.corp_id
    failed_a = await inbox_row(a, "failed", "boom in A")
    unhandled_a = await inbox_row(a, "no_handler", name="some_future_event")
    await inbox_row(a, "done")
    await inbox_row(a, "pending")
    failed_b = await inbox_row(b, "failed", "boom in B")
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        health = (await admin.get("/console/api/inbox")).json()
        assert health["counts"]["failed"] == 1
        assert health["counts"]["no_handler"] == 1
        assert health["counts"]["done"] == 1
        assert health["backlog"] == 1
        assert {e["id"] for e in health["problems"]} == {failed_a, unhandled_a}
        page = await admin.get("/console/inbox")
        assert "boom in A" in page.text
        assert "boom in B" not in page.text
        # Asking to replay B's event along with A's replays only A's.
        replay = await form_post(admin, "/console/inbox/replay", ids=[str(failed_a), str(failed_b)])
        assert replay.headers["location"] == "/console/inbox?notice=replayed"
        row_a = await InboxEvent.get(id=failed_a)
        assert (row_a.status, row_a.attempts) == ("pending", 0)
        row_b = await InboxEvent.get(id=failed_b)
        assert (row_b.status, row_b.attempts) == ("failed", 8)
        nothing = await form_post(admin, "/console/inbox/replay", ids=str(failed_b))
        assert nothing.headers["location"] == "/console/inbox?notice=nothing_replayed"
        token = await admin.csrf("/console/")
        api = await admin.post(
            "/console/api/inbox/replay",
            headers={"X-CSRF-Token": token},
            json={"all_failed": True},
        )
        assert api.json() == {"replayed": 0}  # A has no failed event left; B's is B's
        assert (await InboxEvent.get(id=failed_b)).status == "failed"
        api = await admin.post(
            "/console/api/inbox/replay",
            headers={"X-CSRF-Token": token},
            json={"ids": [unhandled_a]},
        )
        assert api.json() == {"replayed": 1}


# -- archive --------------------------------------------------------------------------------


async def test_archive_key_upload_is_validated(world: ConsoleWorld) -> None:
    pem, key = rsa_pem()
    other_pem, other_key = rsa_pem(fmt="pkcs8")
    small_pem, _ = rsa_pem(1024)
    locked_pem, locked_key = rsa_pem(password=b"open sesame")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        cases = [
            ({"version": "1", "pem": "hello"}, "not PEM"),
            ({"version": "1", "pem": public_pem}, "public key"),
            ({"version": "1", "pem": small_pem}, "1024 bits"),
            ({"version": "1", "pem": locked_pem}, "encrypted"),
            ({"version": "x", "pem": pem}, "publickey_ver"),
            ({"version": "1"}, "empty"),
        ]
        for fields, message in cases:
            response = await form_post(admin, "/console/archive/keys", **fields)
            assert response.status_code == 400, fields
            assert message in response.text, (fields, response.text[-800:])
        assert await ArchiveKey.filter(corp=world.corp_a).count() == 0
        assert (
            await form_post(admin, "/console/archive/keys", version="1", pem=pem)
        ).status_code == 303
        row = await ArchiveKey.get(corp=world.corp_a, version=1)
        assert row.fingerprint == public_fingerprint(key)
        # A different key for a version that has one needs an explicit "replace".
        clash = await form_post(admin, "/console/archive/keys", version="1", pem=other_pem)
        assert clash.status_code == 400
        assert "replace" in clash.text
        assert (await ArchiveKey.get(id=row.id)).fingerprint == public_fingerprint(key)
        replaced = await form_post(
            admin, "/console/archive/keys", version="1", pem=other_pem, replace="1"
        )
        assert replaced.status_code == 303
        assert (await ArchiveKey.get(id=row.id)).fingerprint == public_fingerprint(other_key)
        # A PEM file upload, encrypted, with its password.
        token = await admin.csrf("/console/")
        uploaded = await admin.post(
            "/console/archive/keys",
            data={"csrf_token": token, "version": "2", "password": "open sesame"},
            files={"pem_file": ("key.pem", locked_pem.encode(), "application/x-pem-file")},
        )
        assert uploaded.status_code == 303, uploaded.text[-600:]
        listed = (await admin.get("/console/api/archive")).json()
        assert [(k["version"], k["fingerprint"]) for k in listed["keys"]] == [
            (1, public_fingerprint(other_key)),
            (2, public_fingerprint(locked_key)),
        ]
        page = await admin.get("/console/archive")
        assert public_fingerprint(locked_key) in page.text


async def test_archive_settings(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        refused = await form_post(admin, "/console/archive/settings", enabled="1")
        assert refused.status_code == 400
        assert "secret" in refused.text
        bad = await form_post(admin, "/console/archive/settings", retention_days="-3")
        assert bad.status_code == 400
        ok = await form_post(
            admin,
            "/console/archive/settings",
            secret=ARCHIVE_SECRET,
            enabled="1",
            retention_days="180",
        )
        assert ok.status_code == 303
        assert await archive_keys.archive_secret(world.corp_a.id, world.services.secrets) == (
            ARCHIVE_SECRET
        )
        kept = await form_post(admin, "/console/archive/settings", retention_days="30")
        assert kept.status_code == 303
        row = await ArchiveSettings.get(corp=world.corp_a)
        assert (row.enabled, row.retention_days) == (False, 30)
        assert await archive_keys.archive_secret(world.corp_a.id, world.services.secrets) == (
            ARCHIVE_SECRET
        )
        assert (await admin.get("/console/api/archive")).json()["secret_set"] is True


# -- roles ----------------------------------------------------------------------------------


async def test_admin_grants_and_revokes_roles(world: ConsoleWorld) -> None:
    member, other = world.members(world.org_a, skip=(world.admin_a,))[:2]
    foreigner = world.members(world.org_b)[1]
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        granted = await form_post(admin, "/console/roles", userid=member, role="compliance")
        assert granted.headers["location"] == "/console/roles?notice=role_granted"
        row = await ConsoleRole.get(corp=world.corp_a, userid=member, role="compliance")
        assert row.granted_by == world.admin_a
        refusals = [
            ({"userid": member, "role": "admin"}, "compliance or manager"),
            ({"userid": foreigner, "role": "compliance"}, "not in this organisation"),
            ({"userid": other, "role": "manager"}, "needs a scope"),
            ({"userid": other, "role": "manager", "departments": "999"}, "999"),
            ({"userid": other, "role": "manager", "scope_userids": foreigner}, foreigner),
        ]
        for fields, message in refusals:
            response = await form_post(admin, "/console/roles", **fields)
            assert response.status_code == 400, fields
            assert message in response.text, fields
        manager = await form_post(
            admin, "/console/roles", userid=other, role="manager", departments=["2", "3"]
        )
        assert manager.headers["location"] == "/console/roles?notice=role_granted"
        updated = await form_post(
            admin, "/console/roles", userid=other, role="manager", scope_userids=member
        )
        assert updated.headers["location"] == "/console/roles?notice=role_updated"
        scope = (await ConsoleRole.get(corp=world.corp_a, userid=other, role="manager")).scope
        assert scope == {"departments": [], "userids": [member]}
        listed = {
            (r["userid"], r["role"])
            for r in (await admin.get("/console/api/roles")).json()["roles"]
        }
        assert listed == {(world.admin_a, "admin"), (member, "compliance"), (other, "manager")}
        revoked = await form_post(admin, f"/console/roles/{row.id}/revoke")
        assert revoked.headers["location"] == "/console/roles?notice=role_revoked"
        assert not await ConsoleRole.filter(id=row.id).exists()
        assert (await form_post(admin, f"/console/roles/{row.id}/revoke")).status_code == 404
        assert (await form_post(admin, "/console/roles/abc/revoke")).status_code == 404
    # The install's admin row of B cannot be revoked from the console.
    install_row = await ConsoleRole.create(
        corp=world.corp_b, userid=world.admin_b, role="admin", granted_by="install"
    )
    async with world.signed_in("suite", world.admin_b) as admin_b:
        response = await form_post(admin_b, f"/console/roles/{install_row.id}/revoke")
        assert response.status_code == 404
        assert await ConsoleRole.filter(id=install_row.id).exists()


# -- set-up URLs, tenant, install ---------------------------------------------------------


async def test_setup_urls_per_kind_of_tenant(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = (await admin.get("/console/setup")).text
        assert f"http://127.0.0.1:8000/callbacks/corp/{world.corp_a.corp_id}" in page
        assert 'data-copy="127.0.0.1:8000"' in page
        assert "/callbacks/suite" not in page
    async with world.signed_in("suite", world.admin_b) as admin_b:
        page = (await admin_b.get("/console/setup")).text
        assert "http://127.0.0.1:8000/callbacks/suite" in page
        assert "http://127.0.0.1:8000/callbacks/data" in page
        assert "/callbacks/corp/" not in page


async def test_disconnected_tenant_shows_why_and_reconnects(world: ConsoleWorld) -> None:
    await Corp.filter(id=world.corp_a.id).update(
        status="disconnected", auth_info={"disconnected_reason": "invalid secret (40001)"}
    )
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = await admin.get("/console/tenant")
        assert "invalid secret (40001)" in page.text
        back = await form_post(admin, "/console/tenant/reconnect")
        assert back.headers["location"] == "/console/tenant?notice=reconnected"
    assert (await Corp.get(id=world.corp_a.id)).status == "active"


async def test_install_from_our_site(world: ConsoleWorld) -> None:
    newcomer = world.sim.add_org(generate_org(31, customers=2, employees=3))
    installer = next(iter(newcomer.employees))
    async with world.browser() as browser:
        page = await browser.get("/console/install")
        assert "Test install" in page.text
        token = await browser.csrf("/console/install")
        started = await browser.post(
            "/console/install", data={"csrf_token": token, "test_install": "1"}
        )
        assert started.status_code == 303
        link = urlsplit(started.headers["location"])
        assert (link.netloc, link.path) == ("open.work.weixin.qq.com", "/3rdapp/install")
        query = parse_qs(link.query)
        assert query["redirect_uri"] == ["http://127.0.0.1:8000/console/install/return"]
        pre_auth_code = query["pre_auth_code"][0]
        assert world.sim.world.pre_auth_codes[pre_auth_code].auth_type == 1  # test install
        # The admin approves in WeCom, which sends the browser back with an auth code.
        auth_code = world.sim.install_from_link(
            pre_auth_code, newcomer.corp_id, state=query["state"][0]
        )
        done = await browser.get(
            "/console/install/return", params={"auth_code": auth_code, "state": query["state"][0]}
        )
        assert done.status_code == 200, done.text
        assert newcomer.name in done.text
    corp = await Corp.get(corp_id=newcomer.corp_id)
    assert corp.mode == "suite"
    async with world.signed_in("suite", installer) as admin:
        assert (await admin.get("/console/api/me")).json()["roles"] == ["admin"]


async def test_install_return_from_another_browser_tells_nothing(world: ConsoleWorld) -> None:
    newcomer = world.sim.add_org(generate_org(32, customers=2, employees=3))
    async with world.browser() as starter, world.browser() as stranger:
        token = await starter.csrf("/console/install")
        started = await starter.post("/console/install", data={"csrf_token": token})
        query = parse_qs(urlsplit(started.headers["location"]).query)
        auth_code = world.sim.install_from_link(query["pre_auth_code"][0], newcomer.corp_id)
        done = await stranger.get(
            "/console/install/return", params={"auth_code": auth_code, "state": query["state"][0]}
        )
        assert done.status_code == 200
        assert newcomer.name not in done.text
    # The code is WeCom's proof of the install: the tenant exists all the same.
    assert await Corp.filter(corp_id=newcomer.corp_id, mode="suite").exists()
