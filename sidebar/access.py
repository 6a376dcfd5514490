"""Who may see which customer and which group chat in the sidebar.

An employee sees a customer when

1. they follow the customer (an ``active`` follow relation), or
2. the customer was transferred to them (a completed ``CustomerTransfer``) and they have
   not lost the customer since (no relation of theirs, or an active one) — a completed
   transfer may be known before the directory sync shows the new relation; or
3. an admin made them a manager (``ConsoleRole(role="manager")``, the console's
   :func:`~wecom_app.consoles.roles.manager_scope`) whose scope — userids and departments,
   departments including their sub-departments — holds an employee who follows the
   customer.

and a group chat when they own it or are a member, or manage its owner.

The tenant must be active and the employee not resigned or disabled. Everything else is
a refusal, and a refusal says nothing more: the caller answers the same 403 whether the
customer exists or not. The common case (a follower) costs one round trip: four indexed
lookups in one ``UNION ALL``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sidebar.sql import fetch, marks
from wecom_app import roles
from wecom_app.store.models import Corp

ACTIVE_TENANT = ("active", "disconnected")


@dataclass(frozen=True)
class Predecessor:
    userid: str
    completed_at: int


@dataclass(frozen=True)
class CustomerGrant:
    """Why the viewer may see the customer, and whose conversations they may read."""

    reason: str  # follower | successor | manager
    viewer: str
    # Employees whose archived conversations with the customer the viewer may read: the
    # viewer, predecessors (when the tenant's successor view is on), managed employees.
    employees: tuple[str, ...]
    predecessors: tuple[Predecessor, ...]
    followers: tuple[str, ...]  # employees actively following the customer

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever what the viewer may see changes (part of the cache key)."""
        raw = "|".join([self.reason, ",".join(self.employees), ",".join(self.followers)])
        return hashlib.sha1(raw.encode()).hexdigest()[:12]  # noqa: S324 - a cache key


@dataclass(frozen=True)
class GroupGrant:
    reason: str  # member | owner | manager
    viewer: str
    owner: str


_CUSTOMER_SQL = """
SELECT 'f' AS k, userid AS a, status AS b, 0 AS t FROM follow_relations
 WHERE corp_id = ? AND external_userid = ?
UNION ALL
SELECT 'h', from_userid, to_userid, completed_at FROM customer_transfers
 WHERE corp_id = ? AND external_userid = ?
UNION ALL
SELECT 'e', userid, status, 0 FROM employees WHERE corp_id = ? AND userid = ?
UNION ALL
SELECT 'c', corp_id, status, 0 FROM corps WHERE id = ?
"""

_GROUP_SQL = """
SELECT 'g' AS k, owner AS a, '' AS b FROM group_chats
 WHERE corp_id = ? AND chat_id = ? AND dismissed = ?
UNION ALL
SELECT 'm', userid, '' FROM group_chat_members
 WHERE corp_id = ? AND chat_id = ? AND userid = ? AND type = 1
UNION ALL
SELECT 'e', userid, status FROM employees WHERE corp_id = ? AND userid = ?
UNION ALL
SELECT 'c', corp_id, status FROM corps WHERE id = ?
"""


def _tenant_and_employee_ok(rows: list[dict[str, Any]], viewer: str) -> bool:
    corp_ok = any(r["k"] == "c" and r["b"] in ACTIVE_TENANT for r in rows)
    # No employee row yet (the directory lags a new hire) is fine: WeCom vouched for them.
    employee_bad = any(r["k"] == "e" and r["a"] == viewer and r["b"] != "active" for r in rows)
    return corp_ok and not employee_bad


async def customer_grant(
    corp_pk: int, viewer: str, external_userid: str, *, successor_view: bool
) -> CustomerGrant | None:
    rows = await fetch(
        _CUSTOMER_SQL,
        [corp_pk, external_userid, corp_pk, external_userid, corp_pk, viewer, corp_pk],
    )
    if not _tenant_and_employee_ok(rows, viewer):
        return None
    relations = {r["a"]: r["b"] for r in rows if r["k"] == "f"}
    followers = tuple(sorted(u for u, status in relations.items() if status == "active"))
    handovers = [(r["a"], r["b"], int(r["t"])) for r in rows if r["k"] == "h"]
    mine = relations.get(viewer)
    predecessors = _predecessors(viewer, handovers)
    reason = ""
    if mine == "active":
        reason = "follower"
    elif mine is None and any(to == viewer for _, to, _ in handovers):
        reason = "successor"
    if reason:
        shown = tuple(p.userid for p in predecessors) if successor_view else ()
        return CustomerGrant(reason, viewer, (viewer, *shown), predecessors, followers)
    managed = await managed_among(corp_pk, viewer, followers)
    if managed:
        return CustomerGrant("manager", viewer, managed, (), followers)
    return None


def _predecessors(viewer: str, handovers: list[tuple[str, str, int]]) -> tuple[Predecessor, ...]:
    """Who handed the customer to the viewer, and who handed it to them, and so on."""
    found: list[Predecessor] = []
    seen = {viewer}
    frontier = [viewer]
    while frontier:
        current = frontier.pop()
        for src, dst, at in sorted(handovers, key=lambda h: -h[2]):
            if dst == current and src not in seen:
                seen.add(src)
                found.append(Predecessor(src, at))
                frontier.append(src)
    return tuple(found)


async def group_grant(corp_pk: int, viewer: str, chat_id: str) -> GroupGrant | None:
    rows = await fetch(
        _GROUP_SQL, [corp_pk, chat_id, False, corp_pk, chat_id, viewer, corp_pk, viewer, corp_pk]
    )
    if not _tenant_and_employee_ok(rows, viewer):
        return None
    owner = next((str(r["a"]) for r in rows if r["k"] == "g"), None)
    if owner is None:
        return None
    if owner == viewer:
        return GroupGrant("owner", viewer, owner)
    if any(r["k"] == "m" for r in rows):
        return GroupGrant("member", viewer, owner)
    if await managed_among(corp_pk, viewer, (owner,)):
        return GroupGrant("manager", viewer, owner)
    return None


async def managed_among(corp_pk: int, viewer: str, userids: Iterable[str]) -> tuple[str, ...]:
    """Those of ``userids`` inside the viewer's manager scope (empty if not a manager).

    The scope is the console's (:func:`wecom_app.consoles.roles.manager_scope`): userids,
    and departments together with every department below them.
    """
    candidates = [u for u in dict.fromkeys(userids) if u and u != viewer]
    if not candidates:
        return ()
    corp = await Corp.filter(id=corp_pk).first()
    if corp is None:
        return ()
    scope = await roles.manager_scope(corp, viewer)
    if scope is None or scope.empty:
        return ()
    inside = {u for u in candidates if u in scope.userids}
    rest = [u for u in candidates if u not in inside]
    if rest and scope.departments:
        all_departments = await descendants(corp_pk, set(scope.departments))
        rows = await fetch(
            f"SELECT userid, departments FROM employees WHERE corp_id = ? "
            f"AND userid IN ({marks(len(rest))})",
            [corp_pk, *rest],
        )
        for row in rows:
            depts = _json_list(row["departments"])
            if any(str(d) in all_departments for d in depts):
                inside.add(str(row["userid"]))
    return tuple(u for u in candidates if u in inside)


async def descendants(corp_pk: int, roots: set[str]) -> set[str]:
    """``roots`` and every department below them."""
    rows = await fetch("SELECT dept_id, parent_id FROM departments WHERE corp_id = ?", [corp_pk])
    children: dict[str, list[str]] = {}
    for row in rows:
        children.setdefault(str(row["parent_id"]), []).append(str(row["dept_id"]))
    found = set(roots)
    pending = list(roots)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return value if isinstance(value, list) else []
