"""Keyword alerts: evaluated at ingestion, scoped, safe regexes, notifications outbox."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import httpx
import pytest

from tests.conftest import TEST_CORP_ID, FakeClock, make_settings
from tests.support.search import TEST_AUDIT_KEY, compliance_viewer, make_corp, message, store
from wecom_app.kv import MemoryKV
from wecom_app.search import alert_notifications, alerts
from wecom_app.search.access import AccessDenied
from wecom_app.search.alert_notifications import send_pending_notifications
from wecom_app.search.alert_rules import RuleError, create_rule
from wecom_app.search.safe_regex import (
    OVERLAP,
    WINDOW,
    UnsafePattern,
    compile_safe,
    search_safe,
)
from wecom_app.search.service import Compliance
from wecom_app.services import Services
from wecom_app.store.directory import ConsoleRole, Department
from wecom_app.store.models import Corp, Employee
from wecom_app.store.search import Alert, AlertNotification, AlertRule, AuditEntry

pytestmark = pytest.mark.usefixtures("database")


async def test_a_words_rule_fires_in_the_ingestion_transaction() -> None:
    corp = await make_corp("wwalerts00000001")
    rule = await create_rule(corp.id, name="返现", kind="words", pattern="返现\n私下转账")
    hit1, miss, hit2 = await store(
        corp,
        [
            message(corp, "返现金额是多少"),  # jieba cut 返现 apart: the rule fires anyway
            message(corp, "今天天气很好"),
            message(corp, "我们私下 转账吧"),  # "私下转账" as a line is jieba's 私下 AND 转账
        ],
    )
    got = await Alert.filter(corp_id=corp.id).order_by("id")
    assert [(a.rule_id, a.message_id, a.matched) for a in got] == [
        (rule.id, hit1.id, "返现"),
        (rule.id, hit2.id, "私下转账"),
    ]
    assert miss.id not in {a.message_id for a in got}
    # the puller retries the batch: no second alert
    await store(corp, [])
    from wecom_app.search.alerts import evaluate_alerts

    assert await evaluate_alerts(corp.id, [hit1, hit2]) == []
    assert await Alert.filter(corp_id=corp.id).count() == 2


async def test_a_regex_rule_finds_phone_numbers() -> None:
    corp = await make_corp("wwalerts00000002")
    await create_rule(corp.id, name="phone", kind="regex", pattern=r"1[3-9]\d{9}")
    hit, _ = await store(corp, [message(corp, "加我 13812345678"), message(corp, "订单号 123")])
    (alert,) = await Alert.filter(corp_id=corp.id)
    assert (alert.message_id, alert.matched) == (hit.id, "13812345678")


async def test_rules_scoped_to_departments_include_sub_departments() -> None:
    corp = await make_corp("wwalerts00000003")
    await Department.create(corp=corp, dept_id=10, name="销售部", parent_id=1)
    await Department.create(corp=corp, dept_id=11, name="华东组", parent_id=10)
    await Department.create(corp=corp, dept_id=20, name="客服部", parent_id=1)
    await Employee.create(corp=corp, userid="east1", departments=[11])
    await Employee.create(corp=corp, userid="service1", departments=[20])
    await create_rule(corp.id, name="sales only", kind="words", pattern="回扣", departments=["10"])
    east, service = await store(
        corp,
        [message(corp, "给你回扣", sender="east1"), message(corp, "给你回扣", sender="service1")],
    )
    assert [a.message_id for a in await Alert.filter(corp_id=corp.id)] == [east.id]
    assert service.id


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(a|aa)*b",
        r"(.*a){12}",
        r"(\w+\s?)*$",
        r".*.*.*x",
        r"(x+x+)+y",
        r"(a)\1",
        r"(?=a)a",
        r"(?<!a)b",
        r"a{1000}",
        "a" * 201,
        r"(",
        r"x*",
    ],
)
def test_patterns_that_could_backtrack_without_bound_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        compile_safe(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"1[3-9]\d{9}", r"微信.{0,10}转账", r"回扣|返现|好处费", r"\d{3,4}-\d{7,8}", r"私下.*转账"],
)
def test_useful_patterns_pass_and_stay_bounded_on_hostile_text(pattern: str) -> None:
    """The work is bounded by construction: compile_safe admits the pattern (its shape
    keeps the ways to match under MAX_CHOICES) and the engine only ever sees windows of
    at most WINDOW characters, about one per WINDOW - OVERLAP of text."""
    compiled = compile_safe(pattern)
    hostile = [
        "a" * 20_000,
        "微信" * 5_000,
        "1" * 20_000,
        "私下" * 10_000,
        ("私下" + "x" * 50) * 300,
    ]

    class Recording:
        def __init__(self) -> None:
            self.seen: list[int] = []

        def search(self, window: str) -> re.Match[str] | None:
            self.seen.append(len(window))
            return compiled.search(window)

    for text in hostile:
        recording = Recording()
        search_safe(cast("re.Pattern[str]", recording), text)
        seen = recording.seen
        assert max(seen) <= WINDOW, (pattern, text[:10])
        assert len(seen) <= len(text) // (WINDOW - OVERLAP) + 1, (pattern, text[:10])


async def test_rule_creation_refuses_unsafe_and_empty_patterns() -> None:
    corp = await make_corp("wwalerts00000004")
    with pytest.raises(RuleError):
        await create_rule(corp.id, name="bad", kind="regex", pattern=r"(a+)+$")
    with pytest.raises(RuleError):
        await create_rule(corp.id, name="empty", kind="words", pattern="  \n ")
    with pytest.raises(RuleError):
        await create_rule(corp.id, name="only punctuation", kind="words", pattern="***")
    assert await AlertRule.filter(corp_id=corp.id).count() == 0


async def test_a_rule_that_is_too_slow_is_switched_off_not_ingestion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corp = await make_corp("wwalerts00000005")
    rule = await create_rule(corp.id, name="slow", kind="regex", pattern=r"返现")
    monkeypatch.setattr(alerts, "RULE_BUDGET_S", -1.0)  # every evaluation is "too slow"
    (stored,) = await store(corp, [message(corp, "返现")])
    assert stored.id
    rule = await AlertRule.get(id=rule.id)
    assert not rule.enabled
    assert "took over" in rule.disabled_reason
    assert await Alert.filter(corp_id=corp.id).count() == 0


@pytest.fixture
async def wecom_services(
    tmp_path: Path, database: str
) -> AsyncIterator[tuple[Services, list[dict[str, object]]]]:
    """Services whose WeCom is a MockTransport: records message/send calls and fails
    them while ``state["fail"]`` is set."""
    sent: list[dict[str, object]] = []
    state = {"fail": True}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/gettoken":
            return httpx.Response(
                200, json={"errcode": 0, "access_token": "tok", "expires_in": 7200}
            )
        if request.url.path == "/cgi-bin/message/send":
            if state["fail"]:
                # refused (not "busy", which the client would retry with real sleeps)
                return httpx.Response(200, json={"errcode": 48002, "errmsg": "api forbidden"})
            sent.append(json.loads(request.content))
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "invaliduser": "ghost"})
        return httpx.Response(404)

    settings = make_settings(tmp_path, database)
    services = Services(
        settings,
        clock=FakeClock(),
        kv=MemoryKV(),
        run_worker=False,
        manage_db=False,
        transport=httpx.MockTransport(handler),
    )
    async with services:
        services.test_state = state  # type: ignore[attr-defined]
        yield services, sent


async def test_notifications_are_sent_later_and_retried_without_failing_ingestion(
    wecom_services: tuple[Services, list[dict[str, object]]],
) -> None:
    services, sent = wecom_services
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await grant_compliance(corp, "boss", "ghost")
    await create_rule(
        corp.id, name="返现提醒", kind="words", pattern="返现", notify=["boss", "ghost"]
    )
    (stored,) = await store(corp, [message(corp, "有返现吗")])  # WeCom is down: still stored
    (note,) = await AlertNotification.filter(corp_id=corp.id)
    assert note.status == "pending"

    now = time.time()
    counts = await send_pending_notifications(services, now=now)
    assert counts["retry"] == 1
    note = await AlertNotification.get(id=note.id)
    assert (note.status, note.attempts) == ("pending", 1)
    assert note.last_error
    assert note.next_attempt_at > now
    # not due yet: nothing is sent
    assert (await send_pending_notifications(services, now=now + 1))["retry"] == 0

    services.test_state["fail"] = False  # type: ignore[attr-defined]
    counts = await send_pending_notifications(services, now=note.next_attempt_at + 1)
    assert counts["sent"] == 1
    assert len(sent) == 1
    assert sent[0]["touser"] == "boss|ghost"
    assert sent[0]["msgtype"] == "textcard"
    note = await AlertNotification.get(id=note.id)
    assert note.status == "sent"
    assert "ghost" in note.last_error
    assert stored.id


async def grant_compliance(
    corp: Corp, *userids: str, scope: dict[str, list[str]] | None = None
) -> None:
    for userid in userids:
        await ConsoleRole.create(
            corp=corp, userid=userid, role="compliance", scope=scope or {}, granted_by="admin"
        )


async def test_notifications_go_only_to_compliance_staff_who_may_see_the_message(
    wecom_services: tuple[Services, list[dict[str, object]]],
) -> None:
    """A notification carries the message's words: never to someone without the role
    (revoked since the rule was made, or never granted) or outside their scope."""
    services, sent = wecom_services
    services.test_state["fail"] = False  # type: ignore[attr-defined]
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await Department.create(corp=corp, dept_id=2, name="销售部", parent_id=1)
    await Department.create(corp=corp, dept_id=3, name="客服部", parent_id=1)
    await Employee.create(corp=corp, userid="zhangwei", name="张伟", departments=["2"])
    await Employee.create(corp=corp, userid="lisi", name="李四", departments=["3"])
    await Employee.create(corp=corp, userid="left", name="离职", status="resigned")
    await grant_compliance(corp, "boss", "left")
    await grant_compliance(corp, "sales_auditor", scope={"departments": ["2"]})
    await grant_compliance(corp, "service_auditor", scope={"departments": ["3"]})

    viewer = compliance_viewer(corp)
    with pytest.raises(RuleError, match=r"compliance role.*intern"):
        await Compliance(audit_key=TEST_AUDIT_KEY).add_rule(
            viewer, name="r", kind="words", pattern="返现", notify=["boss", "intern"]
        )
    with pytest.raises(RuleError, match="left"):
        await Compliance(audit_key=TEST_AUDIT_KEY).add_rule(
            viewer, name="r", kind="words", pattern="返现", notify=["left"]
        )
    await grant_compliance(corp, "revoked")
    await Compliance(audit_key=TEST_AUDIT_KEY).add_rule(
        viewer,
        name="返现",
        kind="words",
        pattern="返现",
        notify=["boss", "sales_auditor", "service_auditor", "revoked"],
    )
    await ConsoleRole.filter(corp_id=corp.id, userid="revoked").delete()  # role taken away

    await store(corp, [message(corp, "有返现吗", sender="zhangwei")])
    counts = await send_pending_notifications(services, now=time.time())
    assert counts["sent"] == 1
    assert sent[-1]["touser"] == "boss|sales_auditor"
    (note,) = await AlertNotification.filter(corp_id=corp.id)
    assert "service_auditor" in note.last_error
    assert "revoked" in note.last_error

    # Nobody left who may read it: nothing is sent, the notification fails with the reason.
    await ConsoleRole.filter(corp_id=corp.id, userid__in=["boss", "sales_auditor"]).delete()
    await store(corp, [message(corp, "返现多少", sender="zhangwei")])
    before = len(sent)
    counts = await send_pending_notifications(services, now=time.time())
    assert counts == {"sent": 0, "retry": 0, "failed": 1}
    assert len(sent) == before
    failed = await AlertNotification.get(corp_id=corp.id, status="failed")
    assert "not compliance staff" in failed.last_error


async def test_an_edited_rule_is_evaluated_as_it_now_reads() -> None:
    corp = await make_corp("wwalerts00000009")
    rule = await create_rule(corp.id, name="旧名", kind="words", pattern="返现", notify=["a"])
    await store(corp, [message(corp, "返现一")])
    rule.name, rule.notify = "新名", ["b", "c"]
    await rule.save()
    await store(corp, [message(corp, "返现二")])
    notes = await AlertNotification.filter(corp_id=corp.id).order_by("id")
    assert [n.userids for n in notes] == [["a"], ["b", "c"]]


async def test_notifications_give_up_after_the_last_attempt(
    wecom_services: tuple[Services, list[dict[str, object]]],
) -> None:
    services, _ = wecom_services
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await grant_compliance(corp, "boss")
    await create_rule(corp.id, name="r", kind="words", pattern="回扣", notify=["boss"])
    await store(corp, [message(corp, "回扣")])
    now = time.time()
    for _ in range(alert_notifications.MAX_ATTEMPTS):
        await send_pending_notifications(services, now=now)
        now += 10_000
    (note,) = await AlertNotification.filter(corp_id=corp.id)
    assert (note.status, note.attempts) == ("failed", alert_notifications.MAX_ATTEMPTS)


async def test_acknowledging_an_alert_is_audited_and_scoped_to_the_tenant() -> None:
    corp = await make_corp("wwalerts00000006")
    other = await make_corp("wwalerts00000007")
    await create_rule(corp.id, name="r", kind="words", pattern="返现")
    await store(corp, [message(corp, "返现")])
    (alert,) = await Alert.filter(corp_id=corp.id)
    service = Compliance(audit_key=TEST_AUDIT_KEY)
    assert not await service.acknowledge(compliance_viewer(other), alert.id)
    listed = await service.alerts(compliance_viewer(corp))
    assert [a["id"] for a in listed] == [alert.id]
    assert "<mark>返现</mark>" in listed[0]["message"]["html"]
    assert await service.acknowledge(compliance_viewer(corp, "auditor9"), alert.id)
    alert = await Alert.get(id=alert.id)
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", "auditor9")
    assert await service.alerts(compliance_viewer(corp)) == []
    actions = [e.action for e in await AuditEntry.filter(corp_id=corp.id)]
    assert "alert_ack" in actions


async def test_a_scoped_compliance_user_acknowledges_only_alerts_they_can_see() -> None:
    corp = await make_corp("wwalerts00000008")
    await Department.create(corp=corp, dept_id=10, name="销售部", parent_id=1)
    await Employee.create(corp=corp, userid="lisi", departments=[10])
    await Employee.create(corp=corp, userid="zhangwei", departments=[20])
    await create_rule(corp.id, name="r", kind="words", pattern="返现")
    mine, theirs = await store(
        corp,
        [message(corp, "返现 李四", sender="lisi"), message(corp, "返现 张伟", sender="zhangwei")],
    )
    by_message = {a.message_id: a.id for a in await Alert.filter(corp_id=corp.id)}
    scoped = compliance_viewer(corp, "sales_auditor", departments=("10",))
    service = Compliance(audit_key=TEST_AUDIT_KEY)
    assert [a["id"] for a in await service.alerts(scoped)] == [by_message[mine.id]]
    with pytest.raises(AccessDenied):
        await service.acknowledge(scoped, by_message[theirs.id])
    assert (await Alert.get(id=by_message[theirs.id])).status == "open"
    denied = await AuditEntry.get(corp_id=corp.id, action="denied")
    assert json.loads(denied.detail)["reason"] == "out_of_scope"
    assert await service.acknowledge(scoped, by_message[mine.id])
    assert (await Alert.get(id=by_message[mine.id])).status == "acknowledged"
