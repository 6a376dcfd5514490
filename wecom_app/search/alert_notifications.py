"""Alert notifications: the outbox written at evaluation, sent by a scheduled job.

A notification carries the message's words, so it goes only to members who hold the
compliance role *now* and whose scope covers the message. WeCom ``message/send``
failures are recorded and retried with backoff (:data:`BACKOFF_S`), up to
:data:`MAX_ATTEMPTS` times: a failing WeCom never fails ingestion. Each notification is
claimed (:func:`claim`) before it is sent, so two senders never send it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from wecom_app.search.access import COMPLIANCE, viewer_for, visible_employees
from wecom_app.search.alert_rules import RuleError
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee
from wecom_app.store.search import Alert, AlertNotification
from wecom_app.text.message_terms import employees_of

if TYPE_CHECKING:
    from wecom_app.services import Services

MAX_ATTEMPTS: Final = 8
# A claimed notification is this process's to send for this long; if the process dies
# mid-send, it is due again afterwards (at least once, never twice while it lives).
CLAIM_S: Final = 300.0
BACKOFF_S: Final = (30, 60, 300, 900, 1800, 3600, 3600, 3600)


async def compliance_holders(corp_pk: int, userids: Sequence[str]) -> set[str]:
    """Which of ``userids`` hold the compliance role now (and have not left)."""
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


async def claim(note: AlertNotification, now: float) -> bool:
    """Make ``note`` ours before sending it: a conditional update that moves it out of
    the due set, which exactly one of several concurrent senders wins."""
    claimed = await AlertNotification.filter(
        id=note.id, status="pending", next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_S)
    return claimed == 1


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
        if not await claim(note, now):
            continue  # another process (a slow run of this job) is sending it
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
