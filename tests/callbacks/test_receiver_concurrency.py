"""Concurrent deliveries: retries collapse to one inbox row, distinct events never merge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from callbacks.registry import HandlerContext
from callbacks.worker import InboxWorker
from tests.conftest import TEST_CORP_ID, TEST_SUITE_ID, FakeClock
from tests.support.callback_wire import CountingRegistry
from tests.support.callbacks import CORP_URL, corp_crypto, suite_crypto
from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.protocol.events import Event
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.callbacks import event_xml, seal, self_built_event, suite_command
from wecom_app.store.models import Corp, Employee, InboxEvent

Fields = dict[str, str | int | list[str]]
CREATE_TIME = 1_700_000_000


def contact_change(user: str, change: str = "create_user", **extra: str) -> Fields:
    return self_built_event(
        TEST_CORP_ID, "change_contact", change, create_time=CREATE_TIME, UserID=user, **extra
    )


async def deliver(
    client: httpx.AsyncClient,
    fields: Fields,
    clock: FakeClock,
    *,
    url: str = CORP_URL,
    suite: bool = False,
) -> httpx.Response:
    """One delivery as WeCom makes it: freshly encrypted (new random prefix and nonce)."""
    crypto = suite_crypto() if suite else corp_crypto()
    signed = seal(crypto, event_xml(fields), timestamp=int(clock()))
    return await client.post(url, params=signed.query, content=signed.body.encode())


def answers(responses: list[httpx.Response]) -> list[tuple[int, str]]:
    return [(r.status_code, r.text) for r in responses]


async def test_100_simultaneous_retries_store_exactly_one_row(
    client: httpx.AsyncClient, clock: FakeClock, services: Services
) -> None:
    fields = contact_change("zhangsan", Name="张三")
    signed = [seal(corp_crypto(), event_xml(fields), timestamp=int(clock())) for _ in range(100)]
    # Every delivery is a different ciphertext and signature, as with WeCom's retries.
    assert len({s.body for s in signed}) == 100
    assert len({s.query["nonce"] for s in signed}) > 90

    responses = await asyncio.gather(
        *(client.post(CORP_URL, params=s.query, content=s.body.encode()) for s in signed)
    )

    assert answers(responses) == [(200, "")] * 100
    rows = await InboxEvent.all()
    assert len(rows) == 1
    assert "<UserID><![CDATA[zhangsan]]></UserID>" in rows[0].payload
    assert (rows[0].status, rows[0].attempts) == ("pending", 0)
    assert services.metrics.callbacks_received.value("corp") == 1
    assert services.metrics.callbacks_duplicate.value("corp") == 99


async def test_simultaneous_retries_of_many_events_interleaved(
    client: httpx.AsyncClient, clock: FakeClock, services: Services
) -> None:
    """20 events x 5 deliveries each, all at once and shuffled: 20 rows."""
    events = [contact_change(f"user{i:02d}") for i in range(20)]
    deliveries = [events[(i * 7) % 20] for i in range(100)]
    responses = await asyncio.gather(*(deliver(client, e, clock) for e in deliveries))
    assert answers(responses) == [(200, "")] * 100
    rows = await InboxEvent.all()
    assert len(rows) == 20
    users = sorted(r.payload.split("<UserID><![CDATA[")[1].split("]]>")[0] for r in rows)
    assert users == [f"user{i:02d}" for i in range(20)]
    assert services.metrics.callbacks_received.value("corp") == 20
    assert services.metrics.callbacks_duplicate.value("corp") == 80


async def test_distinct_events_in_the_same_second_from_the_same_sender_are_all_kept(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """WxJava #1745: sender + CreateTime + event name is not a dedup key."""
    base: Fields = {
        "ToUserName": TEST_CORP_ID,
        "FromUserName": "sys",
        "CreateTime": CREATE_TIME,
        "MsgType": "event",
        "Event": "change_external_contact",
        "UserID": "zhangsan",
    }
    distinct: list[Fields] = []
    for i in range(30):  # same employee, same second, 30 different customers
        distinct.append(
            {**base, "ChangeType": "add_external_contact", "ExternalUserID": f"wm{i:03d}"}
        )
    for change in ("edit_external_contact", "del_external_contact", "del_follow_user"):
        distinct.append({**base, "ChangeType": change, "ExternalUserID": "wm000"})
    # Differ only in a field deep in the document, or in one value of a list.
    distinct.append(
        {
            **base,
            "ChangeType": "add_external_contact",
            "ExternalUserID": "wm000",
            "State": "channel-a",
        }
    )
    distinct.append(
        {
            **base,
            "ChangeType": "add_external_contact",
            "ExternalUserID": "wm000",
            "State": "channel-b",
        }
    )
    for departments in (["1", "2"], ["1", "3"], ["2", "1"]):
        distinct.append({**contact_change("lisi", "update_user"), "Department": departments})
    # A field present vs. the same field empty.
    distinct.append(contact_change("wangwu", "update_user", Position="engineer"))
    distinct.append(contact_change("wangwu", "update_user", Position=""))
    distinct.append(contact_change("wangwu", "update_user"))

    # Each distinct event delivered twice, all concurrently.
    responses = await asyncio.gather(*(deliver(client, e, clock) for e in distinct * 2))
    assert answers(responses) == [(200, "")] * (2 * len(distinct))
    rows = await InboxEvent.all()
    assert len(rows) == len(distinct)
    assert len({r.dedup_key for r in rows}) == len(distinct)


async def test_the_same_event_from_two_authorising_corps_is_two_rows(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Identical documents except AuthCorpId: scoped per corp, both kept."""
    common = {
        "ChangeType": "add_external_contact",
        "UserID": "zhangsan",
        "ExternalUserID": "wm1",
    }
    events = [
        suite_command(
            TEST_SUITE_ID,
            "change_external_contact",
            timestamp=CREATE_TIME,
            AuthCorpId=corp,
            **common,
        )
        for corp in ("wwcorpaaaaaaaaaa", "wwcorpbbbbbbbbbb")
    ]
    responses = await asyncio.gather(
        *(deliver(client, e, clock, url="/callbacks/suite", suite=True) for e in events * 10)
    )
    assert answers(responses) == [(200, "success")] * 20
    rows = await InboxEvent.all().order_by("scope")
    assert [r.scope for r in rows] == ["wwcorpaaaaaaaaaa", "wwcorpbbbbbbbbbb"]


@pytest.fixture
async def second_client(
    settings: Settings, kv: MemoryKV | RedisKV, clock: FakeClock, services: Services
) -> AsyncIterator[httpx.AsyncClient]:
    """A second, independent receiver on the same database (another server process)."""
    other = Services(settings, clock=clock, kv=kv, run_worker=False, manage_db=False)
    async with Runtime(other) as runtime:
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_retries_split_across_two_receivers_store_one_row(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Each receiver group-commits on its own; the unique key still admits one row."""
    events = [contact_change(f"u{i}") for i in range(10)]
    sends = [
        deliver((client, second_client)[j % 2], events[i], clock)
        for i in range(10)
        for j in range(10)
    ]
    responses = await asyncio.gather(*sends)
    assert answers(responses) == [(200, "")] * 100
    assert await InboxEvent.all().count() == 10


async def test_a_retry_after_the_worker_applied_it_changes_nothing(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    counting = CountingRegistry()

    async def apply_for_real(ctx: HandlerContext, event: Event) -> None:
        from callbacks.handlers.contacts import on_user_change

        await on_user_change(ctx, event)

    counting.on("change_contact", "create_user", effect=apply_for_real)
    worker = InboxWorker(counting.registry, runtime.handler_context(), services.metrics)
    fields = contact_change("zhangsan", Name="张三", Position="sales")

    first = await deliver(client, fields, clock)
    assert (first.status_code, first.text) == (200, "")
    assert await worker.drain() == 1
    assert counting.calls == {"zhangsan": 1}
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts) == ("done", 1)
    applied_at = row.applied_at

    # Someone edits the employee after the event was applied (e.g. a later sync).
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await Employee.filter(corp=corp, userid="zhangsan").update(position="manager")

    clock.advance(60)  # WeCom retries later, re-encrypted, same document
    retries = await asyncio.gather(*(deliver(client, fields, clock) for _ in range(5)))
    assert answers(retries) == [(200, "")] * 5
    assert await worker.drain() == 0

    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.applied_at) == ("done", 1, applied_at)
    assert counting.calls == {"zhangsan": 1}
    employee = await Employee.get(corp=corp, userid="zhangsan")
    assert (employee.name, employee.position) == ("张三", "manager")
    assert services.metrics.callbacks_duplicate.value("corp") == 5
