"""The profile's timeline: what happened with the customer, newest first.

The timeline events we recorded, completed with what other rows already say: relations
imported before the timeline existed, group chats joined, handovers to the viewer,
notes, and the first and last message in the archive. Each step below adds one kind of
entry to the list (skipping what a recorded event already says); the list is then
sorted and cut to :data:`~sidebar.profile_reads.TIMELINE_SHOWN`.
"""

from __future__ import annotations

from typing import Any

from sidebar import bundle
from sidebar.access import CustomerGrant
from sidebar.profile_reads import TIMELINE_SHOWN, json_value

Item = dict[str, Any]


def timeline(
    rows: bundle.Rows,
    relations: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    insights: dict[str, Any],
    grant: CustomerGrant,
) -> list[Item]:
    items = _recorded(rows["events"])
    _add_relation_spans(items, relations)
    _add_group_joins(items, rows["groups"])
    _add_handovers(items, grant)
    _add_notes(items, notes)
    _add_first_and_last_message(items, insights)
    items.sort(key=lambda i: (-int(i["at"] or 0), i["kind"]))
    return items[:TIMELINE_SHOWN]


def _recorded(events: list[list[str | None]]) -> list[Item]:
    newest_first = sorted(
        events, key=lambda r: (bundle.as_int(r[2]), bundle.as_int(r[0])), reverse=True
    )
    items: list[Item] = []
    for event in newest_first:
        detail = json_value(event[4], {})
        items.append(
            {
                "kind": str(event[1]),
                "at": bundle.as_int(event[2]),
                "userid": str(event[3] or ""),
                "detail": detail if isinstance(detail, dict) else {},
            }
        )
    return items


def _add_relation_spans(items: list[Item], relations: list[dict[str, Any]]) -> None:
    """Relations imported before the timeline existed (or by a sync that logs nothing
    for a first import) still show when they started and ended."""
    seen = {(i["kind"], i["userid"], i["at"]) for i in items}
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


def _add_group_joins(items: list[Item], groups: list[list[str | None]]) -> None:
    joined = {i["detail"].get("chat_id") for i in items if i["kind"] == "joined_group"}
    for chat_id, join_time, chat_name in (r[:3] for r in groups):
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


def _add_handovers(items: list[Item], grant: CustomerGrant) -> None:
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


def _add_notes(items: list[Item], notes: list[dict[str, Any]]) -> None:
    for note in notes:
        items.append(
            {
                "kind": "note",
                "at": note["at"],
                "userid": note["author"],
                "detail": {"text": note["text"][:80]},
            }
        )


def _add_first_and_last_message(items: list[Item], insights: dict[str, Any]) -> None:
    for kind, field in (("first_message", "first_contact"), ("last_message", "last_contact")):
        at_ms = insights.get(field)
        if at_ms:
            items.append({"kind": kind, "at": int(at_ms) // 1000, "userid": "", "detail": {}})
