"""Keyword alerts: rules checked on every ingested message, hits kept as alerts.

The rules themselves (words or a safe regex, compiled once) are
:mod:`wecom_app.search.alert_rules`. A rule applies to messages of employees in its
departments (and their sub-departments), or to everyone.

Rules are evaluated inside the ingestion transaction (:func:`evaluate_alerts`), so an
alert exists exactly when its message does. Every rule is timed; a rule that takes
longer than :data:`RULE_BUDGET_S` on one message is switched off with the reason
recorded, instead of slowing every batch after it. WeCom notifications are written to
an outbox here and sent by
:func:`~wecom_app.search.alert_notifications.send_pending_notifications` (a scheduled
job), with retries and backoff: a failing WeCom never fails ingestion.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.alert_rules import CompiledRule, RuleError, compiled, match_text
from wecom_app.search.departments import department_closure, employee_departments
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import db
from wecom_app.store.search import Alert, AlertNotification, AlertRule

log = logging.getLogger(__name__)

RULE_BUDGET_S: Final = 0.25


async def evaluate_alerts(
    corp_pk: int,
    messages: Sequence[ArchiveMessage],
    conn: BaseDBAsyncClient | None = None,
) -> list[Alert]:
    """Check the tenant's enabled rules on ``messages``; returns the new alerts."""
    from wecom_app.store.archive import fill_message_ids as _fill_ids
    from wecom_app.text.message_terms import employees_of, text_terms

    conn = conn or db()
    rules = await AlertRule.filter(corp_id=corp_pk, enabled=True).using_db(conn)
    texts = [m for m in messages if m.status == "ok" and m.text and m.text.strip()]
    if not rules or not texts:
        return []
    await _fill_ids(conn, corp_pk, texts)
    terms = {id(m): text_terms(m) for m in texts}
    scoped = [r for r in rules if r.departments]
    dept_of: dict[str, set[str]] = {}
    if scoped:
        people = sorted({e for m in texts for e in employees_of(m)})
        dept_of = await employee_departments(corp_pk, people, conn)
    created: list[Alert] = []
    for rule in rules:
        try:
            rule_c = compiled(rule)
        except RuleError as exc:
            await _disable(rule, f"pattern no longer valid: {exc}", conn)
            continue
        allowed: set[str] | None = None
        if rule_c.departments:
            allowed = await department_closure(corp_pk, rule_c.departments, conn)
        for message in texts:
            if allowed is not None and not any(
                dept_of.get(e, set()) & allowed for e in employees_of(message)
            ):
                continue
            started = time.perf_counter()
            matched = match_text(rule_c, message.text, terms[id(message)])
            if time.perf_counter() - started > RULE_BUDGET_S:
                await _disable(
                    rule,
                    f"took over {RULE_BUDGET_S:.2f}s on message {message.msgid}; "
                    "make the pattern more specific",
                    conn,
                )
                break
            if matched is None:
                continue
            alert = await _record(corp_pk, rule_c, message, matched, conn)
            if alert is not None:
                created.append(alert)
    return created


async def _disable(rule: AlertRule, reason: str, conn: BaseDBAsyncClient) -> None:
    log.warning("alert rule %s switched off: %s", rule.id, reason)
    await (
        AlertRule.filter(id=rule.id)
        .using_db(conn)
        .update(enabled=False, disabled_reason=reason[:500])
    )


async def _record(
    corp_pk: int,
    rule: CompiledRule,
    message: ArchiveMessage,
    matched: str,
    conn: BaseDBAsyncClient,
) -> Alert | None:
    exists = await Alert.filter(rule_id=rule.id, message_id=message.id).using_db(conn).exists()
    if exists:
        return None
    alert = await Alert.create(
        corp_id=corp_pk, rule_id=rule.id, message_id=message.id, matched=matched, using_db=conn
    )
    if rule.notify:
        await AlertNotification.create(
            corp_id=corp_pk,
            alert_id=alert.id,
            userids=list(rule.notify),
            next_attempt_at=time.time(),
            using_db=conn,
        )
    return alert


async def acknowledge(corp_pk: int, alert_id: int, userid: str) -> bool:
    """Mark an open alert of this tenant acknowledged; False if there is none."""
    updated = await Alert.filter(id=alert_id, corp_id=corp_pk, status="open").update(
        status="acknowledged", acknowledged_by=userid, acknowledged_at=datetime.now(UTC)
    )
    return bool(updated)
