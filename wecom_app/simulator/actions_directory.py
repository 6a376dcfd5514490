"""What an admin does to the directory in WeCom, and its ``change_contact`` callbacks.

Members are added, edited and removed (``create_user``, ``update_user``,
``delete_user``); a self-built app and a third-party suite receive different fields
(wecom-protocol.md §3).
"""

from __future__ import annotations

from wecom_app.simulator.actions import WorldActions
from wecom_app.simulator.emitter import Fields, PendingCallback
from wecom_app.simulator.generator import wecom_id
from wecom_app.simulator.state import (
    DepartedEmployee,
    Employee,
    EmployeeStatus,
    GroupChatStatus,
    Org,
)


class DirectoryActions(WorldActions):
    def add_employee(
        self,
        corp_id: str,
        userid: str | None = None,
        *,
        name: str | None = None,
        departments: list[int] | None = None,
        position: str = "",
        customer_contact: bool = True,
    ) -> Employee:
        """An admin adds a member → ``change_contact`` / ``create_user``."""
        org = self._org(corp_id)
        gender = self.people.gender()
        generated_name, pinyin = self.people.name_and_pinyin(gender)
        userid = userid or _free_userid(org, pinyin)
        if userid in org.employees:
            raise ValueError(f"userid {userid} exists")
        departments = departments or [1]
        for department in departments:
            if department not in org.departments:
                raise KeyError(f"no department {department}")
        employee = Employee(
            userid=userid,
            name=name or generated_name,
            departments=departments,
            position=position,
            gender=gender,
            mobile=self.people.mobile(),
            avatar="https://wework.qpic.cn/wwhead/" + wecom_id(self.people.rng, "", 40) + "/0",
            open_userid=wecom_id(self.people.rng, "wo"),
            is_leader_in_dept=[0] * len(departments),
            customer_contact=customer_contact,
        )
        org.employees[userid] = employee
        self.callbacks.emit(
            corp_id,
            "change_contact",
            "create_user",
            _contact_fields(employee),
            third_party_fields=_contact_fields_third_party(employee),
        )
        return employee

    def update_employee(
        self,
        corp_id: str,
        userid: str,
        *,
        name: str | None = None,
        position: str | None = None,
        departments: list[int] | None = None,
    ) -> list[PendingCallback]:
        """An admin edits a member → ``update_user`` with the changed fields."""
        org = self._org(corp_id)
        employee = self._active_employee(org, userid)
        fields: Fields = {"UserID": userid}
        if name is not None:
            employee.name = name
            fields["Name"] = name
        if position is not None:
            employee.position = position
            fields["Position"] = position
        third_party: Fields = {"UserID": userid, "OpenUserID": employee.open_userid}
        if departments is not None:
            employee.departments = departments
            employee.is_leader_in_dept = [0] * len(departments)
            for target in (fields, third_party):
                target["Department"] = ",".join(str(d) for d in departments)
                target["MainDepartment"] = str(employee.main_department)
        return self.callbacks.emit(
            corp_id, "change_contact", "update_user", fields, third_party_fields=third_party
        )

    def delete_employee(self, corp_id: str, userid: str) -> list[PendingCallback]:
        """A member leaves → ``delete_user``.

        Their customers stay with them, unassigned, until a transfer (Doc 92124); the
        group chats they own become "owner left, awaiting inheritance".
        """
        org = self._org(corp_id)
        employee = self._active_employee(org, userid)
        del org.employees[userid]
        employee.status = EmployeeStatus.LEFT
        org.departed[userid] = DepartedEmployee(employee=employee, dimission_time=self._now())
        for department in org.departments.values():
            if userid in department.leaders:
                department.leaders.remove(userid)
        for chat in org.group_chats.values():
            if chat.owner == userid and not chat.dismissed:
                chat.status = GroupChatStatus.OWNER_LEFT
        return self.callbacks.emit(
            corp_id,
            "change_contact",
            "delete_user",
            {"UserID": userid},
            third_party_fields={"UserID": userid, "OpenUserID": employee.open_userid},
        )


def _free_userid(org: Org, pinyin: str) -> str:
    candidate, suffix = pinyin, 2
    while candidate in org.employees or candidate in org.departed:
        candidate, suffix = f"{pinyin}{suffix}", suffix + 1
    return candidate


def _contact_fields(employee: Employee) -> Fields:
    """``create_user`` as a self-built app receives it (wecom-protocol.md §3)."""
    return {
        "UserID": employee.userid,
        "Name": employee.name,
        "Department": ",".join(str(d) for d in employee.departments),
        "MainDepartment": str(employee.main_department),
        "IsLeaderInDept": ",".join(str(flag) for flag in employee.is_leader_in_dept),
        "Position": employee.position,
        "Mobile": employee.mobile,
        "Gender": str(employee.gender),
        "Email": employee.email,
        "Status": int(employee.status),
        "Avatar": employee.avatar,
    }


def _contact_fields_third_party(employee: Employee) -> Fields:
    """⚠️ Third-party apps get ids and structure, not names or phones."""
    return {
        "UserID": employee.userid,
        "OpenUserID": employee.open_userid,
        "Department": ",".join(str(d) for d in employee.departments),
        "MainDepartment": str(employee.main_department),
        "IsLeaderInDept": ",".join(str(flag) for flag in employee.is_leader_in_dept),
        "Status": int(employee.status),
    }
