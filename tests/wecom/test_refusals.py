"""How the flows take WeCom's permission and concurrency refusals (issue 14, item 9),
produced on demand by the simulator's fault injection."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.sync import BATCH_PATH, assert_matches_org
from tests.support.world import make_sim, running_app
from wecom_app import sync
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.store.directory import FollowRelation
from wecom_app.store.models import Corp
from wecom_app.wecom.errors import explain


@pytest.mark.parametrize(
    ("errcode", "words"),
    [
        (60011, "visible range"),
        (48002, "no permission"),
        (48004, "authorisation is not valid"),
        (48006, "permission was withdrawn"),
        (84074, "customer-contact"),
    ],
)
async def test_a_permission_refusal_fails_the_sync_with_words_an_admin_can_act_on(
    settings: Settings, kv: KV, clock: FakeClock, errcode: int, words: str
) -> None:
    sim, _, _ = make_sim(clock, customers=120, employees=8)
    async with running_app(settings, kv, clock, sim) as app:
        sim.faults.fail_next(BATCH_PATH, errcode)
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "failed"
        assert explain(errcode) in run.error
        assert words in run.error
        # Nothing half-read is taken for gone, and a later run (permission granted
        # again) completes.
        assert await FollowRelation.filter(status="removed").count() == 0
        clock.advance(3600)
        assert await sync.run_due_syncs(app.services) == 1
        done = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert done is not None
        assert done.status == "done", done.error


async def test_too_many_concurrent_calls_pause_the_sync_for_a_moment(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, _, _ = make_sim(clock, customers=120, employees=8)
    async with running_app(settings, kv, clock, sim) as app:
        # 45033 after the client's own retries: the run pauses for a second, not a minute.
        sim.faults.fail_next(BATCH_PATH, 45033, times=10)
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "paused"
        assert "45033" in run.error
        assert run.state["retry_at"] <= clock() + 1.0


async def test_an_expired_cursor_reads_the_batch_again_instead_of_failing(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=600, employees=8)
    sim.limits.per_path_per_minute[BATCH_PATH] = 2  # pause after two pages, cursor kept
    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        assert run.status == "paused"
        assert run.state["cursor"]
        sim.limits.per_path_per_minute.clear()
        clock.advance(61)
        # While paused, the stored cursor expired: WeCom answers 50100 for it.
        sim.faults.fail_next(BATCH_PATH, 50100)
        assert await sync.run_due_syncs(app.services) == 1
        done = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert done is not None
        assert done.status == "done", done.error
        assert done.state["stats"]["invalid_cursors"] == 1
        await assert_matches_org(TEST_CORP_ID, org)
