"""The simulated WeCom's transfer and message APIs, read through our client.

Each rule of wecom-protocol.md §5 is exercised on its own: the 24-hour takeover on the
simulator clock, the status progression, refusals and caps with their ``transfer_fail``
callbacks, 2 on-job transfers per 90 days, the 300-chats-a-day limit, the one-year limit
on a leaver's customers, and the errcodes. No database: the simulator and the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import SECRET_KEY, TEST_CORP_ID
from wecom_app.kv import MemoryKV
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_message import sent_messages
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import GroupChat, GroupChatStatus, Org, SimClock
from wecom_app.simulator.transfer import CHATS_PER_DAY, transfer_desk
from wecom_app.wecom import CorpAPI, CorpTokenProvider, RetryPolicy, WeComClient, WeComError
from wecom_app.wecom.message import MessageAPI
from wecom_app.wecom.transfer import TransferAPI

SECRET = "corp-secret-for-transfer-simulator"
DAY = 86400


class World:
    def __init__(self) -> None:
        self.clock = SimClock()
        self.sim = Simulator(clock=self.clock, seed=11)
        self.org: Org = self.sim.add_org(
            generate_org(
                11,
                customers=300,
                employees=10,
                group_chats=10,
                corp_id=TEST_CORP_ID,
                now=int(self.clock()),
            )
        )
        self.sim.enable_self_built_app(self.org.corp_id, secret=SECRET, agent_id=1000002)
        self.desk = transfer_desk(self.sim)

    def people(self) -> tuple[str, str, str]:
        """(handover with customers, takeover, another member)."""
        ranked = sorted(self.org.employees, key=lambda u: -len(self.org.follows_by_user.get(u, {})))
        return ranked[0], ranked[-1], ranked[-2]

    def customers_of(self, userid: str, count: int) -> list[str]:
        return list(self.org.follows_by_user[userid])[:count]

    def fail_callbacks(self) -> list[dict[str, str | int | list[str]]]:
        return [
            dict(c.fields)
            for c in self.sim.pop_callbacks()
            if c.fields.get("ChangeType") == "transfer_fail"
        ]


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def apis(world: World) -> AsyncIterator[tuple[TransferAPI, CorpAPI, MessageAPI]]:
    async def no_sleep(_: float) -> None:
        await asyncio.sleep(0)

    client = WeComClient(
        transport=httpx.ASGITransport(app=create_simulator_app(world.sim)),
        retry=RetryPolicy(max_busy_retries=0),
        sleep=no_sleep,
    )
    tokens = CorpTokenProvider(
        client, MemoryKV(), SecretBox(SECRET_KEY), corp_id=world.org.corp_id, corp_secret=SECRET
    )
    yield TransferAPI(client, tokens), CorpAPI(client, tokens), MessageAPI(client, tokens, 1000002)
    await client.aclose()


async def results(
    api: TransferAPI, handover: str, takeover: str, *, resigned: bool = False
) -> dict[str, tuple[int, int]]:
    return {
        r.external_userid: (r.status, r.takeover_time)
        async for r in api.transfer_result(handover, takeover, resigned=resigned)
    }


async def test_an_on_job_transfer_waits_24_hours_then_moves_the_relationship(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    handover, takeover, _ = world.people()
    customers = world.customers_of(handover, 3)
    old = world.org.follow(handover, customers[0])
    assert old is not None
    old.remark, old.tag_ids = "老客户", list(world.org.tags)[:1]
    start = int(world.clock())

    answer = await api.transfer_customer(
        handover, takeover, customers, transfer_success_msg="您好，由同事接替为您服务"
    )

    assert [(o.external_userid, o.errcode) for o in answer] == [(c, 0) for c in customers]
    assert await results(api, handover, takeover) == {c: (2, start + DAY) for c in customers}
    world.clock.advance(DAY - 1)
    assert {s for s, _ in (await results(api, handover, takeover)).values()} == {2}
    assert world.org.follow(handover, customers[0]) is not None  # still the handover's

    world.clock.advance(1)
    assert await results(api, handover, takeover) == {c: (1, start + DAY) for c in customers}
    for customer in customers:
        assert world.org.follow(handover, customer) is None
        moved = world.org.follow(takeover, customer)
        assert moved is not None
        if customer == customers[0]:
            # A native transfer carries nothing over: remark and tags are gone.
            assert (moved.remark, moved.tag_ids) == ("", [])
    deleted = [
        c.fields
        for c in world.sim.pending_callbacks
        if c.fields.get("ChangeType") == "del_external_contact"
    ]
    assert {(f["UserID"], f["ExternalUserID"], f["Source"]) for f in deleted} == {
        (handover, c, "DELETE_BY_TRANSFER") for c in customers
    }


async def test_refusals_and_the_takeover_cap_end_with_a_transfer_fail_callback(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    handover, takeover, _ = world.people()
    refuser, *others = world.customers_of(handover, 4)
    world.desk.refusing.add(refuser)
    # Room for one more customer when the transfers start; the takeover is due later.
    world.desk.caps[takeover] = len(world.org.follows_by_user.get(takeover, {})) + 1

    answer = await api.transfer_customer(handover, takeover, [refuser, *others])
    assert {o.errcode for o in answer} == {0}
    world.clock.advance(2 * 3600)
    world.desk.settle()
    refused = world.fail_callbacks()
    assert [(f["UserID"], f["ExternalUserID"], f["FailReason"]) for f in refused] == [
        (takeover, refuser, "customer_refused")
    ]
    assert "HandoverUserID" not in refused[0]  # WeCom names only the takeover member

    world.clock.advance(DAY)
    final = await results(api, handover, takeover)
    assert final[refuser] == (3, 0)
    assert sorted(s for s, _ in (final[c] for c in others)) == [1, 4, 4]
    limited = world.fail_callbacks()
    assert sorted(f["FailReason"] for f in limited) == ["customer_limit_exceed"] * 2
    assert all(f["UserID"] == takeover for f in limited)

    # Now at the cap: new transfers to them are refused at once.
    more = world.customers_of(handover, 6)[-1]
    (outcome,) = await api.transfer_customer(handover, takeover, [more])
    assert outcome.errcode == 40099


async def test_a_customer_moves_on_job_at_most_twice_in_90_days(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    first, second, third = world.people()
    (customer,) = world.customers_of(first, 1)

    assert [o.errcode for o in await api.transfer_customer(first, second, [customer])] == [0]
    (busy,) = await api.transfer_customer(first, third, [customer])
    assert busy.errcode == 40129  # in progress
    world.clock.advance(DAY)
    assert [o.errcode for o in await api.transfer_customer(second, third, [customer])] == [0]
    world.clock.advance(DAY)
    (refused,) = await api.transfer_customer(third, first, [customer])
    assert refused.errcode == 40128
    world.clock.advance(90 * DAY)
    assert [o.errcode for o in await api.transfer_customer(third, first, [customer])] == [0]


async def test_per_customer_and_request_errors(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    handover, takeover, other = world.people()
    mine = world.customers_of(handover, 1)[0]
    theirs = next(c for c in world.org.customers if world.org.follow(handover, c) is None)
    world.desk.unverified.add(other)

    answer = await api.transfer_customer(handover, takeover, [mine, "wmNoSuchCustomer", theirs])
    assert [o.errcode for o in answer] == [0, 40096, 40131]
    (unverified,) = await api.transfer_customer(
        handover, other, world.customers_of(handover, 2)[1:]
    )
    assert unverified.errcode == 40098
    for call, code in (
        (api.transfer_customer(handover, handover, [mine]), 40130),
        (api.transfer_customer(handover, "nobody", [mine]), 60111),
        (api.transfer_customer(handover, takeover, [mine], resigned=True), 40097),
    ):
        with pytest.raises(WeComError) as error:
            await call
        assert error.value.errcode == code


async def test_a_leavers_customers_are_unassigned_until_transferred_within_a_year(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    handover, takeover, other = world.people()
    theirs = list(world.org.follows_by_user[handover])
    world.sim.delete_employee(world.org.corp_id, handover)
    left_at = int(world.clock())

    page = await api.get_unassigned_page(page_size=10)
    assert not page.is_last
    listed = [u async for u in api.unassigned(page_size=7)]
    assert [(u.handover_userid, u.external_userid, u.dimission_time) for u in listed] == [
        (handover, c, left_at) for c in theirs
    ]

    answer = await api.transfer_customer(handover, takeover, theirs[:2], resigned=True)
    assert [o.errcode for o in answer] == [0, 0]
    remaining = {u.external_userid async for u in api.unassigned()}
    assert remaining == set(theirs[2:])  # being transferred: no longer waiting
    world.clock.advance(DAY)
    assert {s for s, _ in (await results(api, handover, takeover, resigned=True)).values()} == {1}
    assert all(world.org.follow(takeover, c) is not None for c in theirs[:2])
    # No DELETE_BY_TRANSFER for a member who left.
    assert not [c for c in world.sim.pending_callbacks if c.fields.get("Source")]

    world.clock.advance(366 * DAY)
    late = await api.transfer_customer(handover, other, theirs[2:4], resigned=True)
    assert {o.errcode for o in late} == {84061}


async def test_group_chats_move_at_once_at_most_300_a_day_per_pair(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, corp_api, _ = apis
    handover, takeover, other = world.people()
    org = world.org
    for number in range(100 + CHATS_PER_DAY + 10):
        chat_id = f"wrsimchat{number:05d}"
        org.group_chats[chat_id] = GroupChat(chat_id, f"群{number}", handover, int(world.clock()))
    ids = [c for c in org.group_chats if c.startswith("wrsimchat")]

    failed = await api.transfer_group_chats(ids[:10], takeover, resigned=True)
    assert {f.errcode for f in failed} == {90500}  # the owner has not left
    failed = await api.transfer_group_chats(ids[:100], takeover, resigned=False)
    assert failed == []
    assert (await corp_api.groupchat.get(ids[0])).owner == takeover

    world.sim.delete_employee(org.corp_id, handover)
    rest = ids[100:]
    # 90502: the owner has already left (Doc 90313), so the on-job transfer is refused.
    assert {f.errcode for f in await api.transfer_group_chats(rest[:5], other, resigned=False)} == {
        90502
    }
    sent = 0
    over = []
    for start in range(0, len(rest), 100):
        answer = await api.transfer_group_chats(rest[start : start + 100], other, resigned=True)
        over.extend(answer)
        sent += len(rest[start : start + 100]) - len(answer)
    assert sent == CHATS_PER_DAY  # 300 today for handover → other
    # ❓ no documented code for the daily limit: the simulator answers 45009 per chat.
    assert [f.errcode for f in over] == [45009] * (len(rest) - CHATS_PER_DAY)
    assert org.group_chats[rest[0]].status == GroupChatStatus.INHERITED
    # Asked again for a chat already inherited by the same successor: 90508.
    assert {f.errcode for f in await api.transfer_group_chats(rest[:1], other, resigned=True)} == {
        90508
    }
    world.clock.advance(DAY)
    assert await api.transfer_group_chats([f.chat_id for f in over], other, resigned=True) == []


async def test_an_on_job_chat_moves_at_most_twice_in_90_days(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    api, _, _ = apis
    a, b, c = world.people()
    world.org.group_chats["wrtwice"] = GroupChat("wrtwice", "群", a, int(world.clock()))
    assert await api.transfer_group_chats(["wrtwice"], b, resigned=False) == []
    assert await api.transfer_group_chats(["wrtwice"], c, resigned=False) == []
    (again,) = await api.transfer_group_chats(["wrtwice"], a, resigned=False)
    assert again.errcode == 40128


async def test_app_messages_are_recorded_for_their_recipients(
    world: World, apis: tuple[TransferAPI, CorpAPI, MessageAPI]
) -> None:
    _, _, messages = apis
    a, b, _ = world.people()

    result = await messages.send_text([a, "ghost"], "你好")
    card = await messages.send_textcard(
        [b], title="转接", description="3 位客户", url="https://x.test/"
    )

    assert result.invalid_users == ("ghost",)
    assert [(m.touser, m.text) for m in sent_messages(world.sim)] == [
        ([a], "你好"),
        ([b], "转接\n3 位客户"),
    ]
    assert card.msgid
    with pytest.raises(WeComError) as error:
        await messages.send_text(["ghost"], "nobody")
    assert error.value.errcode == 81013
    wrong_agent = MessageAPI(messages._client, messages._tokens, 999)
    with pytest.raises(WeComError) as error:
        await wrong_agent.send_text([a], "x")
    assert error.value.errcode == 40056
