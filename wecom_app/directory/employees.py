"""Employees and departments: the ``change_contact`` events and the sync's lists.

A callback changes one employee or department (``create_user``/``update_user``/
``delete_user``, ``create_party``/``update_party``/``delete_party``); the full sync
writes whole lists (``department/list``, ``user/list`` per department) as upserts.

Events can arrive out of order (retries, several workers): each employee remembers the
``CreateTime`` of the newest event applied, and an older event never overwrites it —
compared under the employee's row lock, so also not across workers on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from wecom_app import signals
from wecom_app.directory.upsert import column, cut, upsert
from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.events import ChangeContact
from wecom_app.protocol.xml import text as xml_text
from wecom_app.store.directory import Department
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sql import chunks
from wecom_app.wecom import contacts as wc_contacts

# -- employees (change_contact create_user / update_user / delete_user) --------------------


async def apply_user_change(corp: Corp, event: ChangeContact) -> Employee | None:
    """Apply one user event under the employee's row lock (see :func:`_locked`)."""
    async with in_transaction():
        if event.change_type == "delete_user":
            return await _mark_resigned(corp, event)
        return await _apply_user_change(corp, event)


async def _locked(corp: Corp, userid: str, *, create: bool = True) -> Employee | None:
    """The employee's row, locked until the transaction ends (``SELECT … FOR UPDATE``).

    Two workers applying events of one employee at once queue here, so each compares
    ``CreateTime`` with what the other committed — never read, compare, then overwrite.
    A missing row is first inserted (``ON CONFLICT DO NOTHING``), so two first events
    lock the same row instead of both inserting. SQLite has one writer: no lock needed.
    """
    query = Employee.filter(corp_id=corp.id, userid=userid).select_for_update()
    employee = await query.first()
    if employee is None and create:
        await upsert(Employee, [{"corp_id": corp.id, "userid": userid}], conflict=_KEY)
        employee = await query.first()
    return employee


_KEY = ["corp_id", "userid"]


async def _apply_user_change(corp: Corp, event: ChangeContact) -> Employee | None:
    employee = await _locked(corp, event.user_id, create=not event.new_user_id)
    if employee is None and event.new_user_id:
        employee = await _locked(corp, event.new_user_id, create=False)
    if employee is None:
        employee = await _locked(corp, event.user_id)
    assert employee is not None
    if event.create_time < employee.last_event_time:
        return employee  # stale
    if event.new_user_id and event.new_user_id != employee.userid:
        employee.userid = event.new_user_id
    # update_user carries only the fields that changed: keep the rest.
    if event.user_name:
        employee.name = event.user_name
    if event.open_user_id:
        employee.open_userid = event.open_user_id
    if event.departments:
        employee.departments = list(event.departments)
    if event.main_department:
        employee.main_department = event.main_department
    if event.position:
        employee.position = event.position
    if event.status:
        # WeCom: 1 active, 2 disabled, 4 not yet activated, 5 left.
        employee.status = {"2": "disabled", "5": "resigned"}.get(event.status, "active")
    elif employee.status != "resigned" or event.change_type == "create_user":
        employee.status = "active"
    employee.last_event_time = event.create_time
    await employee.save()
    return employee


async def _mark_resigned(corp: Corp, event: ChangeContact) -> Employee:
    employee = await _locked(corp, event.user_id)
    assert employee is not None
    if event.create_time < employee.last_event_time:
        return employee
    newly_resigned = employee.status != "resigned"
    employee.status = "resigned"
    employee.resigned_at = datetime.fromtimestamp(event.create_time or 0, tz=UTC)
    if event.open_user_id:
        employee.open_userid = event.open_user_id
    employee.last_event_time = event.create_time
    await employee.save()
    if newly_resigned:
        await signals.employee_resigned.send(
            corp=corp, employee=employee, resigned_at=event.create_time
        )
    return employee


def employee_status(wecom_status: int) -> str:
    """WeCom's member status (1 active, 2 disabled, 4 not activated, 5 left) → ours."""
    return {2: "disabled", 5: "resigned"}.get(wecom_status, "active")


async def upsert_employees(corp_id: int, users: Sequence[wc_contacts.User]) -> None:
    """One department's ``user/list`` (the sync)."""
    rows = {
        u.userid: {
            "corp_id": corp_id,
            "userid": cut(u.userid, 64),
            "open_userid": cut(u.open_userid, 64),
            "name": cut(u.name, 255),
            "departments": [str(d) for d in u.department],
            "main_department": str(u.main_department or (u.department[0] if u.department else "")),
            "position": cut(u.position, 255),
            "status": employee_status(u.status),
        }
        for u in users
        if u.userid
    }
    await upsert(
        Employee,
        list(rows.values()),
        conflict=["corp_id", "userid"],
        update=[
            "open_userid",
            "name",
            "departments",
            "main_department",
            "position",
            "status",
            "updated_at",
        ],
    )


# -- departments (change_contact create_party / update_party / delete_party) ---------------


async def apply_party_change(corp: Corp, event: ChangeContact) -> None:
    """Keep the department tree; ``update_party`` carries only what changed.

    Third-party apps get no department names (WeCom sends the id): the id then stands
    in for the name, as the sync stores it.
    """
    try:
        dept_id = int(event.party_id)
    except ValueError:
        return
    if event.change_type == "delete_party":
        await Department.filter(corp_id=corp.id, dept_id=dept_id).delete()
        return
    parent = xml_text(event.fields, "ParentId")
    order = xml_text(event.fields, "Order")
    department = await Department.filter(corp_id=corp.id, dept_id=dept_id).first()
    if department is None:
        department = Department(corp_id=corp.id, dept_id=dept_id, name=str(dept_id))
    if event.user_name:
        department.name = cut(event.user_name, 255)
    if is_digits(parent):
        department.parent_id = int(parent)
    if is_digits(order):
        department.order = int(order)
    await department.save()


def department_row(corp_id: int, department: wc_contacts.Department) -> Department:
    return Department(
        corp_id=corp_id,
        dept_id=department.id,
        # Third-party apps get no department names: WeCom sends the id in their place.
        name=cut(department.name or str(department.id), 255),
        parent_id=department.parentid,
        order=department.order,
    )


async def upsert_departments(corp_id: int, departments: Sequence[wc_contacts.Department]) -> None:
    """The whole ``department/list`` (the sync)."""
    rows = list({d.id: department_row(corp_id, d) for d in departments}.values())
    if rows:
        await Department.bulk_create(
            rows,
            on_conflict=["corp_id", "dept_id"],
            update_fields=["name", "parent_id", "order", "updated_at"],
        )


async def remove_departments_except(corp_id: int, keep: Iterable[int]) -> int:
    """After a complete department list: the departments it no longer has are gone."""
    kept = set(keep)
    stale = [
        d for d in await column(Department.filter(corp_id=corp_id), "dept_id") if d not in kept
    ]
    for chunk in chunks(stale):
        await Department.filter(corp_id=corp_id, dept_id__in=list(chunk)).delete()
    return len(stale)
