"""Product handlers that call WeCom run outside the inbox transaction (issue 15, item 6).

The slow-WeCom test drives the product's own registry (:func:`default_registry`): a
``change_external_contact`` handler waits on a WeCom fetch that the test holds open,
and a second callback must still be acknowledged meanwhile — on SQLite, one connection
that every acknowledgement needs, it is not if the handler holds a transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from callbacks.handlers import default_registry
from tests.callbacks.test_receiver_concurrency import contact_change, deliver
from tests.conftest import TEST_CORP_ID, FakeClock
from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.callbacks import self_built_event
from wecom_app.store.models import InboxEvent

# Every product handler that makes a WeCom call (a fetch, an auth refresh).
CALLS_WECOM = [
    ("change_external_contact", "add_external_contact"),
    ("change_external_contact", "edit_external_contact"),
    ("change_external_contact", "add_half_external_contact"),
    ("change_external_chat", "create"),
    ("change_external_chat", "update"),
    ("change_external_tag", None),
    ("change_auth", None),
]


def test_every_handler_that_calls_wecom_is_outside_the_transaction() -> None:
    registrations = default_registry().registrations()
    for key in CALLS_WECOM:
        assert registrations[key].transactional is False, key


class GatedWeCom:
    """WeCom whose ``externalcontact/get`` answers only when the test says so."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gettoken"):
            return httpx.Response(200, json={"errcode": 0, "access_token": "t", "expires_in": 7200})
        if request.url.path.endswith("/externalcontact/get"):
            self.entered.set()
            await self.release.wait()
            return httpx.Response(200, json={"errcode": 84061, "errmsg": "not external contact"})
        return httpx.Response(200, json={"errcode": 0})


@pytest.fixture
async def gated(
    settings: Settings, kv: MemoryKV | RedisKV, clock: FakeClock
) -> AsyncIterator[tuple[Runtime, GatedWeCom]]:
    wecom = GatedWeCom()
    svc = Services(
        settings,
        clock=clock,
        kv=kv,
        run_worker=False,
        manage_db=False,
        transport=httpx.MockTransport(wecom),
    )
    async with Runtime(svc) as runtime:
        yield runtime, wecom


async def test_a_slow_wecom_fetch_in_a_product_handler_does_not_delay_acknowledgements(
    settings: Settings, clock: FakeClock, gated: tuple[Runtime, GatedWeCom]
) -> None:
    runtime, wecom = gated
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        added = self_built_event(
            TEST_CORP_ID,
            "change_external_contact",
            "add_external_contact",
            create_time=int(clock()),
            UserID="zhangsan",
            ExternalUserID="wm_customer",
        )
        assert (await deliver(client, added, clock)).text == ""
        worker = runtime.build_worker()  # the product's registry
        applying = asyncio.create_task(worker.drain())
        await asyncio.wait_for(wecom.entered.wait(), 5)

        # The handler now waits on WeCom; a second callback is acknowledged meanwhile.
        second = await asyncio.wait_for(deliver(client, contact_change("second"), clock), 5)
        assert second.text == ""

        wecom.release.set()
        await asyncio.wait_for(applying, 10)
    statuses = sorted(row.status for row in await InboxEvent.all())
    assert statuses == ["done", "done"]
