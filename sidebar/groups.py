"""The group chat view: the chat, its members split into customers and employees (each
customer with whether the viewer may open their profile), recent activity and keywords.

Activity reads the archive's ``(corp_id, conversation, msgtime)`` index (a room's
conversation key is its chat id) and is bounded like the customer insights.
"""

from __future__ import annotations

from typing import Any

from sidebar import history
from sidebar.access import GroupGrant
from sidebar.insights import KEYWORD_WINDOW, keywords
from sidebar.profile_reads import employee_names
from sidebar.sql import CONVERSATION, fetch, marks
from wecom_app.store.directory import Customer, GroupChat, GroupChatMember

DAY_MS = 86_400_000
TOP_SENDERS = 5


async def viewable_customers(corp_pk: int, viewer: str, external_userids: list[str]) -> set[str]:
    """Which of these customers the viewer follows or took over (one query for all)."""
    if not external_userids:
        return set()
    rows = await fetch(
        f"SELECT external_userid AS e FROM follow_relations WHERE corp_id = ? AND userid = ? "
        f"AND status = 'active' AND external_userid IN ({marks(len(external_userids))}) "
        f"UNION SELECT external_userid FROM customer_transfers WHERE corp_id = ? "
        f"AND to_userid = ? AND external_userid IN ({marks(len(external_userids))})",
        [corp_pk, viewer, *external_userids, corp_pk, viewer, *external_userids],
    )
    return {str(r["e"]) for r in rows}


async def build(corp_pk: int, grant: GroupGrant, chat_id: str, *, now: float) -> dict[str, Any]:
    chat = await GroupChat.get(corp_id=corp_pk, chat_id=chat_id)
    members = await GroupChatMember.filter(corp_id=corp_pk, chat_id=chat_id).order_by(
        "join_time", "id"
    )
    employees = [m for m in members if m.type == 1]
    customers = [m for m in members if m.type == 2]
    customer_rows = {
        c.external_userid: c
        for c in await Customer.filter(
            corp_id=corp_pk, external_userid__in=[m.userid for m in customers]
        )
    }
    viewable = await viewable_customers(corp_pk, grant.viewer, [m.userid for m in customers])
    names = await employee_names(corp_pk, [chat.owner, *(m.userid for m in employees)])
    counts, senders, texts = await _activity_rows(corp_pk, chat_id, now)
    recent = await history.room_messages(corp_pk, chat_id)
    member_names = {m.userid: _member_name(m, customer_rows, names) for m in members}
    for message in recent:
        message["sender_name"] = member_names.get(str(message["sender"]), "")
    return {
        "group": _group(chat, names, len(members)),
        "access": {"reason": grant.reason},
        "employees": [
            {
                "userid": m.userid,
                "name": names.get(m.userid, m.name or m.userid),
                "join_time": m.join_time,
                "owner": m.userid == chat.owner,
            }
            for m in employees
        ],
        "customers": _customers(customers, member_names, customer_rows, viewable),
        "activity": _activity(counts, senders, member_names),
        "recent": recent,
        "keywords": keywords([(str(r["tokens"] or ""), str(r["text"] or "")) for r in texts]),
        "generated_at": int(now),
    }


Rows = list[dict[str, Any]]


async def _activity_rows(corp_pk: int, chat_id: str, now: float) -> tuple[Rows, Rows, Rows]:
    """The last 30 days' counts, the top senders, and the texts for the keywords."""
    now_ms = int(now * 1000)
    counts = await fetch(
        "SELECT COUNT(*) AS n, MAX(msgtime) AS last, "
        "SUM(CASE WHEN msgtime >= ? THEN 1 ELSE 0 END) AS week "
        "FROM archive_messages WHERE corp_id = ? AND conversation = ? AND msgtime >= ? "
        f"AND {CONVERSATION}",
        [now_ms - 7 * DAY_MS, corp_pk, chat_id, now_ms - 30 * DAY_MS],
    )
    senders = await fetch(
        "SELECT sender, COUNT(*) AS n FROM archive_messages WHERE corp_id = ? "
        f"AND conversation = ? AND msgtime >= ? AND {CONVERSATION} "
        "GROUP BY sender ORDER BY n DESC, sender "
        f"LIMIT {TOP_SENDERS}",
        [corp_pk, chat_id, now_ms - 30 * DAY_MS],
    )
    texts = await fetch(
        "SELECT tokens, text FROM archive_messages WHERE corp_id = ? AND conversation = ? "
        f"AND {CONVERSATION} AND recalled_by = '' "
        f"ORDER BY msgtime DESC LIMIT {KEYWORD_WINDOW}",
        [corp_pk, chat_id],
    )
    return counts, senders, texts


def _group(chat: GroupChat, names: dict[str, str], member_count: int) -> dict[str, Any]:
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner": chat.owner,
        "owner_name": names.get(chat.owner, chat.owner),
        "notice": chat.notice,
        "created_time": chat.created_time,
        "member_count": member_count,
        "admins": list(chat.admin_list),
    }


def _customers(
    customers: list[GroupChatMember],
    member_names: dict[str, str],
    rows: dict[str, Customer],
    viewable: set[str],
) -> list[dict[str, Any]]:
    return [
        {
            "external_userid": m.userid,
            "name": member_names[m.userid],
            "type": rows[m.userid].type if m.userid in rows else 1,
            "corp_name": rows[m.userid].corp_name if m.userid in rows else "",
            "join_time": m.join_time,
            "can_view": m.userid in viewable,
        }
        for m in customers
    ]


def _activity(counts: Rows, senders: Rows, member_names: dict[str, str]) -> dict[str, Any]:
    total = counts[0] if counts else {"n": 0, "last": None, "week": 0}
    return {
        "messages_30d": int(total["n"] or 0),
        "messages_7d": int(total["week"] or 0),
        "last_message_at": int(total["last"]) if total["last"] else None,
        "top_senders": [
            {
                "id": r["sender"],
                "name": member_names.get(str(r["sender"]), ""),
                "count": int(r["n"]),
            }
            for r in senders
        ],
    }


def _member_name(
    member: GroupChatMember, customers: dict[str, Customer], employees: dict[str, str]
) -> str:
    if member.type == 2:
        customer = customers.get(member.userid)
        return (customer.name if customer else "") or member.name or member.group_nickname
    return employees.get(member.userid) or member.name or member.userid
