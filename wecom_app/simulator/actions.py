"""What people do in WeCom, and the callback each change causes.

These are the changes the API cannot make: a customer adds or deletes an employee,
an employee edits a customer in the WeCom client, an admin changes the directory or the
tag library, people join and leave customer group chats. Each one changes the world
and records the callback WeCom sends for it (wecom-protocol.md §3; Docs 92277,
96361), for the corp's self-built app and for every suite the corp authorised.

Mixed into :class:`~wecom_app.simulator.simulator.Simulator`; a bad argument (an
unknown userid, a relation that does not exist) is a bug in the test and raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from wecom_app.simulator.emitter import CallbackOutbox, Fields, PendingCallback
from wecom_app.simulator.generator import PeopleFactory, wecom_id
from wecom_app.simulator.state import (
    CorpTag,
    CorpTagGroup,
    Customer,
    DepartedEmployee,
    Employee,
    EmployeeStatus,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    GroupChatStatus,
    Org,
    World,
)

ChatChange = Literal["add_member", "del_member", "change_owner", "change_name", "change_notice"]


class PeopleActions:
    world: World
    clock: Callable[[], float]
    people: PeopleFactory
    callbacks: CallbackOutbox

    def _org(self, corp_id: str) -> Org:
        return self.world.orgs[corp_id]

    def _now(self) -> int:
        return int(self.clock())

    # -- customers -------------------------------------------------------------------

    def add_customer(
        self,
        corp_id: str,
        userid: str,
        customer: Customer | str | None = None,
        *,
        add_way: int = 1,
        state: str = "",
        remark: str = "",
        description: str = "",
        tag_ids: Iterable[str] = (),
    ) -> Customer:
        """A customer and an employee become contacts → ``add_external_contact``.

        ``customer`` is a new :class:`Customer`, the external_userid of one the org
        already knows (a second employee adds them), or None for a generated one.
        """
        org = self._org(corp_id)
        self._active_employee(org, userid)
        if customer is None:
            customer = self.people.customer()
        elif isinstance(customer, str):
            customer = org.customers[customer]
        if org.follow(userid, customer.external_userid) is not None:
            raise ValueError(f"{userid} already follows {customer.external_userid}")
        org.customers.setdefault(customer.external_userid, customer)
        tags = list(tag_ids)
        for tag_id in tags:
            self._live_tag(org, tag_id)
        org.add_follow(
            FollowRelation(
                userid=userid,
                external_userid=customer.external_userid,
                createtime=self._now(),
                remark=remark,
                description=description,
                tag_ids=tags,
                add_way=add_way,
                state=state,
                # add_way 1: the customer scanned the employee's QR code.
                oper_userid=customer.external_userid if add_way == 1 else userid,
            )
        )
        fields: Fields = {"UserID": userid, "ExternalUserID": customer.external_userid}
        if state:
            fields["State"] = state
        fields["WelcomeCode"] = wecom_id(self.people.rng, "", 43)
        self.callbacks.emit(corp_id, "change_external_contact", "add_external_contact", fields)
        return customer

    def customer_deletes_employee(
        self, corp_id: str, userid: str, external_userid: str
    ) -> list[PendingCallback]:
        """The customer removed the employee from WeChat → ``del_follow_user``.

        The relation is gone from the API afterwards (❓ WeCom keeps showing the
        customer in the employee's client, marked as lost).
        """
        self._drop_relation(corp_id, userid, external_userid)
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "del_follow_user",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    def employee_deletes_customer(
        self, corp_id: str, userid: str, external_userid: str
    ) -> list[PendingCallback]:
        """The employee deleted the customer in the client → ``del_external_contact``."""
        self._drop_relation(corp_id, userid, external_userid)
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "del_external_contact",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    def employee_edits_customer(
        self,
        corp_id: str,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> list[PendingCallback]:
        """Remark, description or tags changed in the WeCom client → ``edit_external_contact``."""
        org = self._org(corp_id)
        relation = org.follow(userid, external_userid)
        if relation is None:
            raise KeyError(f"{userid} does not follow {external_userid}")
        if remark is not None:
            relation.remark = remark
        if description is not None:
            relation.description = description
        for tag_id in add_tags:
            self._live_tag(org, tag_id)
            if tag_id not in relation.tag_ids:
                relation.tag_ids.append(tag_id)
        removed = set(remove_tags)
        relation.tag_ids = [t for t in relation.tag_ids if t not in removed]
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "edit_external_contact",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    # -- directory -------------------------------------------------------------------

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

    # -- corp tag library (admin console) ---------------------------------------------

    def create_tag_group(
        self, corp_id: str, group_name: str, tag_names: Iterable[str]
    ) -> CorpTagGroup:
        """An admin creates a tag group with its tags → one ``create`` for the group."""
        org = self._org(corp_id)
        now = self._now()
        group = CorpTagGroup(
            group_id=wecom_id(self.people.rng, "et"), group_name=group_name, create_time=now
        )
        org.tag_groups[group.group_id] = group
        for name in tag_names:
            self._new_tag(org, group, name)
        self._tag_event(corp_id, group.group_id, "tag_group", "create")
        return group

    def add_corp_tag(self, corp_id: str, group_id: str, name: str) -> CorpTag:
        org = self._org(corp_id)
        tag = self._new_tag(org, org.tag_groups[group_id], name)
        self._tag_event(corp_id, tag.id, "tag", "create")
        return tag

    def rename_corp_tag(self, corp_id: str, tag_id: str, name: str) -> list[PendingCallback]:
        tag = self._live_tag(self._org(corp_id), tag_id)
        tag.name = name
        return self._tag_event(corp_id, tag_id, "tag", "update")

    def delete_corp_tag(self, corp_id: str, tag_id: str) -> list[PendingCallback]:
        """The tag disappears from every customer too, with no per-customer callback."""
        org = self._org(corp_id)
        self._live_tag(org, tag_id).deleted = True
        _untag_everyone(org, {tag_id})
        return self._tag_event(corp_id, tag_id, "tag", "delete")

    def delete_tag_group(self, corp_id: str, group_id: str) -> list[PendingCallback]:
        org = self._org(corp_id)
        group = org.tag_groups[group_id]
        group.deleted = True
        for tag_id in group.tag_ids:
            org.tags[tag_id].deleted = True
        _untag_everyone(org, set(group.tag_ids))
        return self._tag_event(corp_id, group_id, "tag_group", "delete")

    # -- customer group chats ----------------------------------------------------------

    def create_group_chat(
        self,
        corp_id: str,
        owner: str,
        members: Iterable[str] = (),
        *,
        name: str = "",
        notice: str = "",
    ) -> GroupChat:
        """An employee creates a customer group chat → ``change_external_chat`` / ``create``."""
        org = self._org(corp_id)
        self._active_employee(org, owner)
        now = self._now()
        chat = GroupChat(
            chat_id=wecom_id(self.people.rng, "wr", 30),
            name=name,
            owner=owner,
            create_time=now,
            notice=notice,
            members=[GroupChatMember(userid=owner, type=1, join_time=now)],
            member_version=self.people.rng.randbytes(16).hex(),
        )
        for userid in members:
            if userid != owner:
                chat.members.append(_new_member(org, userid, now, 1, owner))
        org.group_chats[chat.chat_id] = chat
        self.callbacks.emit(corp_id, "change_external_chat", "create", {"ChatId": chat.chat_id})
        return chat

    def join_group_chat(
        self,
        corp_id: str,
        chat_id: str,
        members: Iterable[str],
        *,
        join_scene: int = 1,
        invitor: str | None = None,
    ) -> list[PendingCallback]:
        """People join → ``update`` / ``add_member``.

        ``join_scene`` is the member list's (1 invited, 2 invite link, 3 QR code); the
        callback's JoinScene folds both invitations into 0 and keeps 3 (⚠️).
        """
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        joined = [m for m in dict.fromkeys(members) if chat.member(m) is None]
        now = self._now()
        for userid in joined:
            chat.members.append(_new_member(org, userid, now, join_scene, invitor or chat.owner))
        callback_scene = 3 if join_scene == 3 else 0
        return self._chat_update(corp_id, chat, "add_member", joined, {"JoinScene": callback_scene})

    def leave_group_chat(
        self, corp_id: str, chat_id: str, members: Iterable[str], *, quit_scene: int = 0
    ) -> list[PendingCallback]:
        """People leave → ``update`` / ``del_member`` (QuitScene 0 left, 1 removed)."""
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        gone = set(members)
        left = [m.userid for m in chat.members if m.userid in gone and m.userid != chat.owner]
        chat.members = [m for m in chat.members if m.userid not in set(left)]
        chat.admin_list = [a for a in chat.admin_list if a not in set(left)]
        return self._chat_update(corp_id, chat, "del_member", left, {"QuitScene": quit_scene})

    def rename_group_chat(self, corp_id: str, chat_id: str, name: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.name = name
        return self._chat_update(corp_id, chat, "change_name", [], {})

    def change_group_notice(self, corp_id: str, chat_id: str, notice: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.notice = notice
        return self._chat_update(corp_id, chat, "change_notice", [], {})

    def change_group_owner(
        self, corp_id: str, chat_id: str, new_owner: str
    ) -> list[PendingCallback]:
        org = self._org(corp_id)
        chat = _live_chat(org, chat_id)
        self._active_employee(org, new_owner)
        if chat.member(new_owner) is None:
            chat.members.append(_new_member(org, new_owner, self._now(), 1, chat.owner))
        chat.owner = new_owner
        chat.status = GroupChatStatus.NORMAL
        return self._chat_update(corp_id, chat, "change_owner", [], {})

    def dismiss_group_chat(self, corp_id: str, chat_id: str) -> list[PendingCallback]:
        chat = _live_chat(self._org(corp_id), chat_id)
        chat.dismissed = True
        return self.callbacks.emit(
            corp_id, "change_external_chat", "dismiss", {"ChatId": chat.chat_id}
        )

    # -- helpers -----------------------------------------------------------------------

    def _active_employee(self, org: Org, userid: str) -> Employee:
        employee = org.employees.get(userid)
        if employee is None or employee.status == EmployeeStatus.LEFT:
            raise KeyError(f"no active employee {userid!r} in {org.corp_id}")
        return employee

    def _live_tag(self, org: Org, tag_id: str) -> CorpTag:
        tag = org.tags.get(tag_id)
        if tag is None or tag.deleted:
            raise KeyError(f"no corp tag {tag_id!r}")
        return tag

    def _new_tag(self, org: Org, group: CorpTagGroup, name: str) -> CorpTag:
        tag = CorpTag(
            id=wecom_id(self.people.rng, "et"),
            name=name,
            group_id=group.group_id,
            create_time=self._now(),
        )
        org.tags[tag.id] = tag
        group.tag_ids.append(tag.id)
        return tag

    def _tag_event(
        self, corp_id: str, item_id: str, tag_type: str, change_type: str
    ) -> list[PendingCallback]:
        return self.callbacks.emit(
            corp_id, "change_external_tag", change_type, {"Id": item_id, "TagType": tag_type}
        )

    def _chat_update(
        self,
        corp_id: str,
        chat: GroupChat,
        detail: ChatChange,
        changed: list[str],
        extra: Fields,
    ) -> list[PendingCallback]:
        fields: Fields = {"ChatId": chat.chat_id, "UpdateDetail": detail}
        if detail in ("add_member", "del_member"):
            fields.update(extra)
            fields["MemChangeCnt"] = len(changed)
            fields["MemChangeList"] = changed
            fields["LastMemVer"] = chat.member_version
            chat.member_version = self.people.rng.randbytes(16).hex()
            fields["CurMemVer"] = chat.member_version
        return self.callbacks.emit(corp_id, "change_external_chat", "update", fields)

    def _drop_relation(self, corp_id: str, userid: str, external_userid: str) -> None:
        if self._org(corp_id).remove_follow(userid, external_userid) is None:
            raise KeyError(f"{userid} does not follow {external_userid}")


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


def _untag_everyone(org: Org, tag_ids: set[str]) -> None:
    for relations in org.follows_by_user.values():
        for relation in relations.values():
            if tag_ids.intersection(relation.tag_ids):
                relation.tag_ids = [t for t in relation.tag_ids if t not in tag_ids]


def _live_chat(org: Org, chat_id: str) -> GroupChat:
    chat = org.group_chats[chat_id]
    if chat.dismissed:
        raise ValueError(f"group chat {chat_id} was dismissed")
    return chat


def _new_member(org: Org, userid: str, now: int, join_scene: int, invitor: str) -> GroupChatMember:
    if userid in org.employees:
        member_type = 1
    elif userid in org.customers:
        member_type = 2
    else:
        raise KeyError(f"{userid!r} is neither an employee nor a customer of {org.corp_id}")
    return GroupChatMember(
        userid=userid, type=member_type, join_time=now, join_scene=join_scene, invitor=invitor
    )
