"""Who may see what: employees × customers (and group chats) × every sidebar endpoint.

The cast, built from a generated org (in the simulator and in our store):

- ``follower`` follows ``c_follow`` (nobody else does);
- ``predecessor`` followed ``c_transfer`` until it was transferred to ``successor``
  (a completed CustomerTransfer; the successor's relation is not synced yet);
- ``resigned`` follows ``c_resigned`` but has left; ``lost`` deleted ``c_lost``;
- ``manager`` manages ``follower`` by userid, ``dept_manager`` by a department above
  the follower's; ``colleague`` and ``nobody`` have no claim on anything;
- ``c_missing`` exists nowhere, ``c_other_corp`` belongs to another tenant (followed
  there by an employee with the follower's userid).

Every endpoint about a customer must answer exactly as allowed: a refusal is the same
403 body whether the customer exists or not, and writes nothing anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV
from wecom_app.store.directory import ConsoleRole, Department, FollowRelation, GroupChat
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sidebar import CustomerNote, CustomerRecord, Reminder
from wecom_app.store.transfer import CustomerTransfer

MISSING = "wmNoSuchCustomer0000000000000001"
OTHER_CORP_CUSTOMER = "wmOtherCorpCustomer000000000001"


@dataclass
class Cast:
    world: SidebarWorld
    people: dict[str, str]  # role → userid
    customers: dict[str, str]  # role → external_userid
    allowed: dict[tuple[str, str], bool]
    tag_id: str


def sole_customers(world: SidebarWorld, userid: str) -> list[str]:
    org = world.org
    return [e for e in world.followed_by(userid) if len(org.follows_by_customer[e]) == 1]


async def build_cast(world: SidebarWorld) -> Cast:
    corp = world.corp
    sellers = [u for u in world.sellers() if sole_customers(world, u)]
    assert len(sellers) >= 5, "the generated org needs five sellers with own customers"
    follower, predecessor, resigned, lost, colleague = sellers[:5]
    for extra in ("manager_x", "deptmgr_x", "nobody_x", "successor_x"):
        await Employee.create(corp_id=corp.id, userid=extra, name=extra, status="active")
    manager, dept_manager, nobody, successor = "manager_x", "deptmgr_x", "nobody_x", "successor_x"
    c_follow = sole_customers(world, follower)[0]
    c_transfer = sole_customers(world, predecessor)[0]
    c_resigned = sole_customers(world, resigned)[0]
    c_lost = sole_customers(world, lost)[0]

    # The transfer: WeCom moved the customer; our store knows the transfer completed.
    world.org.remove_follow(predecessor, c_transfer)
    await FollowRelation.filter(
        corp_id=corp.id, external_userid=c_transfer, userid=predecessor
    ).update(status="transferred", ended_at=int(world.clock()))
    await CustomerTransfer.create(
        corp_id=corp.id,
        external_userid=c_transfer,
        from_userid=predecessor,
        to_userid=successor,
        completed_at=int(world.clock()),
        created_at=world.clock(),
    )
    await Employee.filter(corp_id=corp.id, userid=resigned).update(status="resigned")
    world.org.remove_follow(lost, c_lost)
    await FollowRelation.filter(corp_id=corp.id, external_userid=c_lost, userid=lost).update(
        status="deleted_by_employee", ended_at=int(world.clock())
    )
    # Managers: one by userid; one by a department whose sub-department the follower is in.
    await ConsoleRole.create(
        corp_id=corp.id, userid=manager, role="manager", scope={"userids": [follower]}
    )
    await Department.create(corp_id=corp.id, dept_id=900, name="华东大区", parent_id=1)
    await Department.create(corp_id=corp.id, dept_id=901, name="上海组", parent_id=900)
    await Employee.filter(corp_id=corp.id, userid=follower).update(departments=["901"])
    await ConsoleRole.create(
        corp_id=corp.id, userid=dept_manager, role="manager", scope={"departments": ["900"]}
    )
    # Another tenant whose customer is followed by someone with the follower's userid.
    other = await Corp.create(corp_id="wwothercorp000001", mode="self_built")
    await FollowRelation.create(
        corp_id=other.id, external_userid=OTHER_CORP_CUSTOMER, userid=follower, status="active"
    )

    people = {
        "follower": follower,
        "predecessor": predecessor,
        "successor": successor,
        "resigned": resigned,
        "lost": lost,
        "colleague": colleague,
        "manager": manager,
        "dept_manager": dept_manager,
        "nobody": nobody,
    }
    customers = {
        "c_follow": c_follow,
        "c_transfer": c_transfer,
        "c_resigned": c_resigned,
        "c_lost": c_lost,
        "c_missing": MISSING,
        "c_other_corp": OTHER_CORP_CUSTOMER,
    }
    yes = {
        ("follower", "c_follow"),
        ("successor", "c_transfer"),
        ("manager", "c_follow"),
        ("dept_manager", "c_follow"),
    }
    allowed = {(p, c): (p, c) in yes for p in people for c in customers}
    tag_id = next(iter(world.org.tags))
    return Cast(world, people, customers, allowed, tag_id)


@pytest.fixture
async def cast(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[Cast]:
    async with sidebar_world(tmp_path, database, kv, customers=80, employees=14) as world:
        yield await build_cast(world)


def requests_for(
    external_userid: str, tag_id: str, due: int
) -> list[tuple[str, str, dict[str, object] | None]]:
    base = f"/sidebar/api/customers/{external_userid}"
    return [
        ("GET", base, None),
        ("GET", base + "/messages", None),
        ("GET", base + "/messages?of=predecessors&q=价格", None),
        ("POST", base + "/tags", {"add": [tag_id]}),
        ("POST", base + "/remark", {"remark": "matrix"}),
        ("POST", base + "/notes", {"text": "matrix note"}),
        ("DELETE", base + "/notes/987654", None),
        ("PUT", base + "/stage", {"stage": "contacted"}),
        ("PUT", base + "/fields", {"values": {"nothing": 1}}),
        ("POST", base + "/reminders", {"text": "matrix", "due_at": due}),
        ("POST", base + "/reminders/987654/done", None),
    ]


async def send(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, object] | None
) -> httpx.Response:
    return await client.request(method, url, json=body)


async def test_every_customer_endpoint_answers_only_whom_it_should(cast: Cast) -> None:
    world = cast.world
    due = int(world.clock()) + 3600
    refusals: dict[tuple[str, str], set[tuple[int, bytes]]] = {}
    for person, userid in cast.people.items():
        client = world.client_for(userid)
        for role, external_userid in cast.customers.items():
            for method, url, body in requests_for(external_userid, cast.tag_id, due):
                answer = await send(client, method, url, body)
                endpoint = (method, url.split(external_userid, 1)[1].split("?")[0] or "/")
                if cast.allowed[(person, role)]:
                    assert answer.status_code != 403, (person, role, method, url, answer.text)
                    assert answer.status_code < 500, (person, role, method, url, answer.text)
                elif person == "resigned":  # the session itself has ended
                    assert answer.status_code == 401, (person, role, method, url)
                else:
                    assert answer.status_code == 403, (person, role, method, url, answer.text)
                    assert answer.json() == {"error": "forbidden"}
                    headers = {k: v for k, v in answer.headers.items() if k != "date"}
                    refusals.setdefault(endpoint, set()).add(
                        (
                            answer.status_code,
                            answer.content + repr(sorted(headers.items())).encode(),
                        )
                    )
    # A refusal looks the same whatever the customer: existing, missing, another tenant's.
    for endpoint, shapes in refusals.items():
        assert len(shapes) == 1, endpoint


async def test_refused_writes_change_nothing_here_or_in_wecom(cast: Cast) -> None:
    world = cast.world
    denied = [c for c in cast.customers.values() if not cast.allowed[("nobody", _role(cast, c))]]
    client = world.client_for(cast.people["nobody"])
    marks = world.sim.calls["/cgi-bin/externalcontact/mark_tag"]
    remarks = world.sim.calls["/cgi-bin/externalcontact/remark"]
    for external_userid in denied:
        for method, url, body in requests_for(external_userid, cast.tag_id, int(world.clock())):
            await send(client, method, url, body)
    assert world.sim.calls["/cgi-bin/externalcontact/mark_tag"] == marks
    assert world.sim.calls["/cgi-bin/externalcontact/remark"] == remarks
    assert await CustomerNote.all().count() == 0
    assert await Reminder.all().count() == 0
    assert await CustomerRecord.all().count() == 0


def _role(cast: Cast, external_userid: str) -> str:
    return next(r for r, c in cast.customers.items() if c == external_userid)


async def test_existing_and_missing_customers_cost_the_same_look_up(cast: Cast) -> None:
    """Refusing a customer the store knows and one it does not take the same path: one
    question to WeCom (the viewer may have added the customer a moment ago), then none
    for five minutes — so neither timing nor WeCom traffic tells them apart."""
    world = cast.world
    client = world.client_for(cast.people["colleague"])
    path = "/cgi-bin/externalcontact/get"
    for external_userid in (cast.customers["c_follow"], MISSING):
        before = world.sim.calls[path]
        assert (await client.get(f"/sidebar/api/customers/{external_userid}")).status_code == 403
        assert world.sim.calls[path] == before + 1
        assert (await client.get(f"/sidebar/api/customers/{external_userid}")).status_code == 403
        assert world.sim.calls[path] == before + 1


async def test_look_ups_are_rationed_per_employee(cast: Cast) -> None:
    world = cast.world
    client = world.client_for(cast.people["nobody"])
    path = "/cgi-bin/externalcontact/get"
    before = world.sim.calls[path]
    for number in range(30):
        answer = await client.get(f"/sidebar/api/customers/wmProbe{number:024d}")
        assert answer.status_code == 403
    assert world.sim.calls[path] - before == 20


async def test_malformed_ids_are_refused_like_any_other(cast: Cast) -> None:
    client = cast.world.client_for(cast.people["follower"])
    for bad in ("a" * 65, "wm%20x", "..", "wm'x"):
        answer = await client.get(f"/sidebar/api/customers/{bad}")
        assert answer.status_code in (403, 404), bad
        if answer.status_code == 403:
            assert answer.json() == {"error": "forbidden"}


async def test_group_chats_members_owners_and_managers(cast: Cast) -> None:
    world = cast.world
    follower = cast.people["follower"]
    chat = next(
        (c for c in world.org.group_chats.values() if c.owner == follower),
        None,
    )
    if chat is None:  # make the follower own one, in WeCom and in our store
        chat = next(iter(world.org.group_chats.values()))
        chat.owner = follower
        await GroupChat.filter(corp_id=world.corp.id, chat_id=chat.chat_id).update(owner=follower)
    member = next((m.userid for m in chat.members if m.type == 1 and m.userid != follower), None)
    cases = {
        follower: True,
        cast.people["manager"]: True,
        cast.people["dept_manager"]: True,
        cast.people["nobody"]: False,
    }
    if member is not None and member not in cases:
        cases[member] = True
    for userid, allowed in cases.items():
        client = world.client_for(userid)
        answer = await client.get(f"/sidebar/api/groups/{chat.chat_id}")
        assert (answer.status_code == 200) == allowed, (userid, answer.text)
        if not allowed:
            assert answer.json() == {"error": "forbidden"}
        missing = await client.get("/sidebar/api/groups/wrNoSuchChat00000000000000000001")
        assert missing.status_code == 403
        assert missing.json() == {"error": "forbidden"}
    resigned = world.client_for(cast.people["resigned"])
    assert (await resigned.get(f"/sidebar/api/groups/{chat.chat_id}")).status_code == 401


async def test_a_session_of_another_tenant_sees_nothing_here(cast: Cast) -> None:
    world = cast.world
    other = await Corp.get(corp_id="wwothercorp000001")
    client = world.client_for(cast.people["follower"], corp=other)
    answer = await client.get(f"/sidebar/api/customers/{cast.customers['c_follow']}")
    assert answer.status_code == 403
    # but its own customer, yes
    own = await client.get(f"/sidebar/api/customers/{OTHER_CORP_CUSTOMER}")
    assert own.status_code == 200, own.text
