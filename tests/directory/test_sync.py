"""The full sync against the simulator: complete, minimal in calls, resumable, upserting."""

from __future__ import annotations

import math

import pytest
from tortoise.transactions import in_transaction

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.sync import BATCH_PATH, assert_matches_org
from tests.support.world import make_sim, running_app
from wecom_app import sync
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.simulator.costs import minimum_sync_calls
from wecom_app.simulator.state import Org
from wecom_app.store.db import db
from wecom_app.store.directory import (
    Customer,
    Department,
    FollowRelation,
    Tag,
    TimelineEvent,
)
from wecom_app.store.models import Corp, Employee


async def test_full_sync_stores_the_org_with_the_fewest_calls(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=450, employees=30)
    async with running_app(settings, kv, clock, sim) as app:
        calls_before = app.services.wecom.client.total_calls
        run = await sync.run_sync(app.services, TEST_CORP_ID)
        calls = app.services.wecom.client.total_calls - calls_before
        assert run.status == "done", run.error
        await assert_matches_org(TEST_CORP_ID, org)
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        assert await Department.filter(corp_id=corp.id).count() == len(org.departments)
        assert await Employee.filter(corp_id=corp.id, status="active").count() == len(org.employees)
        assert await Tag.filter(corp_id=corp.id, deleted=False).count() == len(org.tags)
        # Relation details arrive intact (remark, tags, add_way, state, createtime).
        sample = next(r for by in org.follows_by_user.values() for r in by.values() if r.tag_ids)
        stored = await FollowRelation.get(
            corp_id=corp.id, userid=sample.userid, external_userid=sample.external_userid
        )
        assert stored.tag_ids == sample.tag_ids
        assert (stored.remark, stored.description) == (sample.remark, sample.description)
        assert (stored.add_way, stored.state, stored.added_at) == (
            sample.add_way,
            sample.state,
            sample.createtime,
        )
        minimum = minimum_sync_calls(org)
        assert calls == minimum.total, (calls, minimum)
        assert run.counts["relations"] == len({(u, e) for u, e in _pairs(org)})
        assert run.total_hint == sum(
            run.counts[k] for k in ("departments", "employees", "tags", "relations", "group_chats")
        )


def _pairs(org: Org) -> list[tuple[str, str]]:
    return [(u, e) for u, by in org.follows_by_user.items() for e in by]


async def test_a_second_run_upserts_and_finds_what_is_gone(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=200, employees=12)
    async with running_app(settings, kv, clock, sim) as app:
        first = await sync.run_sync(app.services, TEST_CORP_ID)
        assert first.status == "done"
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        customers = await Customer.filter(corp_id=corp.id).count()
        relations = await FollowRelation.filter(corp_id=corp.id).count()
        added_events = await TimelineEvent.filter(corp_id=corp.id, kind="added").count()
        assert added_events == relations
        # Changes nobody told us about (callbacks lost): a relation gone, a tag changed.
        gone_user, gone = next((u, e) for u, e in _pairs(org) if len(org.followers(e)) == 1)
        org.remove_follow(gone_user, gone)
        sim.pop_callbacks()
        retagged = next(r for by in org.follows_by_user.values() for r in by.values() if r.tag_ids)
        old_tags = list(retagged.tag_ids)
        retagged.tag_ids = old_tags[1:]

        second = await sync.run_sync(app.services, TEST_CORP_ID, full=True)
        assert second.status == "done", second.error
        await assert_matches_org(TEST_CORP_ID, org)
        # Upserts: no duplicate rows, however many runs.
        assert await Customer.filter(corp_id=corp.id).count() == customers
        assert await FollowRelation.filter(corp_id=corp.id).count() == relations
        ended = await FollowRelation.get(corp_id=corp.id, userid=gone_user, external_userid=gone)
        assert ended.status == "removed"
        customer = await Customer.get(corp_id=corp.id, external_userid=gone)
        assert customer.status == "deleted"
        kinds = {
            e.kind
            for e in await TimelineEvent.filter(
                corp_id=corp.id,
                external_userid__in=[gone, retagged.external_userid],
            )
        }
        assert {"removed", "tags_changed"} <= kinds
        assert await TimelineEvent.filter(corp_id=corp.id, kind="added").count() == added_events


@pytest.mark.parametrize("crash_after_pages", [1, 4])
async def test_a_crash_mid_sync_resumes_where_it_stopped(
    settings: Settings, kv: KV, clock: FakeClock, crash_after_pages: int
) -> None:
    sim, org, _ = make_sim(clock, customers=700, employees=30)

    class Crash(BaseException):
        """The process dies: nothing after the last commit happens."""

    pages = 0

    def crash(progress: sync.SyncProgress) -> None:
        # Reported after each page's transaction committed: die right after page N.
        nonlocal pages
        if progress.stage == "customers" and progress.counts.get("relations", 0) > 0:
            pages += 1
            if pages == crash_after_pages:
                raise Crash()

    async with running_app(settings, kv, clock, sim) as app:
        with pytest.raises(Crash):
            await sync.run_sync(app.services, TEST_CORP_ID, progress=crash)
        batch_calls = sim.calls[BATCH_PATH]
        run = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert run is not None
        assert (run.status, run.stage) == ("running", "customers")

        # Another process (or the job) sees a live heartbeat and keeps off...
        with pytest.raises(sync.SyncBusy):
            await sync.run_sync(app.services, TEST_CORP_ID)
        # ...until the heartbeat is stale: then the job resumes it.
        clock.advance(sync.state.STALE_AFTER_S + 1)
        assert await sync.run_due_syncs(app.services) == 1
        resumed = await sync.latest_run(await Corp.get(corp_id=TEST_CORP_ID))
        assert resumed is not None
        assert resumed.status == "done", resumed.error
        await assert_matches_org(TEST_CORP_ID, org)
        # The resumed run asked only for the pages not stored before the crash.
        assert batch_calls == crash_after_pages
        assert sim.calls[BATCH_PATH] == minimum_sync_calls(org).customer_pages


async def test_memory_holds_one_page(settings: Settings, kv: KV, clock: FakeClock) -> None:
    """Each page is written as it arrives: the rows grow page by page during the run."""
    sim, org, _ = make_sim(clock, customers=600, employees=10)
    seen: list[int] = []

    async def watch(progress: sync.SyncProgress) -> None:
        if progress.stage == "customers":
            corp = await Corp.get(corp_id=TEST_CORP_ID)
            seen.append(await FollowRelation.filter(corp_id=corp.id).count())

    async with running_app(settings, kv, clock, sim) as app:
        run = await sync.run_sync(app.services, TEST_CORP_ID, progress=watch)
        assert run.status == "done"
    total = len(_pairs(org))
    assert seen == sorted(seen)
    assert len(seen) >= math.ceil(total / 100)
    # Every page but the batch's last holds exactly 100 relations.
    steps = [b - a for a, b in zip([0, *seen], seen, strict=False) if b != a]
    assert max(steps) == 100


async def test_background_work_never_runs_on_the_callers_transaction(database: str) -> None:
    """Handlers kick background work from inside the worker's transaction; the task must
    get the process's connection, not that transaction's (its statements would run on a
    finished transaction, outside the connection's lock: two auth-code exchanges were
    seen in the demo before this)."""
    seen: list[object] = []

    async def probe() -> None:
        seen.append(db())

    async with in_transaction() as transaction:
        sync.spawn(probe(), name="probe")
    await sync.wait_background()
    assert seen == [db()]
    assert seen[0] is not transaction
