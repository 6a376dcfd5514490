"""Smaller facts of issue 14 checked client ↔ simulator: the error table (item 4), the
tag filter rule (item 3), check_single_agree's 100 (item 6), and the simulator producing
each listed errcode on demand."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.test_wecom import World, client, corp, world  # noqa: F401 (fixtures)
from tests.support.simulator import (
    CORP_SECRET,
    WECOM,
    get_json,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim
from tests.wecom.test_limits import FixedToken
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.archive import archive_of
from wecom_app.wecom import CorpAPI, WeComClient
from wecom_app.wecom.errors import (
    EXPLANATIONS,
    InvalidAuthCode,
    InvalidCredential,
    InvalidCursor,
    PermissionDenied,
    Unlicensed,
    WeComError,
    error_for,
)
from wecom_app.wecom.msgaudit import MAX_AGREE_PAIRS, MsgAuditAPI

ARCHIVE_SECRET = "archive-secret-for-fidelity-tests"

LISTED = (
    40077, 40078, 40080, 41025, 48004, 48006, 84074, 90501, 90502, 90507, 90508,
    301052, 301053, 301058, 301060, 701008, 50100,
)  # fmt: skip


def test_every_listed_code_has_its_meaning_and_no_official_account_code_does() -> None:
    assert set(LISTED) <= set(EXPLANATIONS)
    assert 47001 not in EXPLANATIONS  # Official Accounts' "data format error"
    assert isinstance(error_for(40080, "", "/p"), InvalidCredential)
    assert isinstance(error_for(40078, "", "/p"), InvalidAuthCode)
    assert isinstance(error_for(40077, "", "/p"), InvalidAuthCode)
    assert isinstance(error_for(50100, "", "/p"), InvalidCursor)
    assert isinstance(error_for(701008, "", "/p"), Unlicensed)
    for code in (48004, 48006, 84074):
        assert isinstance(error_for(code, "", "/p"), PermissionDenied)
    assert "single use" in EXPLANATIONS[40078]
    assert "100" in EXPLANATIONS[301060]


@pytest.mark.parametrize("errcode", LISTED)
async def test_the_simulator_answers_each_listed_code_on_demand(
    world: World,  # noqa: F811
    corp: CorpAPI,  # noqa: F811
    errcode: int,
) -> None:
    path = "/cgi-bin/externalcontact/get_follow_user_list"
    world.sim.faults.fail_next(path, errcode)
    with pytest.raises(WeComError) as raised:
        await corp.external_contact.get_follow_user_list()
    assert raised.value.errcode == errcode
    assert raised.value.explanation == EXPLANATIONS[errcode]


async def test_tag_ids_are_ignored_when_group_ids_are_given(
    world: World,  # noqa: F811
    corp: CorpAPI,  # noqa: F811
) -> None:
    org = world.org
    first, second = list(org.tag_groups.values())[:2]
    groups = await corp.tags.get_corp_tag_list(
        tag_ids=[second.tag_ids[0]], group_ids=[first.group_id]
    )
    assert [g.group_id for g in groups] == [first.group_id]
    assert {t.id for t in groups[0].tags} == set(first.tag_ids)


async def test_check_single_agree_goes_100_pairs_at_a_time() -> None:
    sim, org, clock = make_sim(customers=300, employees=10)
    archive_of(sim).add_org(org.corp_id, ARCHIVE_SECRET)
    pairs = [(u, e) for u, rel in org.follows_by_user.items() for e in rel][:250]
    assert len(pairs) == 250
    path = "/cgi-bin/msgaudit/check_single_agree"
    async with wecom_client(sim) as raw:
        got = await get_json(
            raw, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=ARCHIVE_SECRET
        )
        token = got["access_token"]
        # More than 100 in one request: WeCom's 301060.
        info = [{"userid": u, "exteranalopenid": e} for u, e in pairs[:101]]
        refused = await post_json(raw, path, {"info": info}, access_token=token)
        assert refused["errcode"] == 301060
    wecom = WeComClient(
        base_url=WECOM,
        transport=httpx.ASGITransport(app=create_simulator_app(sim)),
        clock=clock,
    )
    try:
        before = sim.calls[path]
        await MsgAuditAPI(wecom, FixedToken(token, org.corp_id)).check_single_agree(pairs)
        assert MAX_AGREE_PAIRS == 100
        assert sim.calls[path] - before == 3  # 100 + 100 + 50: never refused
    finally:
        await wecom.aclose()


async def test_an_org_without_the_archive_answers_301053() -> None:
    sim, org, _ = make_sim(customers=10, employees=4)
    async with wecom_client(sim) as raw:
        got = await get_json(raw, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET)
        body = await post_json(
            raw, "/cgi-bin/msgaudit/get_permit_user_list", {}, access_token=got["access_token"]
        )
    assert body["errcode"] == 301053
    assert isinstance(error_for(301053, "", "/p"), PermissionDenied)
