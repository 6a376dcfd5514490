"""The profile's reads: the statements behind the first screen, and their rows decoded.

Two bundled statements (:mod:`sidebar.bundle`): first the customer's own rows
(:func:`customer_sections`: the customer, relations, our record, notes, the viewer's
reminders, consents, timeline events, group memberships, archive insights), then the
employee names and tag details those rows mention (:func:`names_section`,
:func:`tags_section`). Rows come back as text; the decoders here turn them into values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sidebar import bundle
from sidebar.access import CustomerGrant
from sidebar.insights import sections as insights_sections
from sidebar.sql import marks

NOTES_SHOWN = 20
REMINDERS_SHOWN = 20
TIMELINE_SHOWN = 40
MESSAGES_SHOWN = 20
GROUPS_SHOWN = 20


def json_value(value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, str | bytes):
        try:
            return json.loads(value or "null") if value else default
        except ValueError:
            return default
    return value


def epoch(value: Any) -> int:
    """A timestamp column as epoch seconds (SQLite gives text, PostgreSQL datetimes)."""
    if value is None:
        return 0
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return 0
    return int(value.timestamp()) if isinstance(value, datetime) else 0


# -- names and tags (the second statement) ----------------------------------------------

NAMES_COLUMNS = ("userid", "name")
TAG_COLUMNS = ("tag_id", "name", "type", "deleted", "group_name")


def names_section(corp_pk: int, userids: Iterable[str]) -> bundle.Section | None:
    wanted = [u for u in dict.fromkeys(userids) if u]
    if not wanted:
        return None
    return bundle.Section(
        "names",
        NAMES_COLUMNS,
        f"SELECT userid, name FROM employees WHERE corp_id = ? "
        f"AND userid IN ({marks(len(wanted))})",
        [corp_pk, *wanted],
    )


def tags_section(corp_pk: int, tag_ids: Iterable[str]) -> bundle.Section | None:
    wanted = list(dict.fromkeys(tag_ids))
    if not wanted:
        return None
    return bundle.Section(
        "tags",
        TAG_COLUMNS,
        "SELECT t.tag_id, t.name, t.type, t.deleted, g.name AS group_name FROM tags t "
        "LEFT JOIN tag_groups g ON g.corp_id = t.corp_id AND g.group_id = t.group_id "
        f"WHERE t.corp_id = ? AND t.tag_id IN ({marks(len(wanted))})",
        [corp_pk, *wanted],
    )


async def employee_names(corp_pk: int, userids: Iterable[str]) -> dict[str, str]:
    section = names_section(corp_pk, userids)
    if section is None:
        return {}
    return names_of((await bundle.run([section]))["names"])


def names_of(rows: list[list[str | None]]) -> dict[str, str]:
    return {str(r[0]): str(r[1] or r[0]) for r in rows}


def tags_of(rows: list[list[str | None]]) -> dict[str, dict[str, Any]]:
    return {
        str(r[0]): {
            "id": str(r[0]),
            "name": str(r[1] or ""),
            "group": str(r[4] or ""),
            "type": bundle.as_int(r[2], 1),
            "deleted": bundle.as_bool(r[3]),
        }
        for r in rows
    }


# -- the customer's rows (the first statement) ------------------------------------------

CUSTOMER_COLUMNS = (
    "name",
    "avatar",
    "type",
    "corp_name",
    "corp_full_name",
    "position",
    "gender",
    "status",
    "updated_at",
)
RELATION_COLUMNS = (
    "userid",
    "remark",
    "description",
    "remark_corp_name",
    "added_at",
    "add_way",
    "state",
    "status",
    "ended_at",
    "tag_ids",
    "wecom_data",
)
WHERE = "WHERE corp_id = ? AND external_userid = ?"


def customer_sections(
    corp_pk: int, external_userid: str, grant: CustomerGrant
) -> list[bundle.Section]:
    key = [corp_pk, external_userid]
    sections = [*_directory_sections(key), *_our_sections(key, grant), _groups_section(key)]
    if grant.employees:
        sections += insights_sections(corp_pk, external_userid, grant.employees)
    return sections


def _directory_sections(key: list[Any]) -> list[bundle.Section]:
    """What WeCom told us: the customer and who follows them."""
    return [
        bundle.Section(
            "customer",
            CUSTOMER_COLUMNS,
            f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers {WHERE}",
            key,
        ),
        bundle.Section(
            "relations",
            RELATION_COLUMNS,
            f"SELECT {', '.join(RELATION_COLUMNS)} FROM follow_relations {WHERE}",
            key,
        ),
    ]


def _groups_section(key: list[Any]) -> bundle.Section:
    """The customer's group chats (for the timeline's "joined" entries)."""
    return bundle.Section(
        "groups",
        ("chat_id", "join_time", "name"),
        "SELECT m.chat_id, m.join_time, c.name FROM group_chat_members m "
        "LEFT JOIN group_chats c ON c.corp_id = m.corp_id AND c.chat_id = m.chat_id "
        f"WHERE m.corp_id = ? AND m.userid = ? AND m.type = 2 LIMIT {GROUPS_SHOWN}",
        key,
    )


def _our_sections(key: list[Any], grant: CustomerGrant) -> list[bundle.Section]:
    """What we keep: stage and fields, notes, reminders, consents, the timeline."""
    return [
        bundle.Section(
            "record",
            ("stage", "stage_changed_at", "stage_changed_by", "field_values"),
            "SELECT stage, stage_changed_at, stage_changed_by, field_values "
            f"FROM customer_records {WHERE}",
            key,
        ),
        bundle.Section(
            "notes",
            ("id", "text", "author_userid", "created_at"),
            f"SELECT id, text, author_userid, created_at FROM customer_notes {WHERE} "
            f"AND deleted = ? ORDER BY created_at DESC, id DESC LIMIT {NOTES_SHOWN}",
            [*key, False],
        ),
        bundle.Section(
            "reminders",
            ("id", "text", "due_at"),
            f"SELECT id, text, due_at FROM reminders {WHERE} AND userid = ? "
            f"AND done_at IS NULL ORDER BY due_at, id LIMIT {REMINDERS_SHOWN}",
            [*key, grant.viewer],
        ),
        bundle.Section(
            "consents",
            ("userid", "status", "changed_at"),
            "SELECT userid, status, changed_at FROM archive_consents WHERE corp_id = ? "
            f"AND subject = ? AND userid IN ({marks(len(grant.employees))})",
            [*key, *grant.employees],
        ),
        bundle.Section(
            "events",
            ("id", "kind", "occurred_at", "userid", "detail"),
            f"SELECT id, kind, occurred_at, userid, detail FROM timeline_events {WHERE} "
            f"ORDER BY occurred_at DESC, id DESC LIMIT {TIMELINE_SHOWN}",
            key,
        ),
    ]


def relations_of(rows: list[list[str | None]]) -> list[dict[str, Any]]:
    relations = []
    for r in rows:
        relation: dict[str, Any] = dict(zip(RELATION_COLUMNS, r, strict=True))
        relation["userid"] = str(relation["userid"])
        relation["status"] = str(relation["status"])
        relation["added_at"] = bundle.as_int(relation["added_at"])
        relation["add_way"] = bundle.as_int(relation["add_way"])
        relation["ended_at"] = bundle.as_int(relation["ended_at"]) or None
        relation["tag_ids"] = [str(t) for t in json_value(relation["tag_ids"], [])]
        for name in ("remark", "description", "remark_corp_name", "state"):
            relation[name] = str(relation[name] or "")
        relations.append(relation)
    relations.sort(key=lambda r: (r["added_at"], r["userid"]))
    return relations


def notes_of(rows: list[list[str | None]], viewer: str) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "id": bundle.as_int(n[0]),
                "text": str(n[1] or ""),
                "author": str(n[2] or ""),
                "at": bundle.as_int(n[3]),
                "mine": n[2] == viewer,
            }
            for n in rows
        ),
        key=lambda n: (n["at"], n["id"]),
        reverse=True,
    )


def reminders_of(rows: list[list[str | None]], now: float) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "id": bundle.as_int(r[0]),
                "text": str(r[1] or ""),
                "due_at": bundle.as_int(r[2]),
                "overdue": bundle.as_int(r[2]) <= now,
            }
            for r in rows
        ),
        key=lambda r: (r["due_at"], r["id"]),
    )
