"""Customers' consent to archiving, and the employees whose chats are archived.

Consent comes from three places, all kept in ``archive_consents`` with the time WeCom
gives for the change (an older report never overwrites a newer one):

* the ``change_external_contact`` / ``msg_audit_approved`` callback (the customer
  agreed in a chat with that employee);
* ``agree`` / ``disagree`` messages in the archive itself (stored by the puller);
* ``msgaudit/check_single_agree`` (per employee–customer pair) and
  ``check_room_agree`` (per customer in a group chat; stored with the roomid in the
  ``userid`` column).

The permit list (``msgaudit/get_permit_user_list``) is mirrored into
``archive_permit_users``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from wecom_app.archive.consent_rows import record_consents
from wecom_app.store.archive import ArchiveConsent, ArchivePermitUser
from wecom_app.store.db import db
from wecom_app.wecom.msgaudit import AgreeInfo, MsgAuditAPI

CONSENT_STATUSES = ("agree", "disagree", "default_agree", "unknown")


@dataclass(frozen=True)
class Consent:
    subject: str  # the customer's external_userid
    userid: str  # employee userid (1:1) or roomid (group chat)
    status: str
    changed_at: int  # epoch seconds

    @property
    def agreed(self) -> bool:
        return self.status in ("agree", "default_agree")


async def record(
    corp_pk: int, items: Iterable[tuple[str, str, str, int]], *, now: datetime | None = None
) -> int:
    """Upsert ``(customer, employee-or-room, status, changed_at)`` facts.

    Runs in the caller's transaction when there is one (an inbox handler's).
    """
    items = [
        (s[:64], u[:64], st if st in CONSENT_STATUSES else "unknown", int(at))
        for s, u, st, at in items
        if s
    ]
    return await record_consents(db(), corp_pk, items, now or datetime.now(UTC))


async def on_approved(corp_pk: int, employee: str, customer: str, at: int) -> int:
    """``msg_audit_approved``: the customer agreed to archiving of chats with ``employee``."""
    return await record(corp_pk, [(customer, employee, "agree", at)])


def _facts(infos: Iterable[AgreeInfo], room: str = "") -> list[tuple[str, str, str, int]]:
    return [
        (info.external_userid, room or info.userid, info.status, info.status_change_time)
        for info in infos
    ]


async def refresh_single(
    corp_pk: int, api: MsgAuditAPI, pairs: Sequence[tuple[str, str]]
) -> list[Consent]:
    """Ask WeCom for the consent of ``(employee, customer)`` pairs and store it."""
    infos = await api.check_single_agree(pairs)
    facts = _facts(infos)
    async with in_transaction():
        await record(corp_pk, facts)
    return [Consent(*fact) for fact in facts]


async def refresh_room(corp_pk: int, api: MsgAuditAPI, roomid: str) -> list[Consent]:
    """Ask WeCom for the consent of the customers in a group chat and store it."""
    facts = _facts(await api.check_room_agree(roomid), room=roomid)
    async with in_transaction():
        await record(corp_pk, facts)
    return [Consent(*fact) for fact in facts]


async def consent_of(corp_pk: int, customer: str) -> list[Consent]:
    """Everything known about one customer's consent, newest change first."""
    rows = await ArchiveConsent.filter(corp_id=corp_pk, subject=customer).order_by(
        "-changed_at", "userid"
    )
    return [Consent(r.subject, r.userid, r.status, r.changed_at) for r in rows]


async def sync_permit_users(corp_pk: int, api: MsgAuditAPI) -> tuple[int, int]:
    """Mirror ``get_permit_user_list``; returns ``(added, removed)``."""
    wanted = set(await api.get_permit_user_list())
    async with in_transaction():
        have = set(await ArchivePermitUser.filter(corp_id=corp_pk).values_list("userid", flat=True))
        added = sorted(u for u in wanted - have if len(u) <= 64)
        removed = sorted(have - wanted)
        if removed:
            await ArchivePermitUser.filter(corp_id=corp_pk, userid__in=removed).delete()
        if added:
            # ignore_conflicts: a sync in another process (the job, the CLI) may have
            # just added the same rows.
            await ArchivePermitUser.bulk_create(
                [ArchivePermitUser(corp_id=corp_pk, userid=u) for u in added],
                ignore_conflicts=True,
            )
    return len(added), len(removed)


async def permit_users(corp_pk: int) -> list[str]:
    rows = await ArchivePermitUser.filter(corp_id=corp_pk).values("userid")
    return sorted(str(r["userid"]) for r in rows)
