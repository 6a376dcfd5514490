"""Console roles and a manager's scope: who may do what in a tenant.

Roles are data (``ConsoleRole`` rows) plus the admins that come with the install; they
are re-read on every request by the consoles and the sidebar, so a grant or a
revocation takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from wecom_app.config import Settings
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.models import Corp, Employee

ROLES = ("admin", "compliance", "manager")
GRANTABLE_ROLES = ("compliance", "manager")


def org_admins(settings: Settings, corp: Corp) -> frozenset[str]:
    """Admins that come with the install, not from a grant in the console.

    Suite: the admin who installed (``auth_user_info`` of the permanent-code answer) and
    any admin list the install stored; self-built: ``WECOM_ADMIN_USERIDS`` for the org
    configured by environment, plus an ``admin_userids`` list stored at registration.
    """
    admins: set[str] = set()
    info = corp.auth_info if isinstance(corp.auth_info, dict) else {}
    user = info.get("auth_user_info")
    if isinstance(user, dict) and isinstance(user.get("userid"), str) and user["userid"]:
        admins.add(user["userid"])
    for key in ("admin_userids", "admins", "admin_list"):
        value = info.get(key)
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, str) and item:
                admins.add(item)
            elif isinstance(item, dict) and isinstance(item.get("userid"), str):
                admins.add(item["userid"])
    configured = settings.self_built
    if corp.mode == "self_built" and configured is not None and configured.corp_id == corp.corp_id:
        admins.update(settings.admin_userids)
    admins.discard("")
    return frozenset(admins)


async def effective_roles(settings: Settings, corp: Corp, userid: str) -> frozenset[str]:
    """What ``userid`` may do in ``corp`` right now: granted roles plus install admins.

    A member the directory knows as resigned has no role, whatever was granted.
    """
    employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
    if employee is not None and employee.status == "resigned":
        return frozenset()
    rows = await ConsoleRole.filter(corp_id=corp.id, userid=userid)
    roles = {row.role for row in rows if row.role in ROLES}
    if userid in org_admins(settings, corp):
        roles.add("admin")
    return frozenset(roles)


@dataclass(frozen=True)
class ManagerScope:
    """Whom a manager may see: members of these departments (and below) and these userids."""

    departments: frozenset[str] = frozenset()
    userids: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.departments and not self.userids


async def manager_scope(corp: Corp, userid: str) -> ManagerScope | None:
    """The manager role's scope, or None when ``userid`` is not a manager of ``corp``."""
    row = await ConsoleRole.filter(corp_id=corp.id, userid=userid, role="manager").first()
    if row is None:
        return None
    scope = row.scope if isinstance(row.scope, dict) else {}
    return ManagerScope(
        departments=frozenset(str(d) for d in scope.get("departments", []) if str(d)),
        userids=frozenset(str(u) for u in scope.get("userids", []) if str(u)),
    )
