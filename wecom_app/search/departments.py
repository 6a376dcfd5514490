"""Department trees of a tenant: a department and everything below it, and who is where.

Shared by compliance scopes (:mod:`wecom_app.search.access`) and department-scoped alert
rules (:mod:`wecom_app.search.alerts`), so neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.store.db import db
from wecom_app.store.directory import Department
from wecom_app.store.models import Employee


async def department_closure(
    corp_pk: int, roots: frozenset[str], conn: BaseDBAsyncClient | None = None
) -> set[str]:
    """``roots`` and every department below them."""
    if not roots:
        return set()
    rows = (
        await Department.filter(corp_id=corp_pk)
        .using_db(conn or db())
        .values_list("dept_id", "parent_id")
    )
    children: dict[str, list[str]] = {}
    for dept_id, parent_id in rows:
        children.setdefault(str(parent_id), []).append(str(dept_id))
    found = set(roots)
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def employee_departments(
    corp_pk: int, userids: Sequence[str], conn: BaseDBAsyncClient | None = None
) -> dict[str, set[str]]:
    if not userids:
        return {}
    rows = (
        await Employee.filter(corp_id=corp_pk, userid__in=list(userids))
        .using_db(conn or db())
        .values_list("userid", "departments")
    )
    return {str(u): {str(d) for d in (deps or [])} for u, deps in rows}
