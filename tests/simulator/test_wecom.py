"""The WeCom client against the simulator (httpx.ASGITransport): the two must meet.

Each API group is read end to end and compared with the simulator's own world, so a
format mismatch on either side (a renamed field, a cursor rule) shows up here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import SECRET_KEY, TEST_AES_KEY, TEST_CALLBACK_TOKEN
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org, SimClock
from wecom_app.wecom import (
    AuthCancelled,
    AuthorizedCorpTokenProvider,
    CorpAPI,
    CorpTokenProvider,
    RetryPolicy,
    ServiceAPI,
    SuiteTokenProvider,
    WeComClient,
)

CORP_SECRET = "corp-secret-for-client-tests"
SUITE_ID = "wwsuiteclient0001"
SUITE_SECRET = "suite-secret-for-client-tests"


class World:
    def __init__(self) -> None:
        self.clock = SimClock()
        self.sim = Simulator(clock=self.clock, seed=5)
        self.org: Org = self.sim.add_org(generate_org(5, customers=700, employees=25))
        self.sim.enable_self_built_app(
            self.org.corp_id,
            secret=CORP_SECRET,
            callback_token=TEST_CALLBACK_TOKEN,
            callback_aes_key=TEST_AES_KEY,
        )
        self.sleeps: list[float] = []

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def client(world: World) -> AsyncIterator[WeComClient]:
    wecom = WeComClient(
        transport=httpx.ASGITransport(app=create_simulator_app(world.sim)),
        sleep=world.sleep,
        retry=RetryPolicy(jitter=False),
    )
    yield wecom
    await wecom.aclose()


@pytest.fixture
def corp(world: World, client: WeComClient, kv: KV) -> CorpAPI:
    tokens = CorpTokenProvider(
        client, kv, SecretBox(SECRET_KEY), corp_id=world.org.corp_id, corp_secret=CORP_SECRET
    )
    return CorpAPI(client, tokens)


async def test_directory_reads_match_the_simulated_org(world: World, corp: CorpAPI) -> None:
    org = world.org

    departments = await corp.contacts.list_departments()
    memberships = [m async for m in corp.contacts.iter_user_ids(limit=7)]
    someone = next(iter(org.employees.values()))
    fetched = await corp.contacts.get_user(someone.userid)
    in_root = await corp.contacts.list_users(1)

    assert {d.id: d.parentid for d in departments} == {
        d.id: d.parent_id for d in org.departments.values()
    }
    assert {(m.userid, m.department) for m in memberships} == {
        (e.userid, dep) for e in org.employees.values() for dep in e.departments
    }
    assert (fetched.name, fetched.department) == (someone.name, tuple(someone.departments))
    assert {u.userid for u in in_root} == {
        e.userid for e in org.employees.values() if 1 in e.departments
    }


async def test_customer_reads_match_the_simulated_org(
    world: World, client: WeComClient, corp: CorpAPI
) -> None:
    org = world.org

    followers = await corp.external_contact.get_follow_user_list()
    relations = [r async for r in corp.external_contact.iter_by_user(followers, limit=100)]
    busiest = max(org.follows_by_customer, key=lambda c: len(org.follows_by_customer[c]))
    detail = await corp.external_contact.get(busiest)
    groups = await corp.tags.get_corp_tag_list()
    chats = [c async for c in corp.groupchat.iter_chats(limit=10)]
    chat = await corp.groupchat.get(chats[0].chat_id, need_name=True)

    assert followers == [e.userid for e in org.employees.values() if e.customer_contact]
    assert {(r.follow_info.userid, r.external_contact.external_userid) for r in relations} == {
        (userid, external_userid)
        for userid, follows in org.follows_by_user.items()
        for external_userid in follows
    }
    assert detail.external_contact.name == org.customers[busiest].name
    assert {f.userid for f in detail.follow_users} == set(org.follows_by_customer[busiest])
    assert {g.group_id for g in groups} == set(org.tag_groups)
    assert {c.chat_id for c in chats} == set(org.group_chats)
    assert chat.owner == org.group_chats[chat.chat_id].owner
    assert len(chat.members) == len(org.group_chats[chat.chat_id].members)
    # Our count of WeCom calls agrees with WeCom's.
    assert dict(client.calls) == dict(world.sim.calls)


async def test_writes_are_visible_in_the_next_read(world: World, corp: CorpAPI) -> None:
    userid, follows = next((u, f) for u, f in world.org.follows_by_user.items() if f)
    external_userid = next(iter(follows))
    tag = next(t for t in world.org.tags.values() if not t.deleted)

    await corp.external_contact.mark_tag(userid, external_userid, add_tag=[tag.id])
    await corp.external_contact.remark(userid, external_userid, remark="老客户")
    detail = await corp.external_contact.get(external_userid)

    relation = next(f for f in detail.follow_users if f.userid == userid)
    assert tag.id in relation.tag_ids
    assert relation.remark == "老客户"


async def test_token_revoked_early_by_wecom_costs_one_refetch(
    world: World, client: WeComClient, corp: CorpAPI
) -> None:
    await corp.contacts.list_departments()
    world.sim.invalidate_token(corp_id=world.org.corp_id, errcode=40014)

    departments = await corp.contacts.list_departments()

    assert len(departments) == len(world.org.departments)
    assert client.calls["/cgi-bin/gettoken"] == 2
    assert client.calls["/cgi-bin/department/list"] == 3


async def test_busy_and_a_looping_cursor_from_the_simulator(
    world: World, client: WeComClient, corp: CorpAPI
) -> None:
    world.sim.faults.fail_next("/cgi-bin/externalcontact/groupchat/list", errcode=-1, times=2)
    world.sim.faults.repeat_cursor("/cgi-bin/externalcontact/groupchat/list")

    chats = [c async for c in corp.groupchat.iter_chats(limit=5)]

    assert world.sleeps == [0.5, 1.0]
    assert 0 < len({c.chat_id for c in chats}) <= len(world.org.group_chats)
    assert client.calls["/cgi-bin/externalcontact/groupchat/list"] < 10


async def test_suite_install_flow_end_to_end(world: World, client: WeComClient, kv: KV) -> None:
    sim, org, box = world.sim, world.org, SecretBox(SECRET_KEY)
    sim.add_suite(SUITE_ID, secret=SUITE_SECRET)
    tickets = [sim.push_suite_ticket(SUITE_ID)]

    async def newest_ticket() -> str:
        return tickets[-1]

    suite = SuiteTokenProvider(
        client, kv, box, suite_id=SUITE_ID, suite_secret=SUITE_SECRET, suite_ticket=newest_ticket
    )
    service = ServiceAPI(client, suite)

    pre = await service.get_pre_auth_code()
    await service.set_session_info(pre.pre_auth_code, auth_type=1)
    auth_code = sim.install_from_link(pre.pre_auth_code, org, state="s-1")
    installed = await service.get_permanent_code(auth_code)

    assert installed.auth_corp_info.corpid == org.corp_id
    assert installed.state == "s-1"
    assert installed.agents

    info = await service.get_auth_info(org.corp_id, installed.permanent_code)
    assert info.auth_corp_info.corpid == org.corp_id

    corp_tokens = AuthorizedCorpTokenProvider(
        client,
        kv,
        box,
        suite=suite,
        auth_corpid=org.corp_id,
        permanent_code=installed.permanent_code,
    )
    await corp_tokens.prime(installed.access_token, installed.expires_in)
    departments = await CorpAPI(client, corp_tokens).contacts.list_departments()
    assert departments
    assert client.calls["/cgi-bin/service/get_corp_token"] == 0  # the primed token served

    sim.cancel_authorization(SUITE_ID, org.corp_id)
    await corp_tokens.invalidate(installed.access_token)
    with pytest.raises(AuthCancelled):
        await corp_tokens.get()
