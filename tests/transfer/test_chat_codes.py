"""Group-chat transfer errcodes read as WeCom means them (issue 14, item 2).

Doc 90313: 90501 not a customer group chat, 90502 the owner has already left, 90507
inheritance in progress, 90508 already inherited. None of them is "over 300 a day", so
none may wait for tomorrow; 90507 alone is asked again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.transfer import TransferEnv, build_env, busiest, close_env
from wecom_app.kv import KV
from wecom_app.store.transfer import TransferItem
from wecom_app.transfer import PlanOptions
from wecom_app.wecom.errors import explain
from wecom_app.wecom.transfer import explain_transfer

CHAT_TRANSFER = "/cgi-bin/externalcontact/groupchat/transfer"


@pytest.fixture
async def env(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[TransferEnv]:
    built, _ = await build_env(tmp_path, database, kv, clock)
    try:
        yield built
    finally:
        await close_env(built)


def test_the_group_chat_codes_mean_what_wecom_says() -> None:
    assert "not a customer group chat" in explain(90501)
    assert "already left" in explain(90502)
    assert "in progress" in explain(90507)
    assert "already been handed over" in explain(90508)
    assert "300" not in explain_transfer(90502)


async def test_each_chat_code_ends_or_retries_its_item_as_it_should(env: TransferEnv) -> None:
    org = env.org
    leaver = max(
        org.employees, key=lambda u: sum(1 for c in org.group_chats.values() if c.owner == u)
    )
    chats = sorted(c.chat_id for c in org.group_chats.values() if c.owner == leaver)
    assert len(chats) >= 4
    successor = busiest(org, [u for u in org.employees if u != leaver])
    env.sim.delete_employee(org.corp_id, leaver)
    await env.deliver()
    codes = dict(zip(chats, (90501, 90502, 90507, 90508), strict=False))
    for chat_id, code in codes.items():
        env.sim.faults.fail_item_next(CHAT_TRANSFER, chat_id, code)
    plan, _ = await env.service.plan(
        env.corp, leaver, PlanOptions(strategy="single", successors=(successor,))
    )

    await env.service.submit(plan)
    by_chat = {i.target_id: i for i in await TransferItem.filter(plan_id=plan.id, kind="chat")}
    for chat_id, code in codes.items():
        item = by_chat[chat_id]
        if code == 90507:  # in progress: asked again, today
            assert (item.status, item.not_before) == ("planned", 0)
            assert "already handing" in item.reason
        else:
            assert (item.status, item.errcode) == ("failed", code)
            assert "300" not in item.reason
            assert explain_transfer(code) in item.reason
    others = [c for c in chats if c not in codes]
    assert {by_chat[c].status for c in others} <= {"done"}

    await env.service.run(plan)
    retried = await TransferItem.get(plan_id=plan.id, target_id=chats[2])
    assert retried.status == "done"
    assert org.group_chats[chats[2]].owner == successor
