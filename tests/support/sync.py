"""Shared set-up of the install, sync and directory tests: the app's services wired to
an in-process simulator (its ASGI app as WeCom's transport), and the app's own ASGI app
for the simulator's callbacks. No tests here."""

from __future__ import annotations

from tests.conftest import (
    TEST_SUITE_ID,
)
from tests.support.world import APP_CORP_SECRET, App
from wecom_app.directory.upsert import column
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store.directory import Customer, FollowRelation, GroupChat, GroupChatMember
from wecom_app.store.models import Corp

CORP_SECRET = APP_CORP_SECRET
SUITE_SECRET = "suite-secret-for-tests"
BATCH_PATH = "/cgi-bin/externalcontact/batch/get_by_user"
CHAT_GET_PATH = "/cgi-bin/externalcontact/groupchat/get"
PERMANENT_CODE_PATH = "/cgi-bin/service/get_permanent_code"


async def install_suite(app: App, sim: Simulator, org: Org | str, *, state: str = "s") -> str:
    """Push a suite ticket to the app, then let an admin of ``org`` install from our
    install link; returns the auth code of the redirect (not exchanged yet)."""
    from urllib.parse import parse_qs, urlsplit

    from wecom_app.install.suite import install_link

    sim.push_suite_ticket(TEST_SUITE_ID)
    await app.deliver(sim)
    link = await install_link(
        app.services, redirect_uri="http://testserver/console/install/return", state=state
    )
    pre_auth_code = parse_qs(urlsplit(link).query)["pre_auth_code"][0]
    return sim.install_from_link(pre_auth_code, org, state=state)


async def stored_relations(corp_id: str) -> set[tuple[str, str]]:
    corp = await Corp.get(corp_id=corp_id)
    rows = await FollowRelation.filter(corp_id=corp.id, status="active").values_list(
        "userid", "external_userid"
    )
    return {(str(u), str(e)) for u, e in rows}


def org_relations(org: Org) -> set[tuple[str, str]]:
    """Relations WeCom shows: those of members still in the org."""
    return {
        (userid, external_userid)
        for userid, by_customer in org.follows_by_user.items()
        if userid in org.employees
        for external_userid in by_customer
    }


async def assert_matches_org(corp_id: str, org: Org) -> None:
    """The stored directory is the simulated org: relations, customers, chats, members."""
    corp = await Corp.get(corp_id=corp_id)
    assert await stored_relations(corp_id) == org_relations(org)
    followed = {e for _, e in org_relations(org)}
    active = set(await column(Customer.filter(corp_id=corp.id, status="active"), "external_userid"))
    assert active == followed
    live = {c.chat_id: c for c in org.group_chats.values() if not c.dismissed}
    stored = await GroupChat.filter(corp_id=corp.id, dismissed=False)
    assert {c.chat_id for c in stored} == set(live)
    for chat in stored:
        members = set(
            await column(GroupChatMember.filter(corp_id=corp.id, chat_id=chat.chat_id), "userid")
        )
        assert members == {m.userid for m in live[chat.chat_id].members}, chat.chat_id


def add_suite_org(sim: Simulator, seed: int, corp_id: str, *, customers: int = 120) -> Org:
    """Another org, to install the suite into (the test corp runs the self-built app)."""
    return sim.add_org(generate_org(seed, customers=customers, employees=10, corp_id=corp_id))
