"""Keyword alerts: rules checked on every ingested message, hits kept as alerts.

A rule is either ``words`` (one search query per line, in the query language of
:mod:`wecom_app.search.query`; the message fires when a search for any line would find
it) or ``regex`` (one pattern, accepted only when it cannot backtrack without bound:
:mod:`wecom_app.search.safe_regex`). A rule applies to messages of employees in its
departments (and their sub-departments), or to everyone.

Rules are evaluated inside the ingestion transaction (:func:`evaluate_alerts`), so an
alert exists exactly when its message does. Every rule is timed; a rule that takes
longer than :data:`RULE_BUDGET_S` on one message is switched off with the reason
recorded, instead of slowing every batch after it. WeCom notifications are written to
an outbox here and sent by :func:`send_pending_notifications` (a scheduled job), with
retries and backoff: a failing WeCom never fails ingestion.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.search.matcher import query_matches
from wecom_app.search.query import MatchQuery, QueryError, parse_query
from wecom_app.search.safe_regex import UnsafePattern, compile_safe, search_safe
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import db
from wecom_app.store.directory import ConsoleRole, Department
from wecom_app.store.models import Corp, Employee
from wecom_app.store.search import Alert, AlertNotification, AlertRule

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

RULE_BUDGET_S: Final = 0.25
MAX_WORD_LINES: Final = 200
MAX_ATTEMPTS: Final = 8
BACKOFF_S: Final = (30, 60, 300, 900, 1800, 3600, 3600, 3600)

RuleKind = Literal["words", "regex"]


class RuleError(ValueError):
    """A rule we cannot accept; ``str()`` says why."""


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    kind: RuleKind
    departments: frozenset[str]
    notify: tuple[str, ...]
    queries: tuple[tuple[str, MatchQuery], ...] = ()
    regex: re.Pattern[str] | None = None


def compile_pattern(
    kind: str, pattern: str
) -> tuple[tuple[str, MatchQuery], ...] | re.Pattern[str]:
    """Check and compile a rule's pattern; raises :class:`RuleError`."""
    if kind == "regex":
        try:
            return compile_safe(pattern.strip())
        except UnsafePattern as exc:
            raise RuleError(str(exc)) from None
    if kind != "words":
        raise RuleError("a rule is words or regex")
    lines = [line.strip() for line in pattern.splitlines() if line.strip()]
    if not lines:
        raise RuleError("give at least one word")
    if len(lines) > MAX_WORD_LINES:
        raise RuleError(f"at most {MAX_WORD_LINES} lines of words")
    queries: list[tuple[str, MatchQuery]] = []
    for line in lines:
        try:
            queries.append((line, parse_query(line)))
        except QueryError as exc:
            raise RuleError(f"{line[:40]}: {exc}") from None
    return tuple(queries)


_cache: dict[tuple[str, str], tuple[tuple[str, MatchQuery], ...] | re.Pattern[str]] = {}


def compiled(rule: AlertRule) -> CompiledRule:
    """The rule as evaluated now. Only the compiled pattern is cached (by its text):
    name, scope and recipients always come from the row, so an edited rule is never
    evaluated with yesterday's recipients."""
    key = (rule.kind, rule.pattern)
    pattern = _cache.get(key)
    if pattern is None:
        pattern = compile_pattern(rule.kind, rule.pattern)
        if len(_cache) > 4096:
            _cache.clear()
        _cache[key] = pattern
    kind: RuleKind = "regex" if rule.kind == "regex" else "words"
    return CompiledRule(
        id=rule.id,
        name=rule.name,
        kind=kind,
        departments=frozenset(str(d) for d in rule.departments or []),
        notify=tuple(str(u) for u in rule.notify or []),
        queries=pattern if isinstance(pattern, tuple) else (),
        regex=pattern if isinstance(pattern, re.Pattern) else None,
    )


def match_text(rule: CompiledRule, text: str, terms: Sequence[str]) -> str | None:
    """What fired ``rule`` in ``text`` (for the alert), or None."""
    if rule.regex is not None:
        found = search_safe(rule.regex, text)
        return found.group(0)[:255] if found is not None else None
    for line, query in rule.queries:
        if query_matches(query, terms):
            return line[:255]
    return None


async def create_rule(
    corp_pk: int,
    *,
    name: str,
    kind: str,
    pattern: str,
    departments: Sequence[str] = (),
    notify: Sequence[str] = (),
    created_by: str = "",
) -> AlertRule:
    name = name.strip()
    if not name or len(name) > 100:
        raise RuleError("a rule needs a name (at most 100 characters)")
    compile_pattern(kind, pattern)
    return await AlertRule.create(
        corp_id=corp_pk,
        name=name,
        kind=kind,
        pattern=pattern.strip(),
        departments=[str(d).strip() for d in departments if str(d).strip()],
        notify=[str(u).strip() for u in notify if str(u).strip()],
        created_by=created_by,
    )


async def department_closure(
    corp_pk: int, roots: frozenset[str], conn: BaseDBAsyncClient | None = None
) -> set[str]:
    """``roots`` and every department below them."""
    if not roots:
        return set()
    rows = (
        await Department.filter(corp_id=corp_pk)
        .using_db(conn or db())
        .values_list("dept_id", "parent_id")
    )
    children: dict[str, list[str]] = {}
    for dept_id, parent_id in rows:
        children.setdefault(str(parent_id), []).append(str(dept_id))
    found = set(roots)
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def employee_departments(
    corp_pk: int, userids: Sequence[str], conn: BaseDBAsyncClient | None = None
) -> dict[str, set[str]]:
    if not userids:
        return {}
    rows = (
        await Employee.filter(corp_id=corp_pk, userid__in=list(userids))
        .using_db(conn or db())
        .values_list("userid", "departments")
    )
    return {str(u): {str(d) for d in (deps or [])} for u, deps in rows}


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


# -- notifications -----------------------------------------------------------------------


async def compliance_holders(corp_pk: int, userids: Sequence[str]) -> set[str]:
    """Which of ``userids`` hold the compliance role now (and have not left)."""
    from wecom_app.search.access import COMPLIANCE

    wanted = sorted({u for u in userids if u})
    if not wanted:
        return set()
    holders = set(
        await ConsoleRole.filter(corp_id=corp_pk, role=COMPLIANCE, userid__in=wanted).values_list(
            "userid", flat=True
        )
    )
    resigned = set(
        await Employee.filter(
            corp_id=corp_pk, userid__in=sorted(holders), status="resigned"
        ).values_list("userid", flat=True)
    )
    return {str(u) for u in holders - resigned}


async def check_recipients(corp_pk: int, userids: Sequence[str]) -> None:
    """A rule notifies compliance staff only: raises :class:`RuleError` for anyone else."""
    holders = await compliance_holders(corp_pk, userids)
    others = [u for u in dict.fromkeys(userids) if u and u not in holders]
    if others:
        raise RuleError(
            "only members with the compliance role can be notified; not: " + ", ".join(others)
        )


async def recipients(
    corp: Corp, message: ArchiveMessage, userids: Sequence[str]
) -> tuple[list[str], list[str]]:
    """``(allowed, refused)``: a notification carries the message's words, so it goes
    only to members who hold the compliance role *now* and whose scope covers the
    message (the role may have been revoked or narrowed since the rule was made)."""
    from wecom_app.search.access import COMPLIANCE, viewer_for, visible_employees
    from wecom_app.text.message_terms import employees_of

    holders = await compliance_holders(corp.id, userids)
    people = set(employees_of(message))
    allowed: list[str] = []
    refused: list[str] = []
    for userid in dict.fromkeys(userids):
        ok = userid in holders
        if ok:
            visible = await visible_employees(
                await viewer_for(corp, userid, frozenset({COMPLIANCE}))
            )
            ok = visible is None or bool(people & visible)
        (allowed if ok else refused).append(userid)
    return allowed, refused


def notification_text(rule_name: str, message: ArchiveMessage, matched: str) -> str:
    when = datetime.fromtimestamp(message.msgtime / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"规则「{rule_name}」命中：{matched}\n{message.sender} · {when}"


async def send_pending_notifications(
    services: Services, *, now: float | None = None, limit: int = 50
) -> dict[str, int]:
    """Send due notifications through WeCom ``message/send``; failures are recorded and
    retried with backoff, up to :data:`MAX_ATTEMPTS` times. Returns counts."""
    from wecom_app.wecom.message import MessageAPI

    now = services.clock() if now is None else now
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = (
        await AlertNotification.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .limit(limit)
    )
    for note in due:
        try:
            alert = await Alert.get(id=note.alert_id).prefetch_related("rule", "message")
            corp = await Corp.get(id=note.corp_id)
            allowed, refused = await recipients(corp, alert.message, list(note.userids))
            if not allowed:
                note.status = "failed"
                note.last_error = "not compliance staff for this message: " + ", ".join(refused)
                await note.save(update_fields=["status", "last_error"])
                counts["failed"] += 1
                continue
            if not corp.agent_id:
                raise RuntimeError("the tenant has no agent id to send app messages with")
            tokens = await services.wecom.corp_tokens(corp.corp_id)
            api = MessageAPI(services.wecom.client, tokens, corp.agent_id)
            url = f"{services.settings.public_url.rstrip('/')}/console/compliance/alerts"
            result = await api.send_textcard(
                allowed,
                title=f"合规提醒：{alert.rule.name}"[:128],
                description=notification_text(alert.rule.name, alert.message, alert.matched),
                url=url,
            )
        except Exception as exc:
            note.attempts += 1
            note.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            if note.attempts >= MAX_ATTEMPTS:
                note.status = "failed"
                counts["failed"] += 1
            else:
                note.next_attempt_at = now + BACKOFF_S[min(note.attempts, len(BACKOFF_S)) - 1]
                counts["retry"] += 1
            await note.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            continue
        note.status = "sent"
        note.sent_at = now
        note.attempts += 1
        problems = []
        if refused:
            problems.append("not compliance staff for this message: " + ", ".join(refused))
        if result.invalid_users:
            problems.append("not delivered to: " + ", ".join(result.invalid_users))
        note.last_error = "; ".join(problems)
        await note.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        counts["sent"] += 1
    return counts


__all__ = [
    "CompiledRule",
    "RuleError",
    "acknowledge",
    "check_recipients",
    "compile_pattern",
    "create_rule",
    "evaluate_alerts",
    "match_text",
    "send_pending_notifications",
]
