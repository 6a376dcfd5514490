"""The directory: departments and members (user/list Doc 90337, user/list_id Doc 96021).

What an app may see follows WeCom's rules since 2022-06-20: new self-built apps no
longer get a member's avatar, gender, mobile, email, QR code or address from these APIs
(they must use OAuth), and third-party apps get neither names (the userid is returned
in its place; a department's id stands in for its name) nor positions.
"""

from __future__ import annotations

from wecom_app.simulator.api_common import (
    INVALID_DEPARTMENT,
    INVALID_PARAMETER,
    MISSING_DEPARTMENT,
    MISSING_USERID,
    USERID_NOT_FOUND,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
    decode_cursor,
    display_name,
    page,
)
from wecom_app.simulator.state import Department, Employee

LIST_ID_MAX = 10_000


def department_list(call: ApiCall) -> JsonObject:
    org = call.org()
    root = call.integer("id", 1)
    if root not in org.departments:
        raise ApiError(INVALID_DEPARTMENT)
    return {"department": [_department(call, d) for d in org.subdepartments(root)]}


def _department(call: ApiCall, department: Department) -> JsonObject:
    rendered: JsonObject = {
        "id": department.id,
        "name": str(department.id) if call.third_party else department.name,
        "parentid": department.parent_id,
        "order": department.order,
        "department_leader": list(department.leaders),
    }
    if department.name_en and not call.third_party:
        rendered["name_en"] = department.name_en
    return rendered


def user_list(call: ApiCall) -> JsonObject:
    org = call.org()
    department_id = call.integer("department_id", 0)
    if not department_id:
        raise ApiError(MISSING_DEPARTMENT)
    if department_id not in org.departments:
        raise ApiError(INVALID_DEPARTMENT)
    if call.integer("fetch_child", 0) == 1:
        wanted = {d.id for d in org.subdepartments(department_id)}
    else:
        wanted = {department_id}
    members = [e for e in org.active_employees() if wanted.intersection(e.departments)]
    return {"userlist": [_member(call, e) for e in members]}


def user_get(call: ApiCall) -> JsonObject:
    org = call.org()
    userid = call.text("userid", missing=MISSING_USERID)
    employee = org.employees.get(userid)
    if employee is None:
        raise ApiError(USERID_NOT_FOUND)
    return _member(call, employee)


def _member(call: ApiCall, employee: Employee) -> JsonObject:
    rendered: JsonObject = {
        "userid": employee.userid,
        "name": display_name(call, employee.userid, employee.name),
        "department": list(employee.departments),
        "order": [0] * len(employee.departments),
        "is_leader_in_dept": list(employee.is_leader_in_dept),
        "direct_leader": [],
        "main_department": employee.main_department,
        "status": int(employee.status),
    }
    if call.third_party:
        rendered["open_userid"] = employee.open_userid
    else:
        rendered.update(
            position=employee.position,
            alias="",
            telephone="",
            external_position="",
            external_profile={"external_attr": []},
            extattr={"attrs": []},
        )
    return rendered


def user_list_id(call: ApiCall) -> JsonObject:
    """Every (member, department) pair, paged; third parties get ``open_userid``."""
    org = call.org()
    limit = call.integer("limit", LIST_ID_MAX)
    if not 1 <= limit <= LIST_ID_MAX:
        raise ApiError(INVALID_PARAMETER, f"limit must be 1..{LIST_ID_MAX}")
    (offset,) = decode_cursor(call.cursor(), 1)
    id_field = "open_userid" if call.third_party else "userid"
    pairs = [
        (employee, department)
        for employee in org.active_employees()
        for department in employee.departments
    ]
    end, next_cursor = page(len(pairs), offset, limit)
    return {
        "next_cursor": next_cursor,
        "dept_user": [
            {id_field: e.open_userid if call.third_party else e.userid, "department": d}
            for e, d in pairs[offset:end]
        ],
    }


APIS = (
    Api("/cgi-bin/department/list", "GET", department_list),
    Api("/cgi-bin/user/list", "GET", user_list),
    Api("/cgi-bin/user/get", "GET", user_get),
    Api("/cgi-bin/user/list_id", "POST", user_list_id),
)
