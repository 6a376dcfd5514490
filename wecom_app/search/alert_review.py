"""Alerts and rules as compliance staff see and change them: role-checked, scoped, audited.

Listing shows message text, so every listing is an audit entry (which messages, of which
conversations). Listing shows only alerts on messages in the viewer's scope, with what
the rule matched highlighted; a scoped viewer may acknowledge only those. Rules are checked
(:mod:`wecom_app.search.alert_rules`) and notify compliance staff only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from wecom_app.search.access import Viewer, visible_employees
from wecom_app.search.alert_notifications import check_recipients
from wecom_app.search.alert_rules import compile_pattern, create_rule
from wecom_app.search.alerts import acknowledge as acknowledge_alert
from wecom_app.search.guard import Guard
from wecom_app.search.highlight import mark, spans
from wecom_app.search.messages import load_messages
from wecom_app.search.query import QueryError, parse_query
from wecom_app.store.search import Alert, AlertRule
from wecom_app.text.message_terms import employees_of


async def alerts(
    guard: Guard,
    viewer: Viewer,
    *,
    status: str = "open",
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    await guard.require(viewer, "alerts", {"status": status})
    query = Alert.filter(corp_id=viewer.corp_pk)
    if status in ("open", "acknowledged"):
        query = query.filter(status=status)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(max(1, min(limit, 200))).prefetch_related("rule")
    messages = await load_messages(viewer.corp_pk, [a.message_id for a in rows])
    allowed = await visible_employees(viewer)
    out: list[dict[str, Any]] = []
    for alert in rows:
        view = messages.get(alert.message_id)
        if view is None:
            continue
        if allowed is not None and not set(employees_of(view)) & allowed:
            continue
        html = _highlight_matched(view.text, alert.matched) or mark(view.text, [])
        out.append(
            {
                "id": alert.id,
                "rule": alert.rule.name,
                "rule_id": alert.rule_id,
                "matched": alert.matched,
                "status": alert.status,
                "acknowledged_by": alert.acknowledged_by,
                "created_at": alert.created_at.isoformat() if alert.created_at else "",
                "message": {**view.as_json(), "html": str(html)},
            }
        )
    await guard.audit(
        viewer,
        "alerts",
        {
            "status": status,
            "before_id": before_id,
            "shown": len(out),
            "message_ids": [a["message"]["id"] for a in out],
            "conversations": sorted({str(a["message"]["conversation"]) for a in out}),
        },
    )
    return out


async def acknowledge(guard: Guard, viewer: Viewer, alert_id: int) -> bool:
    await guard.require(viewer, "alert_ack", {"alert_id": alert_id})
    if viewer.scoped:  # only alerts on messages the viewer may see (as listed)
        alert = await Alert.filter(id=alert_id, corp_id=viewer.corp_pk).first()
        if alert is None:
            return False
        view = (await load_messages(viewer.corp_pk, [alert.message_id])).get(alert.message_id)
        if view is None or not await guard.visible(viewer, view):
            raise await guard.deny(
                viewer, "alert_ack", {"alert_id": alert_id, "reason": "out_of_scope"}
            )
    done = await acknowledge_alert(viewer.corp_pk, alert_id, viewer.actor)
    if done:
        await guard.audit(viewer, "alert_ack", {"alert_id": alert_id})
    return done


async def rules(guard: Guard, viewer: Viewer) -> list[AlertRule]:
    await guard.require(viewer, "rules", {})
    return await AlertRule.filter(corp_id=viewer.corp_pk).order_by("-enabled", "name")


async def add_rule(
    guard: Guard,
    viewer: Viewer,
    *,
    name: str,
    kind: str,
    pattern: str,
    departments: Sequence[str] = (),
    notify: Sequence[str] = (),
) -> AlertRule:
    """Raises :class:`~wecom_app.search.alert_rules.RuleError` for a pattern we refuse."""
    await guard.require(viewer, "rule_add", {"name": name})
    await check_recipients(viewer.corp_pk, notify)
    rule = await create_rule(
        viewer.corp_pk,
        name=name,
        kind=kind,
        pattern=pattern,
        departments=departments,
        notify=notify,
        created_by=viewer.actor,
    )
    await guard.audit(
        viewer,
        "rule_add",
        {"rule_id": rule.id, "name": rule.name, "kind": rule.kind, "pattern": rule.pattern},
    )
    return rule


async def set_rule_enabled(guard: Guard, viewer: Viewer, rule_id: int, enabled: bool) -> bool:
    await guard.require(viewer, "rule_toggle", {"rule_id": rule_id})
    rule = await AlertRule.filter(id=rule_id, corp_id=viewer.corp_pk).first()
    if rule is None:
        return False
    if enabled:
        compile_pattern(rule.kind, rule.pattern)  # a rule switched off as unsafe stays off
    rule.enabled = enabled
    rule.disabled_reason = "" if enabled else rule.disabled_reason
    await rule.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    await guard.audit(viewer, "rule_toggle", {"rule_id": rule_id, "enabled": enabled})
    return True


def _highlight_matched(text: str, matched: str) -> Markup | None:
    """Mark what an alert rule matched (a regex match or a words line) in the text."""
    if not matched:
        return None
    at = text.find(matched)
    if at >= 0:
        return mark(text, [(at, at + len(matched))])
    try:
        query = parse_query(matched)
    except QueryError:
        return None
    return mark(text, spans(text, query.phrases()))
