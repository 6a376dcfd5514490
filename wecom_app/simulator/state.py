"""The simulated WeCom world, in plain dataclasses: orgs, people, customers, suites.

Nothing here does I/O or reads the wall clock; times are seconds on the simulator
clock (:class:`SimClock`), so tests can move time (token expiry, suite tickets, auth
code lifetimes) without sleeping. Two worlds built the same way compare equal, which
is what makes the generator's determinism testable.

Field names follow WeCom's JSON where one exists (``external_userid``, ``add_way``,
``oper_userid``), so the API layer is a thin rendering of these objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum


class SimClock:
    """The simulator's clock: settable and advanceable, never the wall clock."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class EmployeeStatus(IntEnum):
    """WeCom's ``status`` of a member, as user/get reports it."""

    ACTIVE = 1
    DISABLED = 2
    INACTIVE = 4
    LEFT = 5


class CustomerType(IntEnum):
    WECHAT = 1
    WECOM = 2


class GroupChatStatus(IntEnum):
    """``status`` in groupchat/list (Doc 92120): the follow-up state after an owner left."""

    NORMAL = 0
    OWNER_LEFT = 1  # 离职待继承
    INHERITING = 2  # 离职继承中
    INHERITED = 3  # 离职继承完成


@dataclass
class Department:
    id: int
    name: str
    parent_id: int  # 0 for the root
    order: int = 0
    name_en: str = ""
    leaders: list[str] = field(default_factory=list)


@dataclass
class Employee:
    userid: str
    name: str
    departments: list[int]
    position: str = ""
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    gender: int = 0  # 0 unknown, 1 male, 2 female
    mobile: str = ""
    email: str = ""
    avatar: str = ""
    open_userid: str = ""
    is_leader_in_dept: list[int] = field(default_factory=list)
    # In WeCom's 客户联系 range: appears in get_follow_user_list and may add customers.
    customer_contact: bool = True

    @property
    def main_department(self) -> int:
        return self.departments[0] if self.departments else 1


@dataclass
class Customer:
    """An external contact (外部联系人) as WeCom describes it to every corp."""

    external_userid: str
    name: str
    type: CustomerType = CustomerType.WECHAT
    avatar: str = ""
    gender: int = 0
    unionid: str = ""
    corp_name: str = ""  # WeCom customers only
    corp_full_name: str = ""
    position: str = ""


@dataclass
class FollowRelation:
    """One employee's side of a customer (``follow_user`` / ``follow_info``)."""

    userid: str
    external_userid: str
    createtime: int
    remark: str = ""
    description: str = ""
    tag_ids: list[str] = field(default_factory=list)
    add_way: int = 0
    state: str = ""
    oper_userid: str = ""
    remark_corp_name: str = ""
    remark_mobiles: list[str] = field(default_factory=list)


@dataclass
class CorpTag:
    id: str
    name: str
    group_id: str
    create_time: int
    order: int = 0
    deleted: bool = False


@dataclass
class CorpTagGroup:
    group_id: str
    group_name: str
    create_time: int
    order: int = 0
    tag_ids: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class GroupChatMember:
    userid: str  # an employee's userid or a customer's external_userid
    type: int  # 1 employee, 2 external contact
    join_time: int
    join_scene: int = 1  # 1 invited directly, 2 via link, 3 via QR code
    invitor: str = ""
    group_nickname: str = ""
    name: str = ""


@dataclass
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    notice: str = ""
    members: list[GroupChatMember] = field(default_factory=list)
    admin_list: list[str] = field(default_factory=list)
    status: GroupChatStatus = GroupChatStatus.NORMAL
    dismissed: bool = False
    # Changes whenever the member list does; callbacks carry the old and new value so
    # an app can skip groupchat/get when it already holds the current list.
    member_version: str = ""

    def member(self, userid: str) -> GroupChatMember | None:
        return next((m for m in self.members if m.userid == userid), None)


@dataclass
class SelfBuiltApp:
    """An org's own app: its secret for ``gettoken`` and its callback credentials."""

    agent_id: int
    secret: str
    callback_token: str
    callback_aes_key: str
    name: str = "客户助手"


@dataclass
class DepartedEmployee:
    """A member who left; kept for get_unassigned_list-style questions."""

    employee: Employee
    dimission_time: int


@dataclass
class Org:
    """One WeCom corp (企业) and everything in it."""

    corp_id: str
    name: str
    full_name: str = ""
    departments: dict[int, Department] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    departed: dict[str, DepartedEmployee] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    tag_groups: dict[str, CorpTagGroup] = field(default_factory=dict)
    tags: dict[str, CorpTag] = field(default_factory=dict)
    group_chats: dict[str, GroupChat] = field(default_factory=dict)
    app: SelfBuiltApp | None = None
    # Members with an active interface licence (接口调用许可); None during the trial,
    # when third-party customer APIs are not licence-checked.
    licensed_userids: set[str] | None = None
    # The same FollowRelation objects, indexed both ways; insertion order is the order
    # WeCom lists them in (oldest first), which pagination relies on.
    follows_by_user: dict[str, dict[str, FollowRelation]] = field(default_factory=dict)
    follows_by_customer: dict[str, dict[str, FollowRelation]] = field(default_factory=dict)

    # -- follow relations ------------------------------------------------------------

    def add_follow(self, relation: FollowRelation) -> None:
        self.follows_by_user.setdefault(relation.userid, {})[relation.external_userid] = relation
        self.follows_by_customer.setdefault(relation.external_userid, {})[relation.userid] = (
            relation
        )

    def remove_follow(self, userid: str, external_userid: str) -> FollowRelation | None:
        relation = self.follows_by_user.get(userid, {}).pop(external_userid, None)
        self.follows_by_customer.get(external_userid, {}).pop(userid, None)
        return relation

    def follow(self, userid: str, external_userid: str) -> FollowRelation | None:
        return self.follows_by_user.get(userid, {}).get(external_userid)

    def followers(self, external_userid: str) -> list[FollowRelation]:
        return list(self.follows_by_customer.get(external_userid, {}).values())

    def customers_of(self, userid: str) -> list[FollowRelation]:
        return list(self.follows_by_user.get(userid, {}).values())

    def relation_count(self) -> int:
        return sum(len(by_customer) for by_customer in self.follows_by_user.values())

    # -- directory -------------------------------------------------------------------

    def subdepartments(self, department_id: int) -> Iterator[Department]:
        """``department_id`` and every department below it, parents before children."""
        pending = [department_id]
        while pending:
            current = pending.pop(0)
            if current in self.departments:
                yield self.departments[current]
            pending.extend(d.id for d in self.departments.values() if d.parent_id == current)

    def active_employees(self) -> list[Employee]:
        return [e for e in self.employees.values() if e.status != EmployeeStatus.LEFT]

    def live_tags(self, group_id: str) -> list[CorpTag]:
        group = self.tag_groups[group_id]
        return [self.tags[t] for t in group.tag_ids if not self.tags[t].deleted]


@dataclass
class Suite:
    """A third-party suite (应用套件) registered with the simulated WeCom."""

    suite_id: str
    secret: str
    token: str
    aes_key: str
    name: str = "智能侧边栏"
    # The corp id of the provider that owns the suite: WeCom encrypts the GET that
    # verifies the suite's command and data URLs with it (wecom-protocol.md §1).
    provider_corp_id: str = ""
    # Every ticket pushed and when: a ticket stays valid for 30 minutes even after a
    # newer one was pushed (wecom-protocol.md §2).
    tickets: dict[str, float] = field(default_factory=dict)
    last_ticket_push: float | None = None

    @property
    def current_ticket(self) -> str:
        """The newest ticket pushed ("" before the first push)."""
        return max(self.tickets, key=self.tickets.__getitem__, default="")


@dataclass
class Authorization:
    """A corp's install of a suite; ``active`` turns False when the corp cancels."""

    suite_id: str
    corp_id: str
    permanent_code: str
    agent_id: int
    installer_userid: str
    state: str = ""
    auth_type: int = 0  # 0 formal, 1 test
    active: bool = True


@dataclass
class AuthCode:
    """A temporary auth code: 10 minutes, single use."""

    code: str
    suite_id: str
    corp_id: str
    expires_at: float
    used: bool = False


@dataclass
class PreAuthCode:
    code: str
    suite_id: str
    expires_at: float
    auth_type: int = 0
    appids: list[int] = field(default_factory=list)


@dataclass
class World:
    orgs: dict[str, Org] = field(default_factory=dict)
    suites: dict[str, Suite] = field(default_factory=dict)
    authorizations: dict[tuple[str, str], Authorization] = field(default_factory=dict)
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    pre_auth_codes: dict[str, PreAuthCode] = field(default_factory=dict)

    def active_authorizations(self, corp_id: str) -> list[Authorization]:
        return [a for a in self.authorizations.values() if a.corp_id == corp_id and a.active]
