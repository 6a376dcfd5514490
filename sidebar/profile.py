"""The customer profile: everything the sidebar's first screen shows, from our store.

One document per (customer, viewer): who the customer is, the viewer's relationship
(or, for a manager or a successor without one yet, the followers'), tags, stage and
custom fields, notes, the viewer's open reminders, a timeline, archive insights, the
newest messages and the archive consent. The caller caches the encoded document.

Built from a dozen indexed reads sent as two statements (:mod:`sidebar.bundle`): the
customer's rows, then the names and tags they mention. No model objects: on a cache
miss the ORM's per-query overhead and SQLite's per-statement thread hand-off were most
of the time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sidebar import bundle, history
from sidebar.access import CustomerGrant
from sidebar.insights import Insights
from sidebar.insights import from_rows as insights_from_rows
from sidebar.insights import sections as insights_sections
from sidebar.sql import marks
from sidebar.tenant import TenantSettings

NOTES_SHOWN = 20
REMINDERS_SHOWN = 20
TIMELINE_SHOWN = 40
MESSAGES_SHOWN = 20
GROUPS_SHOWN = 20

# follow_user.add_way (Doc 92114)
ADD_WAYS = {
    0: "未知来源",
    1: "扫描二维码",
    2: "搜索手机号",
    3: "名片分享",
    4: "群聊",
    5: "手机通讯录",
    6: "微信联系人",
    8: "安装应用时自动添加",
    9: "搜索邮箱",
    10: "视频号添加",
    11: "日程参与人",
    12: "会议参与人",
    13: "添加微信好友对应的企业微信",
    14: "智慧硬件专属客服",
    15: "上门服务客服",
    16: "获客链接",
    17: "定制开发",
    18: "需求回复",
    21: "第三方售前客服",
    22: "可能的商务伙伴",
    24: "接受微信账号好友申请",
    201: "内部成员共享",
    202: "管理员/负责人分配",
}
CUSTOMER_TYPES = {1: "微信", 2: "企业微信"}


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


NAMES_COLUMNS = ("userid", "name")
TAG_COLUMNS = ("tag_id", "name", "type", "deleted", "group_name")


def _names_section(corp_pk: int, userids: Iterable[str]) -> bundle.Section | None:
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


def _tags_section(corp_pk: int, tag_ids: Iterable[str]) -> bundle.Section | None:
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
    section = _names_section(corp_pk, userids)
    if section is None:
        return {}
    return _names((await bundle.run([section]))["names"])


def _names(rows: list[list[str | None]]) -> dict[str, str]:
    return {str(r[0]): str(r[1] or r[0]) for r in rows}


def _tags(rows: list[list[str | None]]) -> dict[str, dict[str, Any]]:
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


def relation_tags(relation: dict[str, Any], details: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Tags on a relation: corp tags (editable through mark_tag) and the personal and
    rule tags WeCom reports but its API cannot set."""
    wecom = json_value(relation["wecom_data"], {})
    raw = wecom.get("tags") if isinstance(wecom, dict) else None
    raw_tags = [t for t in raw if isinstance(t, dict)] if isinstance(raw, list) else []
    named = {str(t.get("tag_id")): t for t in raw_tags if t.get("tag_id")}
    assigned = []
    for tag_id in relation["tag_ids"]:
        info = details.get(tag_id)
        if info is None:
            fallback = named.get(tag_id, {})
            info = {
                "id": tag_id,
                "name": str(fallback.get("tag_name", "")) or tag_id,
                "group": str(fallback.get("group_name", "")),
                "type": int(fallback.get("type") or 1),
                "deleted": False,
            }
        if info["deleted"]:
            continue
        assigned.append({**info, "editable": info["type"] == 1})
    personal = [
        {"name": str(t.get("tag_name", "")), "group": str(t.get("group_name", ""))}
        for t in raw_tags
        if int(t.get("type") or 0) == 2 and not t.get("tag_id")
    ]
    return {"assigned": assigned, "personal": personal}


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


def _sections(corp_pk: int, external_userid: str, grant: CustomerGrant) -> list[bundle.Section]:
    key = [corp_pk, external_userid]
    where = "WHERE corp_id = ? AND external_userid = ?"
    sections = [
        bundle.Section(
            "customer",
            CUSTOMER_COLUMNS,
            f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers {where}",
            key,
        ),
        bundle.Section(
            "relations",
            RELATION_COLUMNS,
            f"SELECT {', '.join(RELATION_COLUMNS)} FROM follow_relations {where}",
            key,
        ),
        bundle.Section(
            "record",
            ("stage", "stage_changed_at", "stage_changed_by", "field_values"),
            "SELECT stage, stage_changed_at, stage_changed_by, field_values "
            f"FROM customer_records {where}",
            key,
        ),
        bundle.Section(
            "notes",
            ("id", "text", "author_userid", "created_at"),
            f"SELECT id, text, author_userid, created_at FROM customer_notes {where} "
            f"AND deleted = ? ORDER BY created_at DESC, id DESC LIMIT {NOTES_SHOWN}",
            [*key, False],
        ),
        bundle.Section(
            "reminders",
            ("id", "text", "due_at"),
            f"SELECT id, text, due_at FROM reminders {where} AND userid = ? "
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
            f"SELECT id, kind, occurred_at, userid, detail FROM timeline_events {where} "
            f"ORDER BY occurred_at DESC, id DESC LIMIT {TIMELINE_SHOWN}",
            key,
        ),
        bundle.Section(
            "groups",
            ("chat_id", "join_time", "name"),
            "SELECT m.chat_id, m.join_time, c.name FROM group_chat_members m "
            "LEFT JOIN group_chats c ON c.corp_id = m.corp_id AND c.chat_id = m.chat_id "
            f"WHERE m.corp_id = ? AND m.userid = ? AND m.type = 2 LIMIT {GROUPS_SHOWN}",
            key,
        ),
    ]
    if grant.employees:
        sections += insights_sections(corp_pk, external_userid, grant.employees)
    return sections


def _timeline(
    rows: bundle.Rows,
    relations: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    insights: dict[str, Any],
    grant: CustomerGrant,
) -> list[dict[str, Any]]:
    events = sorted(
        rows["events"], key=lambda r: (bundle.as_int(r[2]), bundle.as_int(r[0])), reverse=True
    )
    items: list[dict[str, Any]] = []
    for event in events:
        detail = json_value(event[4], {})
        items.append(
            {
                "kind": str(event[1]),
                "at": bundle.as_int(event[2]),
                "userid": str(event[3] or ""),
                "detail": detail if isinstance(detail, dict) else {},
            }
        )
    seen = {(i["kind"], i["userid"], i["at"]) for i in items}
    # Relations imported before the timeline existed (or by a sync that logs nothing
    # for a first import) still show when they started and ended.
    for relation in relations:
        added_at, userid, status = relation["added_at"], relation["userid"], relation["status"]
        if added_at and ("added", userid, added_at) not in seen:
            items.append(
                {
                    "kind": "added",
                    "at": added_at,
                    "userid": userid,
                    "detail": {"add_way": relation["add_way"], "state": relation["state"]},
                }
            )
        ended = relation["ended_at"]
        if (
            status != "active"
            and ended
            and not any(i["kind"] == status and i["userid"] == userid for i in items)
        ):
            items.append({"kind": status, "at": ended, "userid": userid, "detail": {}})
    joined = {i["detail"].get("chat_id") for i in items if i["kind"] == "joined_group"}
    for chat_id, join_time, chat_name in (r[:3] for r in rows["groups"]):
        if chat_id in joined or not bundle.as_int(join_time):
            continue
        items.append(
            {
                "kind": "joined_group",
                "at": bundle.as_int(join_time),
                "userid": "",
                "detail": {"chat_id": chat_id, "chat_name": chat_name or ""},
            }
        )
    handed_over = {
        (str(i["detail"].get("from_userid", "")), i["at"])
        for i in items
        if i["kind"] == "transferred" and i["detail"].get("to_userid") == grant.viewer
    }
    for predecessor in grant.predecessors:
        if (predecessor.userid, predecessor.completed_at) in handed_over:
            continue  # the transfer feature's own entry says it already
        items.append(
            {
                "kind": "transferred_to",
                "at": predecessor.completed_at,
                "userid": grant.viewer,
                "detail": {"from": predecessor.userid, "to": grant.viewer},
            }
        )
    for note in notes:
        items.append(
            {
                "kind": "note",
                "at": note["at"],
                "userid": note["author"],
                "detail": {"text": note["text"][:80]},
            }
        )
    for kind, field in (("first_message", "first_contact"), ("last_message", "last_contact")):
        at_ms = insights.get(field)
        if at_ms:
            items.append({"kind": kind, "at": int(at_ms) // 1000, "userid": "", "detail": {}})
    items.sort(key=lambda i: (-int(i["at"] or 0), i["kind"]))
    return items[:TIMELINE_SHOWN]


def _relations(rows: list[list[str | None]]) -> list[dict[str, Any]]:
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


async def build(
    corp_pk: int,
    external_userid: str,
    grant: CustomerGrant,
    settings: TenantSettings,
    *,
    now: float,
    refreshing: bool = False,
) -> dict[str, Any]:
    """The profile document; two statements (the customer's reads, then names and tags)."""
    viewer = grant.viewer
    rows = await bundle.run(_sections(corp_pk, external_userid, grant))
    relations = _relations(rows["relations"])
    mine = next((r for r in relations if r["userid"] == viewer and r["status"] == "active"), None)
    followers = [r for r in relations if r["status"] == "active"]
    record = rows["record"][0] if rows["record"] else None
    notes = sorted(
        (
            {
                "id": bundle.as_int(n[0]),
                "text": str(n[1] or ""),
                "author": str(n[2] or ""),
                "at": bundle.as_int(n[3]),
                "mine": n[2] == viewer,
            }
            for n in rows["notes"]
        ),
        key=lambda n: (n["at"], n["id"]),
        reverse=True,
    )
    reminders = sorted(
        (
            {
                "id": bundle.as_int(r[0]),
                "text": str(r[1] or ""),
                "due_at": bundle.as_int(r[2]),
                "overdue": bundle.as_int(r[2]) <= now,
            }
            for r in rows["reminders"]
        ),
        key=lambda r: (r["due_at"], r["id"]),
    )
    found, recent = (
        await insights_from_rows(rows, corp_pk, external_userid, grant.employees)
        if grant.employees
        else (Insights(), [])
    )
    insights = found.as_json()
    predecessors = {p.userid for p in grant.predecessors}
    shown = recent[:MESSAGES_SHOWN]
    messages = [history.render(row, viewer, predecessors) for row in shown]
    next_cursor = (
        f"{shown[-1]['msgtime']}_{shown[-1]['id']}" if len(recent) > MESSAGES_SHOWN else None
    )
    consents = rows["consents"]
    consent = next((c for c in consents if c[0] == viewer), consents[0] if consents else None)
    events = _timeline(rows, relations, notes, insights, grant)
    shown_relations = [mine] if mine is not None else followers
    more = [
        s
        for s in (
            _names_section(
                corp_pk,
                [
                    viewer,
                    *(r["userid"] for r in relations),
                    *predecessors,
                    *(str(n["author"]) for n in notes),
                    *(str(e["userid"]) for e in events),
                    *(str(e["detail"].get("from", "")) for e in events),
                    str(record[2] or "") if record else "",
                ],
            ),
            _tags_section(corp_pk, [t for r in shown_relations for t in r["tag_ids"]]),
        )
        if s is not None
    ]
    extra = await bundle.run(more) if more else {}
    names = _names(extra.get("names", []))
    details = _tags(extra.get("tags", []))
    relationship = None
    tags: dict[str, Any] = {"assigned": [], "personal": []}
    if mine is not None:
        relationship = _relationship(mine)
        tags = relation_tags(mine, details)
    follower_rows = []
    for relation in followers:
        row = _relationship(relation)
        if mine is None:  # the viewer has no tags of their own: show each follower's
            row["tags"] = relation_tags(relation, details)
        follower_rows.append(row)
    stage = settings.stage(str(record[0] or "")) if record else None
    values = json_value(record[3], {}) if record else {}
    if not isinstance(values, dict):
        values = {}
    customer = rows["customer"][0] if rows["customer"] else None
    return {
        "customer": _customer(customer, external_userid),
        "access": {
            "reason": grant.reason,
            "can_edit_relation": mine is not None,
            "successor_view": settings.successor_view,
            "predecessors": [
                {"userid": p.userid, "at": p.completed_at} for p in grant.predecessors
            ],
        },
        "relationship": relationship,
        "followers": follower_rows,
        "tags": tags,
        "stage": {
            "key": stage["key"] if stage else "",
            "name": stage["name"] if stage else "",
            "changed_at": bundle.as_int(record[1]) if record else 0,
            "changed_by": str(record[2] or "") if record else "",
        },
        "pipeline": list(settings.pipeline),
        "fields": [
            {**definition, "value": values.get(definition["key"])}
            for definition in settings.custom_fields
        ],
        "notes": notes,
        "reminders": reminders,
        "timeline": events,
        "insights": insights,
        "consent": {
            "status": str(consent[1]) if consent else "unknown",
            "changed_at": bundle.as_int(consent[2]) if consent else 0,
        },
        "messages": {"items": messages, "next": next_cursor},
        "names": names,
        "viewer": viewer,
        "refreshing": refreshing,
        "generated_at": int(now),
    }


def _customer(row: list[str | None] | None, external_userid: str) -> dict[str, Any]:
    if row is None:
        return {"external_userid": external_userid, "name": "", "type": 1, "type_label": "微信"}
    data = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
    kind = bundle.as_int(data["type"], 1)
    return {
        "external_userid": external_userid,
        "name": str(data["name"] or ""),
        "avatar": str(data["avatar"] or ""),
        "type": kind,
        "type_label": CUSTOMER_TYPES.get(kind, "微信"),
        "corp_name": str(data["corp_name"] or ""),
        "corp_full_name": str(data["corp_full_name"] or ""),
        "position": str(data["position"] or ""),
        "gender": bundle.as_int(data["gender"]),
        "status": str(data["status"] or ""),
        "updated_at": epoch(data["updated_at"]),
    }


def _relationship(relation: dict[str, Any]) -> dict[str, Any]:
    add_way = int(relation["add_way"])
    return {
        "userid": relation["userid"],
        "remark": relation["remark"],
        "description": relation["description"],
        "remark_corp_name": relation["remark_corp_name"],
        "added_at": relation["added_at"],
        "add_way": add_way,
        "add_way_label": ADD_WAYS.get(add_way, f"其他({add_way})"),
        "state": relation["state"],
        "status": relation["status"],
    }
