"""``compliance-alert-notify`` claims each notification before sending it (issue 15).

Two senders at once — a slow run of the job in one process and the next run in
another — send each notification once: the second finds it claimed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_CORP_ID, FakeClock, make_settings
from tests.search.test_alerts import grant_compliance
from tests.support.search import message, store
from wecom_app.kv import MemoryKV
from wecom_app.search.alert_notifications import send_pending_notifications
from wecom_app.search.alert_rules import create_rule
from wecom_app.services import Services
from wecom_app.store.models import Corp
from wecom_app.store.search import AlertNotification

pytestmark = pytest.mark.usefixtures("database")


class SlowSend:
    """WeCom whose ``message/send`` answers only when the test says so."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/gettoken":
            return httpx.Response(200, json={"errcode": 0, "access_token": "t", "expires_in": 7200})
        if request.url.path == "/cgi-bin/message/send":
            self.sent.append(json.loads(request.content))
            self.entered.set()
            await self.release.wait()
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
        return httpx.Response(404)


@pytest.fixture
async def slow_wecom(tmp_path: Path, database: str) -> AsyncIterator[tuple[Services, SlowSend]]:
    wecom = SlowSend()
    services = Services(
        make_settings(tmp_path, database),
        clock=FakeClock(),
        kv=MemoryKV(),
        run_worker=False,
        manage_db=False,
        transport=httpx.MockTransport(wecom),
    )
    async with services:
        yield services, wecom


async def test_two_senders_at_once_send_each_notification_once(
    slow_wecom: tuple[Services, SlowSend],
) -> None:
    services, wecom = slow_wecom
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await grant_compliance(corp, "boss")
    await create_rule(corp.id, name="返现提醒", kind="words", pattern="返现", notify=["boss"])
    await store(corp, [message(corp, "有返现吗")])

    now = time.time()
    slow = asyncio.create_task(send_pending_notifications(services, now=now))
    await asyncio.wait_for(wecom.entered.wait(), 5)
    # The next run starts while the first still waits on WeCom: nothing left to send.
    again = await asyncio.wait_for(send_pending_notifications(services, now=now + 30), 5)
    assert again == {"sent": 0, "retry": 0, "failed": 0}
    wecom.release.set()
    assert (await asyncio.wait_for(slow, 5))["sent"] == 1

    assert len(wecom.sent) == 1
    (note,) = await AlertNotification.filter(corp_id=corp.id)
    assert (note.status, note.attempts) == ("sent", 1)
