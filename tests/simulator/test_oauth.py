"""OAuth / web login: the link builders, the client's code exchanges, the simulator's pages.

The simulator is what the console's sign-in tests run against, so its rules are tested
here on their own: a code is single use, lives 5 minutes, and is bound to the app it
was issued to; only active members are offered; a request WeCom would refuse (bad
``state``, wrong agentid) is refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.simulator import SUITE_ID, WECOM, add_test_suite, corp_token, get_json, post_json
from tests.support.world import make_sim
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_oauth import OAUTH_CODE_TTL_S, issue_code
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import EmployeeStatus, Org, SimClock
from wecom_app.wecom import InvalidCode, WeComClient
from wecom_app.wecom.oauth import (
    BadState,
    CorpUserIdentity,
    OAuthAPI,
    ServiceOAuthAPI,
    SuiteUserIdentity,
    authorize_url,
    check_state,
    web_login_url,
)

REDIRECT = "https://app.example.com/console/oauth/callback"


class StaticToken:
    """A token source holding one token (the exchanges under test need no refresh)."""

    def __init__(self, token: str, param: str = "access_token", scope: str = "corp") -> None:
        self._token = token
        self._param = param
        self._scope = scope

    @property
    def param(self) -> str:
        return self._param

    @property
    def scope(self) -> str:
        return self._scope

    async def get(self) -> str:
        return self._token

    async def invalidate(self, token: str) -> None:
        return None


def test_authorize_url_has_wecoms_shape() -> None:
    url = authorize_url("wwcorp", REDIRECT, "abc123", agentid="1000002")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://open.weixin.qq.com/connect/oauth2/authorize"
    )
    # The client decides by this fragment whether to attach the member's identity.
    assert parts.fragment == "wechat_redirect"
    query = parse_qs(parts.query)
    assert query == {
        "appid": ["wwcorp"],
        "redirect_uri": [REDIRECT],
        "response_type": ["code"],
        "scope": ["snsapi_base"],
        "state": ["abc123"],
        "agentid": ["1000002"],
    }
    # redirect_uri must be URL-encoded in the link (Doc 91022).
    assert "redirect_uri=https%3A%2F%2Fapp.example.com%2Fconsole" in url


def test_web_login_url_per_login_type() -> None:
    corp = urlsplit(
        web_login_url(
            login_type="CorpApp",
            appid="wwcorp",
            agentid="1000002",
            redirect_uri=REDIRECT,
            state="s",
        )
    )
    assert corp.netloc == "login.work.weixin.qq.com"
    assert corp.path == "/wwlogin/sso/login"
    assert parse_qs(corp.query)["login_type"] == ["CorpApp"]
    assert parse_qs(corp.query)["agentid"] == ["1000002"]
    service = parse_qs(
        urlsplit(
            web_login_url(
                login_type="ServiceApp", appid="wwsuite", redirect_uri=REDIRECT, state="s"
            )
        ).query
    )
    assert service["appid"] == ["wwsuite"]
    assert "agentid" not in service
    with pytest.raises(ValueError, match="agentid"):
        web_login_url(login_type="CorpApp", appid="wwcorp", redirect_uri=REDIRECT, state="s")


@pytest.mark.parametrize("state", ["with-dash", "dot.ted", "x" * 129, "空", "a b"])
def test_state_outside_wecoms_alphabet_is_refused(state: str) -> None:
    with pytest.raises(BadState):
        check_state(state)
    with pytest.raises(BadState):
        authorize_url("wwcorp", REDIRECT, state)


def test_identities_parse_old_and_new_field_names() -> None:
    new = CorpUserIdentity.parse({"errcode": 0, "userid": "zhangsan", "user_ticket": "T"})
    old = CorpUserIdentity.parse({"errcode": 0, "UserId": "zhangsan"})
    assert new.userid == old.userid == "zhangsan"
    assert new.is_member
    assert "user_ticket" not in new.raw  # a credential is not kept in raw
    outsider = CorpUserIdentity.parse({"errcode": 0, "openid": "oX"})
    assert not outsider.is_member
    suite = SuiteUserIdentity.parse({"CorpId": "wwc", "UserId": "u", "open_userid": "wo"})
    assert (suite.corpid, suite.userid, suite.open_userid, suite.is_member) == (
        "wwc",
        "u",
        "wo",
        True,
    )
    assert not SuiteUserIdentity.parse({"openid": "oX"}).is_member


@dataclass
class Wecom:
    sim: Simulator
    org: Org
    clock: SimClock
    http: httpx.AsyncClient  # raw HTTP to the simulator
    ours: WeComClient  # our client over the simulator


@pytest.fixture
async def w() -> AsyncIterator[Wecom]:
    """The simulator, raw HTTP to it, and our client over it."""
    sim, org, clock = make_sim(customers=5, employees=8)
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    async with (
        httpx.AsyncClient(transport=transport, base_url=WECOM) as client,
        WeComClient(transport=httpx.ASGITransport(app=create_simulator_app(sim))) as ours,
    ):
        yield Wecom(sim, org, clock, client, ours)


async def test_self_built_code_is_single_use_and_expires(
    w: Wecom,
) -> None:
    sim, org, clock, client, ours = w.sim, w.org, w.clock, w.http, w.ours
    token = await corp_token(client, org)
    member = org.active_employees()[1].userid
    api = OAuthAPI(ours, StaticToken(token))
    code = issue_code(sim, org.corp_id, org.corp_id, member)
    identity = await api.get_user_info(code)
    assert identity.userid == member
    # Used once: the same code again is 40029, as WeCom answers.
    with pytest.raises(InvalidCode):
        await api.get_user_info(code)
    late = issue_code(sim, org.corp_id, org.corp_id, member)
    clock.advance(OAUTH_CODE_TTL_S + 1)
    token = await corp_token(client, org)
    api = OAuthAPI(ours, StaticToken(token))
    with pytest.raises(InvalidCode):
        await api.get_user_info(late)
    body = await get_json(client, "/cgi-bin/auth/getuserinfo", access_token=token, code="nope")
    assert body["errcode"] == 40029


async def test_codes_are_bound_to_their_app(
    w: Wecom,
) -> None:
    sim, org, client, ours = w.sim, w.org, w.http, w.ours
    suite = add_test_suite(sim)
    other = sim.add_org(generate_org(9, customers=2, employees=3))
    sim.authorize(SUITE_ID, other.corp_id, push=False)
    ticket = sim.push_suite_ticket(SUITE_ID)
    body = await post_json(
        client,
        "/cgi-bin/service/get_suite_token",
        {"suite_id": SUITE_ID, "suite_secret": suite.secret, "suite_ticket": ticket},
    )
    suite_token = body["suite_access_token"]
    member = next(iter(other.employees.values()))
    suite_code = issue_code(sim, SUITE_ID, other.corp_id, member.userid)
    corp_code = issue_code(sim, org.corp_id, org.corp_id, org.active_employees()[0].userid)
    # A self-built app's code is no good to the suite, and the other way round.
    body = await get_json(
        client,
        "/cgi-bin/service/auth/getuserinfo3rd",
        suite_access_token=suite_token,
        code=corp_code,
    )
    assert body["errcode"] == 40029
    token = await corp_token(client, org)
    body = await get_json(client, "/cgi-bin/auth/getuserinfo", access_token=token, code=suite_code)
    assert body["errcode"] == 40029
    # Each works with its own app (the failed attempts above did not consume them).
    service = ServiceOAuthAPI(ours, StaticToken(suite_token, "suite_access_token"))
    identity = await service.get_user_info_3rd(suite_code)
    assert (identity.corpid, identity.userid, identity.open_userid) == (
        other.corp_id,
        member.userid,
        member.open_userid,
    )
    assert (await (OAuthAPI(ours, StaticToken(token))).get_user_info(corp_code)).is_member


def _choices(page: str) -> dict[str, str]:
    links = [html.unescape(h) for h in re.findall(r"<a class='who' href='([^']+)'", page)]
    return {parse_qs(urlsplit(link).query)["userid"][0]: link for link in links}


async def test_pages_offer_active_members_and_redirect_with_code_and_state(
    w: Wecom,
) -> None:
    org, client, ours = w.org, w.http, w.ours
    leaver = org.active_employees()[-1]
    leaver.status = EmployeeStatus.LEFT
    assert org.app is not None
    url = web_login_url(
        login_type="CorpApp",
        appid=org.corp_id,
        agentid=str(org.app.agent_id),
        redirect_uri=REDIRECT + "?keep=1",
        state="St4te",
    )
    parts = urlsplit(url)
    page = await client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    choices = _choices(page.text)
    assert set(choices) == {e.userid for e in org.active_employees()}
    assert leaver.userid not in choices
    member = org.active_employees()[0]
    back = await client.get(choices[member.userid])
    assert back.status_code == 302
    target = urlsplit(back.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    query = parse_qs(target.query)
    assert query["keep"] == ["1"]  # the redirect_uri's own query survives
    assert query["state"] == ["St4te"]
    token = await corp_token(client, org)
    identity = await (OAuthAPI(ours, StaticToken(token))).get_user_info(query["code"][0])
    assert identity.userid == member.userid
    # Choosing a member who left is refused even with a hand-made link.
    forged = choices[member.userid].replace(member.userid, leaver.userid)
    assert (await client.get(forged)).status_code == 400


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/wwlogin/sso/login", {"login_type": "CorpApp", "agentid": "999"}),
        ("/wwlogin/sso/login", {"login_type": "Other", "agentid": "1000002"}),
        ("/wwlogin/sso/login", {"login_type": "CorpApp", "agentid": "1000002", "state": "a-b"}),
        ("/connect/oauth2/authorize", {"response_type": "token", "scope": "snsapi_base"}),
        ("/connect/oauth2/authorize", {"response_type": "code", "redirect_uri": "/relative"}),
    ],
)
async def test_pages_refuse_what_wecom_refuses(
    w: Wecom,
    path: str,
    params: dict[str, str],
) -> None:
    org, client = w.org, w.http
    query = {"appid": org.corp_id, "redirect_uri": REDIRECT, "state": "ok", **params}
    response = await client.get(path, params=query)
    assert response.status_code == 400
    assert "refused" in response.text


async def test_suite_page_lists_members_of_authorised_corps_only(
    w: Wecom,
) -> None:
    sim, org, client = w.sim, w.org, w.http
    add_test_suite(sim)
    installed = sim.add_org(generate_org(12, customers=2, employees=3))
    sim.authorize(SUITE_ID, installed.corp_id, push=False)
    url = urlsplit(authorize_url(SUITE_ID, REDIRECT, "s"))
    page = await client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200
    # org has a self-built app but did not install the suite: none of its members.
    assert set(_choices(page.text)) == {e.userid for e in installed.active_employees()}
    assert org.corp_id not in page.text
