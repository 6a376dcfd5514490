"""Who may search the archive, and how much of it they see.

Only members with the ``compliance`` role search, view context and conversations, and
export. A compliance role may carry a scope (``ConsoleRole.scope``:
``{"departments": [...], "userids": [...]}``): then only messages of employees in
those departments (and below) or with those userids are visible; an empty scope is the
whole org. Operators on the command line act as ``cli`` with the whole org.
"""

from __future__ import annotations

from dataclasses import dataclass

from wecom_app.search.departments import department_closure
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee

COMPLIANCE = "compliance"


class AccessDenied(Exception):
    """The viewer may not do this (the attempt has been audited)."""


@dataclass(frozen=True)
class Viewer:
    corp_pk: int
    corp_id: str
    actor: str  # the audit log's actor: a member's userid, or "cli"
    roles: frozenset[str]
    # compliance scope; both empty: the whole org
    departments: frozenset[str] = frozenset()
    userids: frozenset[str] = frozenset()
    # where the request came from, written into every audit entry: {"ip": …, "ua": …}
    client: tuple[tuple[str, str], ...] = ()

    @property
    def is_compliance(self) -> bool:
        return COMPLIANCE in self.roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def scoped(self) -> bool:
        return bool(self.departments or self.userids)


async def viewer_for(
    corp: Corp, userid: str, roles: frozenset[str], client: tuple[tuple[str, str], ...] = ()
) -> Viewer:
    """A console member as a viewer, with the scope of their compliance role."""
    departments: frozenset[str] = frozenset()
    userids: frozenset[str] = frozenset()
    if COMPLIANCE in roles:
        row = await ConsoleRole.filter(corp_id=corp.id, userid=userid, role=COMPLIANCE).first()
        scope = row.scope if row is not None and isinstance(row.scope, dict) else {}
        departments = frozenset(str(d) for d in scope.get("departments", []) or [] if str(d))
        userids = frozenset(str(u) for u in scope.get("userids", []) or [] if str(u))
    return Viewer(corp.id, corp.corp_id, userid, roles, departments, userids, client)


def cli_viewer(corp: Corp) -> Viewer:
    return Viewer(corp.id, corp.corp_id, "cli", frozenset({COMPLIANCE}))


async def visible_employees(viewer: Viewer) -> frozenset[str] | None:
    """The employees whose messages the viewer sees; None for the whole org."""
    if not viewer.scoped:
        return None
    found = set(viewer.userids)
    if viewer.departments:
        allowed = await department_closure(viewer.corp_pk, viewer.departments)
        rows = await Employee.filter(corp_id=viewer.corp_pk).values_list("userid", "departments")
        for userid, depts in rows:
            if {str(d) for d in depts or []} & allowed:
                found.add(str(userid))
    return frozenset(found)
