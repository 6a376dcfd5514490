"""The customer profile: everything the sidebar's first screen shows, from our store.

One document per (customer, viewer): who the customer is, the viewer's relationship
(or, for a manager or a successor without one yet, the followers'), tags, stage and
custom fields, notes, the viewer's open reminders, a timeline, archive insights, the
newest messages and the archive consent. The caller caches the encoded document.

Built from a dozen indexed reads sent as two statements (:mod:`sidebar.profile_reads`,
bundled by :mod:`sidebar.bundle`): the customer's rows, then the names and tags they
mention. No model objects: on a cache miss the ORM's per-query overhead and SQLite's
per-statement thread hand-off were most of the time. The timeline is
:mod:`sidebar.profile_timeline`.
"""

from __future__ import annotations

from typing import Any

from sidebar import bundle, history
from sidebar.access import CustomerGrant
from sidebar.insights import Insights
from sidebar.insights import from_rows as insights_from_rows
from sidebar.profile_reads import (
    CUSTOMER_COLUMNS,
    MESSAGES_SHOWN,
    customer_sections,
    epoch,
    json_value,
    names_of,
    names_section,
    notes_of,
    relations_of,
    reminders_of,
    tags_of,
    tags_section,
)
from sidebar.profile_timeline import timeline
from sidebar.tenant import TenantSettings

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
    rows = await bundle.run(customer_sections(corp_pk, external_userid, grant))
    relations = relations_of(rows["relations"])
    mine = next((r for r in relations if r["userid"] == viewer and r["status"] == "active"), None)
    followers = [r for r in relations if r["status"] == "active"]
    record = rows["record"][0] if rows["record"] else None
    notes = notes_of(rows["notes"], viewer)
    reminders = reminders_of(rows["reminders"], now)
    found, recent = (
        await insights_from_rows(rows, corp_pk, external_userid, grant.employees)
        if grant.employees
        else (Insights(), [])
    )
    insights = found.as_json()
    events = timeline(rows, relations, notes, insights, grant)
    shown_relations = [mine] if mine is not None else followers
    mentioned = [
        viewer,
        *(r["userid"] for r in relations),
        *(p.userid for p in grant.predecessors),
        *(str(n["author"]) for n in notes),
        *(str(e["userid"]) for e in events),
        *(str(e["detail"].get("from", "")) for e in events),
        str(record[2] or "") if record else "",
    ]
    tag_ids = [t for r in shown_relations for t in r["tag_ids"]]
    names, details = await _names_and_tags(corp_pk, mentioned, tag_ids)
    customer = rows["customer"][0] if rows["customer"] else None
    return {
        "customer": _customer(customer, external_userid),
        "access": _access(grant, mine, settings),
        **_relationships(mine, followers, details),
        "stage": _stage(record, settings),
        "pipeline": list(settings.pipeline),
        "fields": _fields(record, settings),
        "notes": notes,
        "reminders": reminders,
        "timeline": events,
        "insights": insights,
        "consent": _consent(rows["consents"], viewer),
        "messages": _messages(recent, viewer, {p.userid for p in grant.predecessors}),
        "names": names,
        "viewer": viewer,
        "refreshing": refreshing,
        "generated_at": int(now),
    }


async def _names_and_tags(
    corp_pk: int, userids: list[str], tag_ids: list[str]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The second statement: the names of everyone mentioned, the shown tags' details."""
    more = [
        s
        for s in (names_section(corp_pk, userids), tags_section(corp_pk, tag_ids))
        if s is not None
    ]
    extra = await bundle.run(more) if more else {}
    return names_of(extra.get("names", [])), tags_of(extra.get("tags", []))


def _access(
    grant: CustomerGrant, mine: dict[str, Any] | None, settings: TenantSettings
) -> dict[str, Any]:
    return {
        "reason": grant.reason,
        "can_edit_relation": mine is not None,
        "successor_view": settings.successor_view,
        "predecessors": [{"userid": p.userid, "at": p.completed_at} for p in grant.predecessors],
    }


def _relationships(
    mine: dict[str, Any] | None,
    followers: list[dict[str, Any]],
    details: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The viewer's relationship and tags, and every follower's (with their tags when
    the viewer has none of their own)."""
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
    return {"relationship": relationship, "followers": follower_rows, "tags": tags}


def _stage(record: list[str | None] | None, settings: TenantSettings) -> dict[str, Any]:
    stage = settings.stage(str(record[0] or "")) if record else None
    return {
        "key": stage["key"] if stage else "",
        "name": stage["name"] if stage else "",
        "changed_at": bundle.as_int(record[1]) if record else 0,
        "changed_by": str(record[2] or "") if record else "",
    }


def _fields(record: list[str | None] | None, settings: TenantSettings) -> list[dict[str, Any]]:
    values = json_value(record[3], {}) if record else {}
    if not isinstance(values, dict):
        values = {}
    return [
        {**definition, "value": values.get(definition["key"])}
        for definition in settings.custom_fields
    ]


def _consent(consents: list[list[str | None]], viewer: str) -> dict[str, Any]:
    """The viewer's archive consent with the customer (else the first follower's)."""
    consent = next((c for c in consents if c[0] == viewer), consents[0] if consents else None)
    return {
        "status": str(consent[1]) if consent else "unknown",
        "changed_at": bundle.as_int(consent[2]) if consent else 0,
    }


def _messages(recent: list[dict[str, Any]], viewer: str, predecessors: set[str]) -> dict[str, Any]:
    """The newest messages, and the cursor of the page before them when there are more."""
    shown = recent[:MESSAGES_SHOWN]
    next_cursor = (
        f"{shown[-1]['msgtime']}_{shown[-1]['id']}" if len(recent) > MESSAGES_SHOWN else None
    )
    return {
        "items": [history.render(row, viewer, predecessors) for row in shown],
        "next": next_cursor,
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
