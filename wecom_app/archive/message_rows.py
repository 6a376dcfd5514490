"""``archive_messages`` rows of decoder outcomes: insert rows, update sets, model objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.archive.bulk_sql import fast_instance
from wecom_app.archive.outcomes import Decoded, Undecoded, dumps
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import dialect
from wecom_app.store.sql import marker

# (column, PostgreSQL type) in insert order; jsonb travels as text and is cast.
MESSAGE_COLUMNS: Final = (
    ("corp_id", "int"),
    ("msgid", "text"),
    ("seq", "bigint"),
    ("publickey_ver", "int"),
    ("status", "text"),
    ("action", "text"),
    ("msgtype", "text"),
    ("sender", "text"),
    ("receivers", "jsonb"),
    ("roomid", "text"),
    ("conversation", "text"),
    ("external_userid", "text"),
    ("employee_userid", "text"),
    ("direction", "text"),
    ("msgtime", "bigint"),
    ("text", "text"),
    ("tokens", "text"),
    ("body", "jsonb"),
    ("record", "jsonb"),
    ("error", "text"),
    ("recalled_by", "text"),
    ("pre_msgid", "text"),
    ("created_at", "timestamptz"),
)
JSON_COLUMNS: Final = frozenset({"receivers", "body", "record"})


def message_row(corp_pk: int, outcome: Decoded | Undecoded, stamp: Any) -> tuple[Any, ...]:
    if isinstance(outcome, Decoded):
        return (
            corp_pk,
            outcome.msgid,
            outcome.seq,
            outcome.publickey_ver,
            "ok",
            outcome.action,
            outcome.msgtype,
            outcome.sender,
            outcome.receivers_json,
            outcome.roomid,
            outcome.conversation,
            outcome.external_userid,
            outcome.employee_userid,
            outcome.direction,
            outcome.msgtime,
            outcome.text,
            outcome.tokens,
            outcome.body_json,
            "{}",
            outcome.error,
            "",
            outcome.pre_msgid,
            stamp,
        )
    return (
        corp_pk,
        outcome.msgid,
        outcome.seq,
        outcome.publickey_ver,
        outcome.status,
        "",
        "",
        "",
        "[]",
        "",
        "",
        "",
        "",
        "",
        0,
        "",
        "",
        "{}",
        dumps(outcome.record),
        f"{outcome.reason}: {outcome.detail}",
        "",
        "",
        stamp,
    )


def message_instance(corp_pk: int, row_id: int, d: Decoded, now: datetime) -> ArchiveMessage:
    """The model object of a row just written from ``d`` (no ORM round trip)."""
    return fast_instance(
        ArchiveMessage,
        {
            "id": row_id,
            "corp_id": corp_pk,
            "msgid": d.msgid,
            "seq": d.seq,
            "publickey_ver": d.publickey_ver,
            "status": "ok",
            "action": d.action,
            "msgtype": d.msgtype,
            "sender": d.sender,
            "receivers": d.receivers,
            "roomid": d.roomid,
            "conversation": d.conversation,
            "external_userid": d.external_userid,
            "employee_userid": d.employee_userid,
            "direction": d.direction,
            "msgtime": d.msgtime,
            "text": d.text,
            "tokens": d.tokens,
            "body": d.body,
            "record": {},
            "error": d.error,
            "recalled_by": "",
            "pre_msgid": d.pre_msgid,
            "created_at": now,
        },
    )


def update_sets(outcome: Decoded | Undecoded) -> dict[str, Any]:
    """The columns a parked or failed row gets from its new outcome."""
    if isinstance(outcome, Decoded):
        return {
            "status": "ok",
            "action": outcome.action,
            "msgtype": outcome.msgtype,
            "sender": outcome.sender,
            "receivers": outcome.receivers_json,
            "roomid": outcome.roomid,
            "conversation": outcome.conversation,
            "external_userid": outcome.external_userid,
            "employee_userid": outcome.employee_userid,
            "direction": outcome.direction,
            "msgtime": outcome.msgtime,
            "text": outcome.text,
            "tokens": outcome.tokens,
            "body": outcome.body_json,
            "record": "{}",
            "error": outcome.error,
            "pre_msgid": outcome.pre_msgid,
        }
    return {"status": outcome.status, "error": f"{outcome.reason}: {outcome.detail}"}


async def update_row(
    conn: BaseDBAsyncClient,
    corp_pk: int,
    row_id: int,
    sets: dict[str, Any],
    statuses: list[str],
) -> int:
    """Set ``sets`` on row ``row_id`` if its status is still one of ``statuses``."""
    values: list[Any] = []
    mark = marker(conn)

    def param(value: Any, cast: str = "") -> str:
        values.append(value)
        return mark(len(values)) + cast

    json_cast = "::jsonb" if dialect(conn) == "postgres" else ""
    assignments = ", ".join(
        f'"{name}" = {param(value, json_cast if name in JSON_COLUMNS else "")}'
        for name, value in sets.items()
    )
    where = (
        f"id = {param(row_id)} AND corp_id = {param(corp_pk)} AND status IN ("
        + ", ".join(param(s) for s in statuses)
        + ")"
    )
    count, _ = await conn.execute_query(
        f"UPDATE archive_messages SET {assignments} WHERE {where}", values
    )
    return int(count)
