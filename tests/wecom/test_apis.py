"""API group modules: the requests they send and the typed results they parse.

Request and answer shapes follow WeCom's documentation pages linked in each module.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import FakeClock
from tests.wecom.test_client import BASE, FakeWeCom, Sleeps
from wecom_app.wecom import CorpAPI, ServiceAPI
from wecom_app.wecom.client import RetryPolicy, WeComClient
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom.service import install_url

CORP_TOKEN = "corp-token-SECRETVALUE"
SUITE_TOKEN = "suite-token-SECRETVALUE"


class StaticTokens:
    """A token source that never expires, for testing request and answer shapes."""

    def __init__(self, token: str, param: str = "access_token", scope: str = "wwcorp") -> None:
        self.token = token
        self.param = param
        self.scope = scope

    async def get(self) -> str:
        return self.token

    async def invalidate(self, token: str) -> None:
        raise AssertionError("not expected in these tests")


@pytest.fixture
def fake() -> FakeWeCom:
    return FakeWeCom()


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


@pytest.fixture
async def client(fake: FakeWeCom, clock: FakeClock, sleeps: Sleeps) -> AsyncIterator[WeComClient]:
    wecom = WeComClient(
        base_url=BASE,
        transport=httpx.MockTransport(fake.handle),
        clock=clock,
        sleep=sleeps,
        retry=RetryPolicy(jitter=False),
    )
    yield wecom
    await wecom.aclose()


@pytest.fixture
def corp(client: WeComClient) -> CorpAPI:
    return CorpAPI(client, StaticTokens(CORP_TOKEN))


@pytest.fixture
def service(client: WeComClient) -> ServiceAPI:
    return ServiceAPI(client, StaticTokens(SUITE_TOKEN, "suite_access_token", "wwsuite"))


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields}


def only(fake: FakeWeCom, path: str) -> httpx.Request:
    matching = [r for r in fake.requests if r.url.path == path]
    assert len(matching) == 1, [r.url.path for r in fake.requests]
    return matching[0]


# --- service (suite authorisation) -----------------------------------------------------


async def test_get_pre_auth_code(fake: FakeWeCom, service: ServiceAPI) -> None:
    fake.route(
        "/cgi-bin/service/get_pre_auth_code",
        lambda r: ok(pre_auth_code="pre-code-1", expires_in=1200),
    )

    code = await service.get_pre_auth_code()

    assert (code.pre_auth_code, code.expires_in) == ("pre-code-1", 1200)
    request = only(fake, "/cgi-bin/service/get_pre_auth_code")
    assert request.method == "GET"
    assert request.url.params["suite_access_token"] == SUITE_TOKEN
    assert "pre-code-1" not in repr(code)


async def test_set_session_info_sends_the_session(fake: FakeWeCom, service: ServiceAPI) -> None:
    fake.route("/cgi-bin/service/set_session_info", lambda r: ok())

    await service.set_session_info("pre-code-1", auth_type=1)
    await service.set_session_info("pre-code-2", app_ids=[3, 5])

    sent = [body(r) for r in fake.requests]
    assert sent == [
        {"pre_auth_code": "pre-code-1", "session_info": {"auth_type": 1}},
        {"pre_auth_code": "pre-code-2", "session_info": {"auth_type": 0, "appid": [3, 5]}},
    ]


PERMANENT_CODE_ANSWER = ok(
    access_token="corp-access-token-SECRETVALUE",
    expires_in=7200,
    permanent_code="permanent-SECRETVALUE",
    auth_corp_info={
        "corpid": "wwinstalled",
        "corp_name": "示例公司",
        "corp_type": "verified",
        "corp_square_logo_url": "https://logo",
        "corp_user_max": 50,
        "corp_full_name": "示例有限公司",
        "verified_end_time": 1431775834,
        "subject_type": 1,
        "corp_scale": "1-50人",
    },
    auth_info={
        "agent": [
            {
                "agentid": 1000012,
                "name": "Sidebar",
                "round_logo_url": "https://round",
                "square_logo_url": "https://square",
                "auth_mode": 1,
                "is_customized_app": False,
                "privilege": {
                    "level": 1,
                    "allow_party": [1, 2],
                    "allow_user": ["zhangsan", "lisi"],
                    "allow_tag": [3],
                    "extra_party": [],
                    "extra_user": [],
                    "extra_tag": [],
                },
            }
        ]
    },
    auth_user_info={"userid": "admin", "open_userid": "oadmin", "name": "Admin", "avatar": ""},
    state="install-state-1",
)


async def test_get_permanent_code_parses_the_answer_and_hides_the_secrets(
    fake: FakeWeCom, service: ServiceAPI
) -> None:
    fake.route("/cgi-bin/service/get_permanent_code", lambda r: PERMANENT_CODE_ANSWER)

    result = await service.get_permanent_code("auth-code-1")

    assert body(only(fake, "/cgi-bin/service/get_permanent_code")) == {"auth_code": "auth-code-1"}
    assert result.permanent_code == "permanent-SECRETVALUE"
    assert result.access_token == "corp-access-token-SECRETVALUE"
    assert result.expires_in == 7200
    assert result.auth_corp_info.corpid == "wwinstalled"
    assert result.auth_corp_info.corp_full_name == "示例有限公司"
    assert result.auth_corp_info.raw["corp_scale"] == "1-50人"  # unknown fields kept
    (agent,) = result.agents
    assert agent.agentid == 1000012
    assert agent.privilege is not None
    assert agent.privilege.allow_party == (1, 2)
    assert agent.privilege.allow_user == ("zhangsan", "lisi")
    assert result.auth_user_info is not None
    assert result.auth_user_info.userid == "admin"
    assert result.state == "install-state-1"
    assert "SECRETVALUE" not in repr(result)
    assert "permanent_code" not in result.raw
    assert "access_token" not in result.raw


async def test_get_auth_info(fake: FakeWeCom, service: ServiceAPI) -> None:
    answer = {k: v for k, v in PERMANENT_CODE_ANSWER.items() if k != "permanent_code"}
    fake.route("/cgi-bin/service/get_auth_info", lambda r: answer)

    info = await service.get_auth_info("wwinstalled", "permanent-SECRETVALUE")

    assert body(only(fake, "/cgi-bin/service/get_auth_info")) == {
        "auth_corpid": "wwinstalled",
        "permanent_code": "permanent-SECRETVALUE",
    }
    assert info.auth_corp_info.corp_name == "示例公司"
    assert [a.name for a in info.agents] == ["Sidebar"]


def test_install_url_encodes_the_redirect() -> None:
    url = install_url("wwsuite", "pre-code", "https://app.example.com/install/done?x=1", "s1")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://open.work.weixin.qq.com/3rdapp/install"
    )
    assert parse_qs(parts.query) == {
        "suite_id": ["wwsuite"],
        "pre_auth_code": ["pre-code"],
        "redirect_uri": ["https://app.example.com/install/done?x=1"],
        "state": ["s1"],
    }


# --- contacts --------------------------------------------------------------------------


async def test_list_departments(fake: FakeWeCom, corp: CorpAPI) -> None:
    fake.route(
        "/cgi-bin/department/list",
        lambda r: ok(
            department=[
                {"id": 1, "name": "总部", "parentid": 0, "order": 100, "department_leader": []},
                {
                    "id": 2,
                    "name": "销售",
                    "name_en": "Sales",
                    "parentid": 1,
                    "order": 90,
                    "department_leader": ["lisi"],
                },
            ]
        ),
    )

    departments = await corp.contacts.list_departments()
    await corp.contacts.list_departments(2)

    assert [(d.id, d.name, d.parentid) for d in departments] == [(1, "总部", 0), (2, "销售", 1)]
    assert departments[1].department_leader == ("lisi",)
    assert departments[1].name_en == "Sales"
    first, second = fake.requests
    assert "id" not in first.url.params
    assert second.url.params["id"] == "2"
    assert first.url.params["access_token"] == CORP_TOKEN


async def test_list_users_and_get_user(fake: FakeWeCom, corp: CorpAPI) -> None:
    zhangsan = {
        "userid": "zhangsan",
        "name": "张三",
        "department": [1, 2],
        "main_department": 1,
        "position": "经理",
        "status": 1,
        "is_leader_in_dept": [1, 0],
        "direct_leader": ["lisi"],
        "alias": "jackzhang",
        "open_userid": "ozhangsan",
        "extattr": {"attrs": []},
    }
    fake.route("/cgi-bin/user/list", lambda r: ok(userlist=[zhangsan]))
    fake.route("/cgi-bin/user/get", lambda r: ok(**zhangsan))

    (listed,) = await corp.contacts.list_users(1)
    fetched = await corp.contacts.get_user("zhangsan")

    assert listed == fetched
    assert fetched.department == (1, 2)
    assert fetched.is_leader_in_dept == (1, 0)
    assert fetched.direct_leader == ("lisi",)
    assert fetched.raw["extattr"] == {"attrs": []}
    assert only(fake, "/cgi-bin/user/list").url.params["department_id"] == "1"
    assert only(fake, "/cgi-bin/user/get").url.params["userid"] == "zhangsan"


async def test_iter_user_ids_walks_the_cursor(fake: FakeWeCom, corp: CorpAPI) -> None:
    pages = {
        None: ok(next_cursor="c1", dept_user=[{"userid": "a", "department": 1}]),
        "c1": ok(
            next_cursor="",
            dept_user=[{"userid": "a", "department": 2}, {"userid": "b", "department": 2}],
        ),
    }
    fake.route("/cgi-bin/user/list_id", lambda r: pages[body(r).get("cursor")])

    pairs = [(m.userid, m.department) async for m in corp.contacts.iter_user_ids(limit=500)]

    assert pairs == [("a", 1), ("a", 2), ("b", 2)]
    assert [body(r) for r in fake.requests] == [{"limit": 500}, {"limit": 500, "cursor": "c1"}]
    with pytest.raises(ValueError):
        await corp.contacts.list_user_ids(limit=10_001)


# --- external contacts -----------------------------------------------------------------

CUSTOMER = {
    "external_userid": "wmCUSTOMER",
    "name": "李四",
    "position": "采购",
    "avatar": "https://avatar",
    "corp_name": "客户公司",
    "corp_full_name": "客户有限公司",
    "type": 2,
    "gender": 1,
    "unionid": "ounion",
}


def follower(userid: str) -> dict[str, Any]:
    return {
        "userid": userid,
        "remark": f"remark by {userid}",
        "description": "",
        "createtime": 1_700_000_000,
        "tags": [{"group_name": "等级", "tag_name": "VIP", "type": 1, "tag_id": "et-vip"}],
        "remark_corp_name": "",
        "remark_mobiles": ["13800000000"],
        "oper_userid": userid,
        "add_way": 1,
        "state": "campaign-7",
    }


async def test_get_merges_follow_users_across_pages(fake: FakeWeCom, corp: CorpAPI) -> None:
    pages = {
        None: ok(
            external_contact=CUSTOMER,
            follow_user=[follower(f"u{i}") for i in range(500)],
            next_cursor="more",
        ),
        "more": ok(external_contact=CUSTOMER, follow_user=[follower("u500")], next_cursor=""),
    }
    fake.route("/cgi-bin/externalcontact/get", lambda r: pages[r.url.params.get("cursor")])

    detail = await corp.external_contact.get("wmCUSTOMER")

    assert detail.external_contact.name == "李四"
    assert detail.external_contact.type == 2
    assert len(detail.follow_users) == 501
    assert detail.follow_users[-1].userid == "u500"
    assert detail.next_cursor == ""
    first = detail.follow_users[0]
    assert first.tags[0].tag_name == "VIP"
    assert first.tag_ids == ("et-vip",)
    assert first.state == "campaign-7"
    assert [r.url.params.get("cursor") for r in fake.requests] == [None, "more"]
    assert {r.url.params["external_userid"] for r in fake.requests} == {"wmCUSTOMER"}


async def test_batch_get_by_user_request_and_answer(fake: FakeWeCom, corp: CorpAPI) -> None:
    fake.route(
        "/cgi-bin/externalcontact/batch/get_by_user",
        lambda r: ok(
            external_contact_list=[
                {
                    "external_contact": CUSTOMER,
                    "follow_info": {
                        "userid": "zhangsan",
                        "remark": "老客户",
                        "createtime": 1_700_000_000,
                        "tag_id": ["et-vip", "et-new"],
                        "add_way": 3,
                    },
                }
            ],
            next_cursor="",
        ),
    )

    page = await corp.external_contact.batch_get_by_user(["zhangsan", "lisi"], limit=50)

    assert body(fake.requests[0]) == {"userid_list": ["zhangsan", "lisi"], "limit": 50}
    (entry,) = page.items
    assert entry.external_contact.external_userid == "wmCUSTOMER"
    assert entry.follow_info.remark == "老客户"
    assert entry.follow_info.tag_ids == ("et-vip", "et-new")
    assert entry.follow_info.tags == ()
    assert page.next_cursor == ""


@pytest.mark.parametrize(
    ("userids", "limit"), [([], 100), ([f"u{i}" for i in range(101)], 100), (["u"], 101)]
)
async def test_batch_get_by_user_refuses_what_wecom_would(
    corp: CorpAPI, fake: FakeWeCom, userids: list[str], limit: int
) -> None:
    with pytest.raises(ValueError):
        await corp.external_contact.batch_get_by_user(userids, limit=limit)
    assert fake.requests == []


async def test_iter_by_user_splits_members_into_hundreds_and_pages(
    fake: FakeWeCom, corp: CorpAPI
) -> None:
    def answer(request: httpx.Request) -> dict[str, Any]:
        sent = body(request)
        first_member = sent["userid_list"][0]
        entry = {"external_contact": CUSTOMER, "follow_info": {"userid": first_member}}
        if "cursor" not in sent:
            return ok(external_contact_list=[entry], next_cursor=f"next-{first_member}")
        return ok(external_contact_list=[entry], next_cursor="")

    fake.route("/cgi-bin/externalcontact/batch/get_by_user", answer)
    members = [f"u{i:03d}" for i in range(150)]

    entries = [e async for e in corp.external_contact.iter_by_user(members)]

    sent = [body(r) for r in fake.requests]
    assert [len(s["userid_list"]) for s in sent] == [100, 100, 50, 50]
    assert [s.get("cursor") for s in sent] == [None, "next-u000", None, "next-u100"]
    assert [e.follow_info.userid for e in entries] == ["u000", "u000", "u100", "u100"]


async def test_list_external_userids_and_follow_users(fake: FakeWeCom, corp: CorpAPI) -> None:
    def list_answer(request: httpx.Request) -> dict[str, Any]:
        if request.url.params["userid"] == "newbie":
            return {"errcode": 84061, "errmsg": "not external contact"}
        if request.url.params["userid"] == "ghost":
            return {"errcode": 60111, "errmsg": "invalid userid"}
        return ok(external_userid=["wm1", "wm2"])

    fake.route("/cgi-bin/externalcontact/list", list_answer)
    fake.route(
        "/cgi-bin/externalcontact/get_follow_user_list", lambda r: ok(follow_user=["a", "b"])
    )

    assert await corp.external_contact.list_external_userids("zhangsan") == ["wm1", "wm2"]
    assert await corp.external_contact.list_external_userids("newbie") == []
    with pytest.raises(WeComError) as caught:
        await corp.external_contact.list_external_userids("ghost")
    assert caught.value.errcode == 60111
    assert await corp.external_contact.get_follow_user_list() == ["a", "b"]


async def test_mark_tag_and_remark_send_only_what_is_given(fake: FakeWeCom, corp: CorpAPI) -> None:
    fake.route("/cgi-bin/externalcontact/mark_tag", lambda r: ok())
    fake.route("/cgi-bin/externalcontact/remark", lambda r: ok())

    await corp.external_contact.mark_tag("zhangsan", "wm1", add_tag=["et-vip"])
    await corp.external_contact.remark("zhangsan", "wm1", remark="王总", remark_mobiles=[])

    assert [body(r) for r in fake.requests] == [
        {"userid": "zhangsan", "external_userid": "wm1", "add_tag": ["et-vip"]},
        {"userid": "zhangsan", "external_userid": "wm1", "remark": "王总", "remark_mobiles": []},
    ]
    with pytest.raises(ValueError):
        await corp.external_contact.mark_tag("zhangsan", "wm1")
    with pytest.raises(ValueError):
        await corp.external_contact.remark("zhangsan", "wm1", remark="长" * 21)
    with pytest.raises(ValueError):
        await corp.external_contact.remark("zhangsan", "wm1", description="长" * 151)
    with pytest.raises(ValueError):
        await corp.external_contact.remark("zhangsan", "wm1")
    assert len(fake.requests) == 2


# --- tags ------------------------------------------------------------------------------


async def test_get_corp_tag_list(fake: FakeWeCom, corp: CorpAPI) -> None:
    fake.route(
        "/cgi-bin/externalcontact/get_corp_tag_list",
        lambda r: ok(
            tag_group=[
                {
                    "group_id": "grp-level",
                    "group_name": "客户等级",
                    "create_time": 1_600_000_000,
                    "order": 1,
                    "deleted": False,
                    "tag": [
                        {"id": "et-vip", "name": "VIP", "create_time": 1, "order": 2},
                        {
                            "id": "et-old",
                            "name": "旧",
                            "create_time": 1,
                            "order": 1,
                            "deleted": True,
                        },
                    ],
                }
            ]
        ),
    )

    (group,) = await corp.tags.get_corp_tag_list(group_ids=["grp-level"])
    await corp.tags.get_corp_tag_list()

    assert (group.group_id, group.group_name) == ("grp-level", "客户等级")
    assert [(t.id, t.name, t.deleted) for t in group.tags] == [
        ("et-vip", "VIP", False),
        ("et-old", "旧", True),
    ]
    assert [body(r) for r in fake.requests] == [{"group_id": ["grp-level"]}, {}]


# --- group chats -----------------------------------------------------------------------


async def test_groupchat_list_pages_with_owner_filter(fake: FakeWeCom, corp: CorpAPI) -> None:
    def answer(request: httpx.Request) -> dict[str, Any]:
        if body(request).get("cursor") is None:
            return ok(group_chat_list=[{"chat_id": "wr1", "status": 1}], next_cursor="p2")
        return ok(group_chat_list=[{"chat_id": "wr2", "status": 0}], next_cursor="")

    fake.route("/cgi-bin/externalcontact/groupchat/list", answer)

    chats = [c async for c in corp.groupchat.iter_chats(owner_userids=["leaver"], status_filter=1)]

    assert [(c.chat_id, c.status) for c in chats] == [("wr1", 1), ("wr2", 0)]
    assert body(fake.requests[0]) == {
        "status_filter": 1,
        "limit": 1000,
        "owner_filter": {"userid_list": ["leaver"]},
    }
    assert body(fake.requests[1])["cursor"] == "p2"
    with pytest.raises(ValueError):
        await corp.groupchat.list_chats(limit=1001)


async def test_groupchat_list_with_a_looping_server_ends(
    fake: FakeWeCom, corp: CorpAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.route(
        "/cgi-bin/externalcontact/groupchat/list",
        lambda r: ok(group_chat_list=[{"chat_id": "wr1", "status": 0}], next_cursor="again"),
    )

    with caplog.at_level(logging.WARNING):
        chats = [c async for c in corp.groupchat.iter_chats()]

    assert len(chats) == 2
    assert len(fake.requests) == 2
    assert "externalcontact/groupchat/list" in caplog.text


async def test_groupchat_get(fake: FakeWeCom, corp: CorpAPI) -> None:
    fake.route(
        "/cgi-bin/externalcontact/groupchat/get",
        lambda r: ok(
            group_chat={
                "chat_id": "wr1",
                "name": "客户群",
                "owner": "zhangsan",
                "create_time": 1_600_000_000,
                "notice": "群公告",
                "member_list": [
                    {
                        "userid": "zhangsan",
                        "type": 1,
                        "join_time": 1,
                        "join_scene": 1,
                        "invitor": {"userid": "lisi"},
                        "group_nickname": "张",
                        "name": "张三",
                    },
                    {
                        "userid": "wmCUSTOMER",
                        "type": 2,
                        "join_time": 2,
                        "join_scene": 3,
                        "unionid": "ounion",
                    },
                ],
                "admin_list": [{"userid": "lisi"}],
                "member_version": "v71",
            }
        ),
    )

    chat = await corp.groupchat.get("wr1", need_name=True)

    assert body(fake.requests[0]) == {"chat_id": "wr1", "need_name": 1}
    assert (chat.chat_id, chat.name, chat.owner, chat.notice) == (
        "wr1",
        "客户群",
        "zhangsan",
        "群公告",
    )
    assert [(m.userid, m.type, m.join_scene) for m in chat.members] == [
        ("zhangsan", 1, 1),
        ("wmCUSTOMER", 2, 3),
    ]
    assert chat.members[0].invitor_userid == "lisi"
    assert chat.members[1].unionid == "ounion"
    assert chat.admins == ("lisi",)
    assert chat.member_version == "v71"
