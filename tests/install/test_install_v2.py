"""get_permanent_code v2 (with v2/get_auth_info), WeCom's recommended path, beside v1
(issue 14, item 11)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TEST_SUITE_ID, FakeClock, make_settings
from tests.support.sync import (
    PERMANENT_CODE_PATH,
    add_suite_org,
    assert_matches_org,
    install_suite,
)
from tests.support.world import make_sim, running_app
from wecom_app import sync
from wecom_app.install.suite import complete_install
from wecom_app.kv import KV

CORP = "wwsuitecorpv2aaa1"
V2_CODE = "/cgi-bin/service/v2/get_permanent_code"
V2_INFO = "/cgi-bin/service/v2/get_auth_info"


async def test_an_install_through_v2_stores_the_same_tenant(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, database, WECOM_PERMANENT_CODE_API="v2")
    sim, _, _ = make_sim(clock)
    org = add_suite_org(sim, 31, CORP)
    async with running_app(settings, kv, clock, sim) as app:
        code = await install_suite(app, sim, org, state="v2-state")
        corp = await complete_install(app.services, code, source="redirect")

        assert (sim.calls[V2_CODE], sim.calls[V2_INFO], sim.calls[PERMANENT_CODE_PATH]) == (1, 1, 0)
        assert (corp.corp_id, corp.status, corp.name) == (CORP, "active", org.name)
        authorization = sim.world.authorizations[(TEST_SUITE_ID, CORP)]
        opened = app.services.secrets.open(corp.permanent_code_sealed, "corp.permanent_code")
        assert opened == authorization.permanent_code
        # The agents and the corp's details come from v2/get_auth_info.
        assert corp.agent_id == str(authorization.agent_id)
        assert corp.auth_info["auth_corp_info"]["corp_full_name"] == org.full_name
        assert corp.auth_info["state"] == "v2-state"
        assert "permanent_code" not in corp.auth_info
        # No corp token comes with v2: the sync fetches one, and works.
        assert await sync.run_due_syncs(app.services) == 1
        await assert_matches_org(CORP, org)
        assert sim.calls["/cgi-bin/service/get_corp_token"] == 1


async def test_the_v2_answer_is_the_smaller_one(clock: FakeClock) -> None:
    """The simulator's v2 answer carries no corp token and no auth_info, like WeCom's."""
    from tests.support.simulator import add_test_suite, post_json, wecom_client

    sim, org, _ = make_sim()
    add_test_suite(sim)
    async with wecom_client(sim) as client:
        ticket = sim.push_suite_ticket()
        body = await post_json(
            client,
            "/cgi-bin/service/get_suite_token",
            {
                "suite_id": "wwsuitesim0000001",
                "suite_secret": "suite-secret-for-simulator-tests",
                "suite_ticket": ticket,
            },
        )
        suite_token = body["suite_access_token"]
        code = sim.authorize("wwsuitesim0000001", org.corp_id)
        answer = await post_json(
            client, V2_CODE, {"auth_code": code}, suite_access_token=suite_token
        )
        assert answer["errcode"] == 0
        assert set(answer) >= {"permanent_code", "auth_corp_info", "auth_user_info", "state"}
        assert "access_token" not in answer
        assert "auth_info" not in answer
        again = await post_json(
            client, V2_CODE, {"auth_code": code}, suite_access_token=suite_token
        )
        assert again["errcode"] == 40078  # single use, as v1
        info = await post_json(
            client,
            V2_INFO,
            {"auth_corpid": org.corp_id, "permanent_code": answer["permanent_code"]},
            suite_access_token=suite_token,
        )
        assert info["auth_info"]["agent"]
