"""Helpers for the compliance search tests (no tests here).

``store()`` does what the archive puller does: it inserts messages and calls
``on_messages_stored`` inside the same transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from wecom_app.search.access import Viewer
from wecom_app.search.audit import AuditKey
from wecom_app.search.ingest import on_messages_stored
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.models import Corp

# the audit key of the test settings (SECRET_KEY of tests/conftest.py)
TEST_AUDIT_KEY = AuditKey.derive("test-secret-key-" + "x" * 32)

BASE_MS = 1_709_514_000_000  # 2024-03-04 09:00 CST
_seq = itertools.count(1)


async def make_corp(corp_id: str, name: str = "") -> Corp:
    return await Corp.create(corp_id=corp_id, name=name or corp_id, mode="self_built")


def message(
    corp: Corp,
    text: str,
    *,
    at: int = 0,
    sender: str = "zhangwei",
    customer: str = "wmCUSTOMER000000000000001",
    employee: str = "",
    room: str = "",
    direction: str = "",
    msgtype: str = "text",
    status: str = "ok",
    receivers: Sequence[str] = (),
    msgid: str = "",
    recalled_by: str = "",
) -> ArchiveMessage:
    """An unsaved message ``at`` seconds after BASE_MS, a 1:1 customer chat by default."""
    n = next(_seq)
    if room:
        conversation = room
        direction = direction or "room"
        external = ""
        employee = employee or ""
    else:
        employee = employee or (sender if not sender.startswith("wm") else "zhangwei")
        external = customer
        conversation = "|".join(sorted([employee, customer]))
        direction = direction or ("from_customer" if sender.startswith("wm") else "to_customer")
    return ArchiveMessage(
        corp=corp,
        msgid=msgid or f"msg{n:08d}",
        seq=n,
        status=status,
        action="send",
        msgtype=msgtype,
        sender=sender,
        receivers=list(receivers) or ([customer] if not room else []),
        roomid=room,
        conversation=conversation,
        external_userid=external,
        employee_userid=employee,
        direction=direction,
        msgtime=BASE_MS + at * 1000,
        text=text,
        tokens="",
        body={},
        recalled_by=recalled_by,
    )


async def store(corp: Corp, messages: Sequence[ArchiveMessage]) -> list[ArchiveMessage]:
    """Insert and index in one transaction, as the archive puller does."""
    async with in_transaction():
        for m in messages:
            await m.save()
        await on_messages_stored(corp.id, list(messages))
    return list(messages)


def compliance_viewer(corp: Corp, userid: str = "auditor", **scope: Any) -> Viewer:
    return Viewer(
        corp.id,
        corp.corp_id,
        userid,
        frozenset({"compliance"}),
        frozenset(scope.get("departments", ())),
        frozenset(scope.get("userids", ())),
    )


def plain_viewer(corp: Corp, userid: str = "sales01", roles: Sequence[str] = ()) -> Viewer:
    return Viewer(corp.id, corp.corp_id, userid, frozenset(roles))
