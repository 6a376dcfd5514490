"""The suite install flow end to end against the simulator, and what follows it."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import TEST_SUITE_ID, FakeClock
from tests.support.sync import PERMANENT_CODE_PATH, add_suite_org, assert_matches_org, install_suite
from tests.support.world import App, make_sim, running_app
from wecom_app import sync
from wecom_app.config import SelfBuiltApp, Settings
from wecom_app.directory.upsert import column
from wecom_app.install.disconnect import disconnected_reason
from wecom_app.install.errors import InstallError
from wecom_app.install.exchange import code_hash, process_pending_installs
from wecom_app.install.lifecycle import reconnect
from wecom_app.install.self_built import register_self_built_org
from wecom_app.install.suite import complete_install, install_link
from wecom_app.kv import KV
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import AuthCode, Authorization
from wecom_app.store.db import db
from wecom_app.store.directory import AuthExchange, ConsoleRole, SyncRun
from wecom_app.store.models import Corp, InboxEvent
from wecom_app.wecom import AuthCancelled, WeComError

CORP_A = "wwsuitecorpaaaa1"
CORP_B = "wwsuitecorpbbbb2"
CORP_TOKEN = "/cgi-bin/service/get_corp_token"


async def reset_permanent_code(
    app: App, sim: Simulator, clock: FakeClock, digit: str
) -> tuple[Authorization, AuthCode]:
    """WeCom issues CORP_A a new permanent code and pushes ``reset_permanent_code``."""
    authorization = sim.world.authorizations[(TEST_SUITE_ID, CORP_A)]
    authorization.permanent_code = "a-brand-new-permanent-code-0000000000000000"
    sim.tokens.invalidate(corp_id=CORP_A)
    reset = AuthCode(
        code="reset-code-" + digit * 40,
        suite_id=TEST_SUITE_ID,
        corp_id=CORP_A,
        expires_at=clock() + 600,
    )
    sim.world.auth_codes[reset.code] = reset
    sim.callbacks.emit_suite(TEST_SUITE_ID, "reset_permanent_code", {"AuthCode": reset.code})
    await app.deliver(sim)
    return authorization, reset


async def test_install_from_the_link_makes_an_active_tenant_and_syncs_it(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 21, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org, state="st-1")
        corp = await complete_install(app.services, code, source="redirect")

        assert (corp.corp_id, corp.mode, corp.status) == (CORP_A, "suite", "active")
        assert corp.name == org.name
        authorization = sim.world.authorizations[(TEST_SUITE_ID, CORP_A)]
        # Sealed at rest: the permanent code is nowhere in the database in plaintext.
        assert authorization.permanent_code not in corp.permanent_code_sealed
        opened = app.services.secrets.open(corp.permanent_code_sealed, "corp.permanent_code")
        assert opened == authorization.permanent_code
        _, rows = await db().execute_query('SELECT * FROM "corps"')
        assert authorization.permanent_code not in repr(rows)
        assert corp.auth_info["auth_corp_info"]["corpid"] == CORP_A
        assert corp.auth_info["state"] == "st-1"
        admin = await ConsoleRole.get(corp_id=corp.id, role="admin")
        assert admin.userid == authorization.installer_userid
        exchange = await AuthExchange.get(code_hash=code_hash(code))
        assert (exchange.status, exchange.corp_id, exchange.code_sealed) == ("done", CORP_A, "")

        # The initial sync is queued as a job, not run inline.
        run = await SyncRun.get(corp_id=corp.id)
        assert run.status == "queued"
        assert await sync.run_due_syncs(app.services) == 1
        await assert_matches_org(CORP_A, org)
        # The corp token came with the permanent code: the sync fetched none.
        assert sim.calls[CORP_TOKEN] == 0


async def test_test_installs_mark_the_session(settings: Settings, kv: KV, clock: FakeClock) -> None:
    sim, _, _ = make_sim(clock)
    async with running_app(settings, kv, clock, sim) as app:
        sim.push_suite_ticket(TEST_SUITE_ID)
        await app.deliver(sim)
        link = await install_link(
            app.services, redirect_uri="https://app.example/back", state="x", test_install=True
        )
        query = parse_qs(urlsplit(link).query)
        assert link.startswith("https://open.work.weixin.qq.com/3rdapp/install?")
        assert query["suite_id"] == [TEST_SUITE_ID]
        assert query["redirect_uri"] == ["https://app.example/back"]
        assert query["state"] == ["x"]
        assert sim.world.pre_auth_codes[query["pre_auth_code"][0]].auth_type == 1
        formal = await install_link(
            app.services, redirect_uri="https://app.example/back", state="y"
        )
        pre = parse_qs(urlsplit(formal).query)["pre_auth_code"][0]
        assert sim.world.pre_auth_codes[pre].auth_type == 0


async def test_redirect_then_create_auth_exchanges_once(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 22, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        sim.push_suite_ticket(TEST_SUITE_ID)
        await app.deliver(sim)
        # A marketplace install: WeCom redirects the admin *and* pushes create_auth.
        code = sim.authorize(TEST_SUITE_ID, org, state="m")
        first = await complete_install(app.services, code, source="redirect")
        await app.deliver(sim)  # the create_auth callback with the same code
        assert await process_pending_installs(app.services) == 0
        again = await complete_install(app.services, code, source="redirect")
        assert first.id == again.id
        assert sim.calls[PERMANENT_CODE_PATH] == 1
        assert await Corp.filter(corp_id=CORP_A).count() == 1
        assert await ConsoleRole.filter(corp_id=first.id).count() == 1
        assert await SyncRun.filter(corp_id=first.id).count() == 1
        row = await InboxEvent.get(name="create_auth")
        assert row.status == "done"


async def test_create_auth_first_is_recorded_then_exchanged_by_the_job(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 23, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        sim.push_suite_ticket(TEST_SUITE_ID)
        await app.deliver(sim)
        code = sim.authorize(TEST_SUITE_ID, org)
        await app.deliver(sim)
        # The handler only recorded the code: no WeCom call inside its transaction.
        assert sim.calls[PERMANENT_CODE_PATH] == 0
        recorded = await AuthExchange.get(code_hash=code_hash(code))
        assert (recorded.status, recorded.source) == ("pending", "create_auth")
        assert code not in recorded.code_sealed
        assert await process_pending_installs(app.services) == 1
        corp = await Corp.get(corp_id=CORP_A)
        assert corp.status == "active"
        # The admin's redirect arrives afterwards: the same tenant, no second exchange.
        assert (await complete_install(app.services, code, source="redirect")).id == corp.id
        assert sim.calls[PERMANENT_CODE_PATH] == 1


async def test_two_callers_at_once_exchange_once(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 24, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org)
        corps = await asyncio.gather(
            complete_install(app.services, code, source="redirect"),
            complete_install(app.services, code, source="create_auth"),
        )
        assert corps[0].id == corps[1].id
        assert sim.calls[PERMANENT_CODE_PATH] == 1


async def test_a_used_or_unknown_code_is_refused_and_remembered(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    async with running_app(settings, kv, clock, sim) as app:
        sim.push_suite_ticket(TEST_SUITE_ID)
        await app.deliver(sim)
        with pytest.raises(WeComError):
            await complete_install(app.services, "made-up-code", source="redirect")
        row = await AuthExchange.get(code_hash=code_hash("made-up-code"))
        assert row.status == "failed"
        assert "refused" in row.error
        # Asking again with the same code does not call WeCom again.
        with pytest.raises(InstallError):
            await complete_install(app.services, "made-up-code", source="redirect")
        assert sim.calls[PERMANENT_CODE_PATH] == 1


async def test_a_rejected_permanent_code_disconnects_and_tells_the_admin(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 25, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org)
        corp = await complete_install(app.services, code, source="redirect")
        # WeCom stops accepting the permanent code (the cancel_auth push got lost).
        sim.cancel_authorization(TEST_SUITE_ID, CORP_A)
        sim.pop_callbacks()
        await app.services.kv_store.delete(f"token:suite:{TEST_SUITE_ID}:corp:{CORP_A}")
        run = await sync.run_sync(app.services, CORP_A)
        assert run.status == "failed"
        assert "40084" in run.error
        corp = await Corp.get(corp_id=CORP_A)
        assert corp.status == "disconnected"
        assert "permanent code" in disconnected_reason(corp)
        assert corp.auth_info["disconnected_errcode"] == 40084
        # The job leaves a disconnected tenant alone; asking for a sync says why.
        assert await sync.run_due_syncs(app.services) == 0
        refused = await sync.start_full_sync(app.services, CORP_A)
        assert refused.status == "failed"
        assert "disconnected" in refused.error
        assert "permanent code" in refused.error
        with pytest.raises(InstallError, match="still refuses"):
            await reconnect(app.services, CORP_A)
        # Installing again makes it active, and the reason goes.
        code = sim.authorize(TEST_SUITE_ID, CORP_A, push=False)
        corp = await complete_install(app.services, code, source="redirect")
        assert corp.status == "active"
        assert disconnected_reason(corp) == ""
        assert "disconnected_reason" not in corp.auth_info


async def test_cancel_auth_stops_the_tenant(settings: Settings, kv: KV, clock: FakeClock) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 26, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org)
        corp = await complete_install(app.services, code, source="redirect")
        token_key = f"token:suite:{TEST_SUITE_ID}:corp:{CORP_A}"
        assert await app.services.kv_store.get(token_key) is not None
        clock.advance(5)
        sim.cancel_authorization(TEST_SUITE_ID, CORP_A)
        await app.deliver(sim)

        corp = await Corp.get(corp_id=CORP_A)
        assert corp.status == "cancelled"
        assert await app.services.kv_store.get(token_key) is None
        run = await SyncRun.get(corp_id=corp.id)
        assert run.status == "cancelled"  # the queued initial sync will not run
        assert await sync.run_due_syncs(app.services) == 0

        # A callback for it that WeCom sent just before (delivered late) is skipped.
        follower, customer = next(
            (u, e) for u, by in org.follows_by_user.items() for e in by if u in org.employees
        )
        sim.callbacks.emit_suite(
            TEST_SUITE_ID,
            "change_external_contact",
            {
                "AuthCorpId": CORP_A,
                "ChangeType": "del_follow_user",
                "UserID": follower,
                "ExternalUserID": customer,
            },
        )
        await app.deliver(sim)
        row = await InboxEvent.filter(name="change_external_contact").first()
        assert row is not None
        assert row.status == "skipped"
        from wecom_app.store.directory import FollowRelation, TimelineEvent

        assert not await FollowRelation.filter(corp_id=corp.id).exists()
        assert not await TimelineEvent.filter(corp_id=corp.id).exists()


async def test_change_auth_rereads_the_authorisation(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 27, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org)
        corp = await complete_install(app.services, code, source="redirect")
        assert await sync.run_due_syncs(app.services) == 1
        org.name = "改名后的公司"
        sim.change_authorization(TEST_SUITE_ID, CORP_A)
        await app.deliver(sim)
        corp = await Corp.get(corp_id=CORP_A)
        assert corp.name == "改名后的公司"
        assert corp.auth_info["auth_corp_info"]["corp_name"] == "改名后的公司"
        assert "auth_changed_at" in corp.auth_info
        # The visible range may have changed: a new sync is queued.
        assert await SyncRun.filter(corp_id=corp.id, status="queued").count() == 1


async def test_reset_permanent_code_swaps_the_code(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 28, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org)
        await complete_install(app.services, code, source="redirect")
        # WeCom issues the corp a new permanent code (custom-developed apps).
        authorization, _ = await reset_permanent_code(app, sim, clock, "0")
        assert await process_pending_installs(app.services) == 1
        corp = await Corp.get(corp_id=CORP_A)
        opened = app.services.secrets.open(corp.permanent_code_sealed, "corp.permanent_code")
        assert opened == authorization.permanent_code
        # The new code works: a token is fetched with it.
        tokens = await app.services.wecom.corp_tokens(CORP_A)
        assert await tokens.get()


async def test_two_tenants_never_see_each_others_data(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock)
    org_a = add_suite_org(sim, 31, CORP_A)
    org_b = add_suite_org(sim, 32, CORP_B)
    async with running_app(settings, kv, clock, sim) as app:
        code_a = await install_suite(app, sim, org_a)
        corp_a = await complete_install(app.services, code_a, source="redirect")
        code_b = sim.authorize(TEST_SUITE_ID, org_b, push=False)
        corp_b = await complete_install(app.services, code_b, source="redirect")
        # The same person is a customer of both orgs.
        shared = next(iter(org_a.customers.values()))
        seller_b = next(e.userid for e in org_b.active_employees() if e.customer_contact)
        sim.add_customer(CORP_B, seller_b, shared)
        sim.pop_callbacks()
        assert await sync.run_due_syncs(app.services) == 2
        await assert_matches_org(CORP_A, org_a)
        await assert_matches_org(CORP_B, org_b)

        # A change in A reaches A only.
        follower_a = org_a.followers(shared.external_userid)[0].userid
        sim.employee_deletes_customer(CORP_A, follower_a, shared.external_userid)
        await app.deliver(sim)
        await assert_matches_org(CORP_A, org_a)
        await assert_matches_org(CORP_B, org_b)
        from wecom_app.store.directory import Customer, TimelineEvent

        in_b = await Customer.get(corp_id=corp_b.id, external_userid=shared.external_userid)
        assert in_b.status == "active"
        assert not await TimelineEvent.filter(
            corp_id=corp_b.id, external_userid=shared.external_userid, kind="deleted_by_employee"
        ).exists()
        assert await TimelineEvent.filter(
            corp_id=corp_a.id, external_userid=shared.external_userid, kind="deleted_by_employee"
        ).exists()


async def test_register_self_built_checks_the_secret(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock)
    async with running_app(settings, kv, clock, sim) as app:
        assert settings.self_built is not None
        wrong = SelfBuiltApp(
            corp_id=org.corp_id,
            corp_secret="not-the-secret",
            agent_id="1000002",
            callback_token=settings.self_built.callback_token,
            callback_aes_key=settings.self_built.callback_aes_key,
        )
        with pytest.raises(InstallError, match="secret"):
            await register_self_built_org(app.services, wrong, admin_userids=["a"])
        corp = await register_self_built_org(
            app.services, settings.self_built, admin_userids=["boss", "boss", ""]
        )
        assert (corp.mode, corp.status) == ("self_built", "active")
        assert await column(ConsoleRole.filter(corp_id=corp.id), "userid") == ["boss"]
        assert await SyncRun.filter(corp_id=corp.id, status="queued").count() == 1
        assert await sync.run_due_syncs(app.services) == 1
        await assert_matches_org(org.corp_id, org)


def test_auth_cancelled_is_the_40084_error() -> None:
    # The disconnect logic keys on this class: make sure 40084 maps to it.
    from wecom_app.wecom.errors import error_for

    assert isinstance(error_for(40084, "invalid permanent_code", "/x"), AuthCancelled)


async def _dump_every_table() -> str:
    """What a database dump holds: every row of every table, as text."""
    from tortoise import Tortoise

    dumped: list[str] = []
    for app_models in Tortoise.apps.values():
        for model in app_models.values():
            if model._meta.db_table == "aerich":
                continue
            dumped.append(repr(await model.all().values()))
    return "\n".join(dumped)


async def test_a_database_dump_holds_no_credential_in_plaintext(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    """Permanent codes, secrets, callback keys, tickets, auth codes and tokens: sealed or
    gone, after a suite install, a self-built org, a sync and a reset of the code."""
    sim, self_built_org, _ = make_sim(clock)
    org = add_suite_org(sim, 41, CORP_A)
    async with running_app(settings, kv, clock, sim) as app:
        assert settings.self_built is not None
        assert settings.suite is not None
        code = await install_suite(app, sim, org)
        sim.callbacks.emit_suite(TEST_SUITE_ID, "create_auth", {"AuthCode": code})
        await app.deliver(sim)
        await complete_install(app.services, code, source="redirect")
        await register_self_built_org(app.services, settings.self_built, admin_userids=[])
        assert await sync.run_due_syncs(app.services) == 2
        first_code = sim.world.authorizations[(TEST_SUITE_ID, CORP_A)].permanent_code
        authorization, reset = await reset_permanent_code(app, sim, clock, "1")
        assert await process_pending_installs(app.services) == 1
        assert await (await app.services.wecom.corp_tokens(CORP_A)).get()

        credentials = {
            "permanent code": first_code,
            "new permanent code": authorization.permanent_code,
            "suite secret": settings.suite.suite_secret,
            "suite token": settings.suite.token,
            "suite aes key": settings.suite.aes_key,
            "corp secret": settings.self_built.corp_secret,
            "callback token": settings.self_built.callback_token,
            "callback aes key": settings.self_built.callback_aes_key,
            "secret key": settings.secret_key,
            "auth code": code,
            "reset auth code": reset.code,
        }
        for i, ticket in enumerate(sim.world.suites[TEST_SUITE_ID].tickets):
            credentials[f"suite ticket {i}"] = ticket
        for i, issued in enumerate(sim.tokens._by_value):
            credentials[f"access token {i}"] = issued
        assert len(credentials) > 10
        dump = await _dump_every_table()
        assert self_built_org.corp_id in dump
        assert CORP_A in dump
        leaked = [name for name, value in credentials.items() if value and value in dump]
        assert leaked == []
