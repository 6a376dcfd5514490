"""The sync under WeCom's failures: tokens revoked mid-run, rate limits, busy answers,
cursors that repeat. Each run ends complete, or paused/incomplete without damage."""

from __future__ import annotations

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.sync import BATCH_PATH, assert_matches_org
from tests.support.world import make_sim, running_app
from wecom_app import sync
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.simulator.costs import minimum_sync_calls
from wecom_app.store.directory import FollowRelation
from wecom_app.store.models import Corp
from wecom_app.wecom.tokens import CORP_TOKEN_PATH


async def test_a_token_revoked_mid_sync_is_replaced_once(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=500, employees=20)
    revoked = 0

    def revoke(progress: sync.SyncProgress) -> None:
        nonlocal revoked
        if progress.stage == "customers" and progress.counts.get("relations", 0) and not revoked:
            revoked = sim.invalidate_token(corp_id=TEST_CORP_ID, errcode=42001)

    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID, progress=revoke)
        assert revoked == 1
        assert run.status == "done", run.error
        await assert_matches_org(TEST_CORP_ID, org)
        # The rejected call and one new token, nothing else.
        assert sim.calls[CORP_TOKEN_PATH] == 2
        assert sum(sim.calls.values()) == minimum_sync_calls(org).total + 2


async def test_rate_limited_sync_pauses_and_resumes_after_the_block(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=600, employees=20)
    # WeCom's per-API minute limit, made tiny: the 3rd page is refused (45009) and the
    # API stays blocked for 60 s on the simulator clock.
    sim.limits.per_path_per_minute[BATCH_PATH] = 2
    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "paused"
        assert "45009" in run.error
        assert run.state["retry_at"] == clock() + 60
        assert run.state["cursor"]  # the position after the two stored pages

        clock.advance(30)
        assert await sync.run_due_syncs(app.services) == 0  # not due yet
        clock.advance(31)
        sim.limits.per_path_per_minute.clear()
        assert await sync.run_due_syncs(app.services) == 1
        resumed = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert resumed is not None
        assert resumed.status == "done", resumed.error
        await assert_matches_org(TEST_CORP_ID, org)
        # Pages stored before the block were not fetched again; the refused call is
        # the only extra one.
        assert sim.calls[BATCH_PATH] == minimum_sync_calls(org).customer_pages + 1


async def test_busy_answers_are_retried_then_the_run_pauses(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=300, employees=15)
    async with running_app(settings, kv, clock, sim) as app:
        # Twice busy: the client's own retries absorb it.
        sim.faults.fail_next(BATCH_PATH, -1, times=2)
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "done", run.error
        assert sim.calls[BATCH_PATH] == minimum_sync_calls(org).customer_pages + 2

        # Busy beyond the client's retries: the run pauses with backoff, then resumes.
        sim.faults.fail_next("/cgi-bin/externalcontact/groupchat/list", -1, times=4)
        run = await sync.run_sync(app.services, TEST_CORP_ID, full=True)
        assert run.status == "paused"
        assert run.stage == "group_chats"
        clock.advance(run.state["retry_at"] - clock() + 1)
        assert await sync.run_due_syncs(app.services) == 1
        resumed = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert resumed is not None
        assert resumed.status == "done", resumed.error
        await assert_matches_org(TEST_CORP_ID, org)


async def test_a_cursor_repeated_once_costs_one_call(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=500, employees=12)
    sim.faults.repeat_cursor(BATCH_PATH)
    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "done"
        assert run.error == ""
        await assert_matches_org(TEST_CORP_ID, org)
        assert run.state["stats"]["repeated_cursors"] == 1
        assert sim.calls[BATCH_PATH] == minimum_sync_calls(org).customer_pages + 1


async def test_a_cursor_that_keeps_repeating_stops_without_marking_anyone_gone(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=500, employees=12)
    async with running_app(settings, kv, clock, sim) as app:
        assert (await sync.run_sync(app.services, TEST_CORP_ID)).status == "done"
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        active = await FollowRelation.filter(corp_id=corp.id, status="active").count()

        sim.faults.repeat_cursor(BATCH_PATH, times=2)
        run = await sync.run_sync(app.services, TEST_CORP_ID, full=True)
        # It ends (no endless loop), says it is incomplete, and the relations it could
        # not read are not taken for deleted.
        assert run.status == "done"
        assert run.error.startswith("incomplete")
        assert await FollowRelation.filter(corp_id=corp.id, status="active").count() == active
        assert await FollowRelation.filter(corp_id=corp.id, status="removed").count() == 0
        assert sim.calls[BATCH_PATH] < 3 * minimum_sync_calls(org).customer_pages
