"""Interface-call licences (issue 14, item 12): WeCom's 701008 in the simulator, the
client, the sync and the core's per-member query."""

from __future__ import annotations

import pickle
from pathlib import Path

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.sidebar import sidebar_world
from tests.support.simulator import (
    add_test_suite,
    get_json,
    install_suite,
    post_json,
    wecom_client,
)
from tests.support.sync import BATCH_PATH
from tests.support.world import make_sim, running_app
from wecom_app import licences, sync
from wecom_app.config import Settings
from wecom_app.kv import KV, MemoryKV
from wecom_app.store.directory import ConsoleRole, FollowRelation
from wecom_app.wecom.errors import PermissionDenied, Unlicensed, error_for

EXTERNAL = "/cgi-bin/externalcontact"


async def test_the_simulator_refuses_unlicensed_members_once_the_trial_is_over() -> None:
    sim, org, _ = make_sim()
    add_test_suite(sim)
    members = [u for u in org.follows_by_user if org.follows_by_user[u]][:3]
    async with wecom_client(sim) as client:
        _, _, token = await install_suite(sim, client, org)
        # During the trial (no licences recorded) every member is served.
        body = await get_json(client, f"{EXTERNAL}/list", access_token=token, userid=members[0])
        assert body["errcode"] == 0

        org.licensed_userids = {members[0]}
        ok = await get_json(client, f"{EXTERNAL}/list", access_token=token, userid=members[0])
        assert ok["errcode"] == 0
        refused = await post_json(
            client,
            f"{EXTERNAL}/batch/get_by_user",
            {"userid_list": members, "limit": 100},
            access_token=token,
        )
        assert refused["errcode"] == 701008
        assert refused["fail_info"]["unlicensed_userid_list"] == members[1:]
        # Self-built apps are not licence-checked.
        self_built = await get_json(
            client,
            "/cgi-bin/gettoken",
            corpid=org.corp_id,
            corpsecret="corp-secret-for-simulator-tests",
        )
        own = await get_json(
            client, f"{EXTERNAL}/list", access_token=self_built["access_token"], userid=members[1]
        )
        assert own["errcode"] == 0


def test_the_client_reads_the_unlicensed_members() -> None:
    data = {"errcode": 701008, "errmsg": "x", "fail_info": {"unlicensed_userid_list": ["a", "b"]}}
    error = error_for(701008, "x", "/cgi-bin/externalcontact/list", data)
    assert isinstance(error, Unlicensed)
    assert isinstance(error, PermissionDenied)
    assert error.unlicensed_userids == ("a", "b")
    assert "interface licence" in error.explanation
    again = pickle.loads(pickle.dumps(error))
    assert again.unlicensed_userids == ("a", "b")
    bare = error_for(701008, "x", "/p")
    assert isinstance(bare, Unlicensed)
    assert bare.unlicensed_userids == ()


async def test_blocked_members_are_kept_per_feature_and_forgotten_later() -> None:
    kv = MemoryKV()
    await licences.record_blocked(kv, "wwcorp", ["amy", "bo"], "customer_sync", 1000.0)
    await licences.record_blocked(kv, "wwcorp", ["amy"], "sidebar", 2000.0)
    blocked = await licences.blocked_members(kv, "wwcorp", 2000.0)
    assert [(b.userid, sorted(b.features)) for b in blocked] == [
        ("amy", ["customer_sync", "sidebar"]),
        ("bo", ["customer_sync"]),
    ]
    assert "not synchronised" in blocked[1].explanations()[0]
    later = 1000.0 + licences.FORGET_AFTER_S + 1
    assert await licences.blocked_features(kv, "wwcorp", "amy", later) == ["sidebar"]
    assert await licences.blocked_features(kv, "wwcorp", "bo", later) == []
    assert await licences.blocked_members(kv, "wwother", 2000.0) == []


async def test_the_sync_leaves_unlicensed_members_out_and_marks_nobody_gone(
    settings: Settings, kv: KV, clock: FakeClock
) -> None:
    sim, org, _ = make_sim(clock, customers=300, employees=12)
    async with running_app(settings, kv, clock, sim) as app:
        first = await sync.run_sync(app.services, TEST_CORP_ID)
        assert first.status == "done", first.error
        before = await FollowRelation.filter(status="active").count()
        refused = sorted(u for u in org.follows_by_user if org.follows_by_user[u])[0]
        sim.faults.fail_next(
            BATCH_PATH, 701008, extra={"fail_info": {"unlicensed_userid_list": [refused]}}
        )
        run = await sync.run_sync(app.services, TEST_CORP_ID, full=True)
        assert run.status == "done", run.error
        assert "without an interface licence" in run.error  # incomplete, and says why
        assert await FollowRelation.filter(status="active").count() == before
        blocked = await licences.blocked_features(kv, TEST_CORP_ID, refused, clock())
        assert blocked == ["customer_sync"]


async def test_the_sidebar_says_plainly_when_the_employee_has_no_licence(
    tmp_path: Path, database: str, kv: KV
) -> None:
    """701008 is about the viewer, not the customer: the answer says so (and tells
    nothing about whether the customer exists — WeCom refuses before looking)."""
    async with sidebar_world(tmp_path, database, kv, customers=40, employees=8) as world:
        viewer = world.sellers()[0]
        world.sim.faults.fail_next(
            "/cgi-bin/externalcontact/get",
            701008,
            extra={"fail_info": {"unlicensed_userid_list": [viewer]}},
        )
        client = world.client_for(viewer)
        answer = await client.get("/sidebar/api/customers/wmNotSyncedYet000000000000000001")
        assert answer.status_code == 403
        body = answer.json()
        assert body["error"] == "unlicensed"
        assert "接口许可" in body["message"]
        assert "interface licence" in body["message"]
        assert body["blocked"] == ["sidebar"]
        blocked = await licences.blocked_members(kv, world.corp.corp_id, world.clock())
        assert [b.userid for b in blocked] == [viewer]

        # The tenant's admins read who is blocked from what.
        admin = world.sellers()[1]
        listing = world.client_for(admin)
        assert (await listing.get("/sidebar/admin/api/licences")).status_code == 403
        await ConsoleRole.create(corp_id=world.corp.id, userid=admin, role="admin")
        members = (await listing.get("/sidebar/admin/api/licences")).json()["members"]
        assert [(m["userid"], m["features"]) for m in members] == [(viewer, ["sidebar"])]
        assert "sidebar cannot show" in members[0]["blocked"][0]
