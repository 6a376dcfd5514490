"""A seeded org generator: the same seed gives the same org, field for field.

Everything random comes from one ``random.Random(seed)``, consumed in a fixed order,
and times are offsets from a fixed ``now`` — never the wall clock — so two runs with
the same arguments build equal :class:`~wecom_app.simulator.state.Org` objects.

The shape follows a sales org using WeCom: a department tree, sales and service people
in WeCom's customer-contact range, thousands of customers (mostly WeChat users, some
WeCom users with a company), most followed by one employee and some shared by two or
three, a corp tag library, and customer group chats. 20,000 customers take well under
a few seconds: ids come from ``randbytes`` and nothing is quadratic.
"""

from __future__ import annotations

import base64
import itertools
import random
from dataclasses import dataclass

from wecom_app.simulator import names
from wecom_app.simulator.state import (
    CorpTag,
    CorpTagGroup,
    Customer,
    CustomerType,
    Department,
    Employee,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    Org,
)

DEFAULT_NOW = 1_700_000_000
_TWO_YEARS = 2 * 365 * 86400
_REMARK_MAX = 20  # WeCom's limit on a remark, in characters


def wecom_id(rng: random.Random, prefix: str, length: int = 32) -> str:
    """An id shaped like WeCom's (``wm…``, ``wo…``, ``et…``, ``wr…``): prefix + base64url."""
    body = base64.urlsafe_b64encode(rng.randbytes(length)).decode()
    return (prefix + body.replace("=", ""))[:length]


def hex_id(rng: random.Random, prefix: str, hex_chars: int) -> str:
    return prefix + rng.randbytes((hex_chars + 1) // 2).hex()[:hex_chars]


@dataclass(frozen=True)
class Company:
    full_name: str
    short_name: str


class PeopleFactory:
    """Chinese names, companies and customers from a seeded random source.

    Shared by the generator and by the simulator (a customer who adds an employee
    later is made the same way as the ones generated up front).
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _, _ in names.SURNAMES]
        self._surname_pinyin = {s: p for s, p, _ in names.SURNAMES}
        self._surname_weights = list(itertools.accumulate(w for _, _, w in names.SURNAMES))

    def gender(self) -> int:
        return 1 if self.rng.random() < 0.5 else 2

    def name_and_pinyin(self, gender: int) -> tuple[str, str]:
        surname = self.rng.choices(self._surnames, cum_weights=self._surname_weights)[0]
        pool = names.GIVEN_MALE if gender == 1 else names.GIVEN_FEMALE
        count = 2 if self.rng.random() < 0.65 else 1
        given = [self.rng.choice(pool) for _ in range(count)]
        name = surname + "".join(c for c, _ in given)
        pinyin = self._surname_pinyin[surname] + "".join(p for _, p in given)
        return name, pinyin

    def company(self) -> Company:
        city = self.rng.choice(names.CITIES)
        brand = self.rng.choice(names.BRANDS)
        industry = self.rng.choice(names.INDUSTRIES)
        suffixes = [s for s, _ in names.COMPANY_SUFFIXES]
        weights = [w for _, w in names.COMPANY_SUFFIXES]
        suffix = self.rng.choices(suffixes, weights=weights)[0]
        return Company(full_name=f"{city}{brand}{industry}{suffix}", short_name=brand + industry)

    def mobile(self) -> str:
        return "1" + self.rng.choice("3456789") + f"{self.rng.randrange(10**9):09d}"

    def customer(self, *, wecom_user: bool | None = None) -> Customer:
        """A new external contact: ~80% WeChat users, the rest WeCom users with a company."""
        rng = self.rng
        is_wecom = rng.random() < 0.2 if wecom_user is None else wecom_user
        gender = self.gender() if rng.random() < 0.9 else 0
        name, _ = self.name_and_pinyin(gender or 1)
        if not is_wecom and rng.random() < 0.08:
            name = rng.choice(names.WECHAT_NICKNAMES)
        external_userid = wecom_id(rng, "wo" if is_wecom else "wm")
        avatar = "https://wx.qlogo.cn/mmhead/" + wecom_id(rng, "", 40) + "/0"
        if is_wecom:
            company = self.company()
            return Customer(
                external_userid=external_userid,
                name=name,
                type=CustomerType.WECOM,
                avatar=avatar,
                gender=gender,
                corp_name=company.short_name,
                corp_full_name=company.full_name,
                position=rng.choice(names.CUSTOMER_POSITIONS),
            )
        unionid = wecom_id(rng, "o", 28) if rng.random() < 0.6 else ""
        return Customer(
            external_userid=external_userid,
            name=name,
            type=CustomerType.WECHAT,
            avatar=avatar,
            gender=gender,
            unionid=unionid,
        )


def generate_org(
    seed: int,
    *,
    customers: int = 2000,
    employees: int = 60,
    group_chats: int | None = None,
    corp_id: str | None = None,
    now: int = DEFAULT_NOW,
) -> Org:
    """Build an org deterministically from ``seed``."""
    rng = random.Random(seed)
    people = PeopleFactory(rng)
    company = people.company()
    org = Org(
        corp_id=corp_id or hex_id(rng, "ww", 16),
        name=company.short_name,
        full_name=company.full_name,
    )
    positions = _add_departments(org)
    _add_employees(org, people, positions, employees)
    _add_tag_library(org, rng, now)
    _add_customers(org, people, customers, now)
    chat_count = max(1, customers // 40) if group_chats is None else group_chats
    _add_group_chats(org, people, chat_count, now)
    return org


def _add_departments(org: Org) -> dict[int, tuple[str, ...]]:
    org.departments[1] = Department(id=1, name=org.name, parent_id=0, order=100000000)
    ids: dict[str, int] = {}
    positions: dict[int, tuple[str, ...]] = {1: ("总经理",)}
    for number, (name, parent, titles) in enumerate(names.DEPARTMENTS, start=2):
        parent_id = ids[parent] if parent else 1
        org.departments[number] = Department(
            id=number, name=name, parent_id=parent_id, order=100000000 - number * 1000
        )
        ids[name] = number
        positions[number] = titles
    return positions


def _add_employees(
    org: Org,
    people: PeopleFactory,
    positions: dict[int, tuple[str, ...]],
    count: int,
) -> None:
    rng = people.rng
    department_ids = [d for d in org.departments if d != 1]
    facing = [d for d in department_ids if org.departments[d].name in names.CUSTOMER_FACING]
    # Customer-facing departments are where most people of a sales org work.
    weights = [4.0 if d in facing else 1.0 for d in department_ids]
    taken: set[str] = set()
    for index in range(count):
        if index == 0:
            department = 1  # the boss
        elif index <= len(department_ids):
            department = department_ids[index - 1]  # every department has someone
        else:
            department = rng.choices(department_ids, weights=weights)[0]
        gender = people.gender()
        name, pinyin = people.name_and_pinyin(gender)
        userid = pinyin
        for suffix in itertools.count(2):
            if userid not in taken:
                break
            userid = f"{pinyin}{suffix}"
        taken.add(userid)
        is_leader = index <= len(department_ids)
        employee = Employee(
            userid=userid,
            name=name,
            departments=[department],
            position=rng.choice(positions[department]),
            gender=gender,
            mobile=people.mobile(),
            email=f"{userid}@{org.corp_id[2:10]}.example.cn",
            avatar="https://wework.qpic.cn/wwhead/" + wecom_id(rng, "", 40) + "/0",
            open_userid=wecom_id(rng, "wo"),
            is_leader_in_dept=[1 if is_leader else 0],
            customer_contact=department in facing or department == 1,
        )
        org.employees[userid] = employee
        if is_leader:
            org.departments[department].leaders.append(userid)


def _add_tag_library(org: Org, rng: random.Random, now: int) -> None:
    for group_index, (group_name, tag_names) in enumerate(names.TAG_GROUPS):
        created = now - _TWO_YEARS - rng.randrange(86400 * 30)
        group = CorpTagGroup(
            group_id=wecom_id(rng, "et"),
            group_name=group_name,
            create_time=created,
            order=len(names.TAG_GROUPS) - group_index,
        )
        for tag_index, tag_name in enumerate(tag_names):
            tag = CorpTag(
                id=wecom_id(rng, "et"),
                name=tag_name,
                group_id=group.group_id,
                create_time=created + tag_index,
                order=len(tag_names) - tag_index,
            )
            group.tag_ids.append(tag.id)
            org.tags[tag.id] = tag
        org.tag_groups[group.group_id] = group


# How likely a relation carries a tag of each group, and how many tags at most.
_TAG_ODDS: dict[str, tuple[float, int]] = {
    "客户等级": (0.7, 1),
    "意向产品": (0.5, 2),
    "来源渠道": (0.6, 1),
    "客户阶段": (0.6, 1),
    "所属行业": (0.4, 1),
}
_STATES = ("expo2023", "official_site", "douyin_live", "referral", "baidu_sem")


def _add_customers(org: Org, people: PeopleFactory, count: int, now: int) -> None:
    rng = people.rng
    sellers = [e.userid for e in org.employees.values() if e.customer_contact]
    # A few top sellers hold many customers, as in real orgs (a Pareto-ish skew).
    seller_weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in sellers))
    add_ways = [w for w, _ in names.ADD_WAYS]
    add_way_weights = [p for _, p in names.ADD_WAYS]
    tag_groups = list(org.tag_groups.values())
    relations: list[FollowRelation] = []
    for _ in range(count):
        customer = people.customer()
        org.customers[customer.external_userid] = customer
        roll = rng.random()
        follower_count = 1 if roll < 0.85 else 2 if roll < 0.97 else 3
        followers: list[str] = []
        while len(followers) < min(follower_count, len(sellers)):
            candidate = rng.choices(sellers, cum_weights=seller_weights)[0]
            if candidate not in followers:
                followers.append(candidate)
        for userid in followers:
            add_way = rng.choices(add_ways, weights=add_way_weights)[0]
            relations.append(
                FollowRelation(
                    userid=userid,
                    external_userid=customer.external_userid,
                    createtime=now - rng.randrange(_TWO_YEARS),
                    remark=_remark(rng, customer),
                    description=rng.choice(names.DESCRIPTIONS) if rng.random() < 0.25 else "",
                    tag_ids=_pick_tags(org, rng, tag_groups),
                    add_way=add_way,
                    state=rng.choice(_STATES) if rng.random() < 0.1 else "",
                    oper_userid=_operator(rng, add_way, userid, customer, sellers),
                    remark_corp_name=(
                        people.company().short_name
                        if customer.type == CustomerType.WECHAT and rng.random() < 0.15
                        else ""
                    ),
                    remark_mobiles=[people.mobile()] if rng.random() < 0.2 else [],
                )
            )
    relations.sort(key=lambda r: r.createtime)  # WeCom lists the oldest first
    for relation in relations:
        org.add_follow(relation)


def _remark(rng: random.Random, customer: Customer) -> str:
    if rng.random() >= 0.3:
        return ""
    detail = customer.corp_name or rng.choice(names.BRANDS)
    return f"{customer.name}-{detail}"[:_REMARK_MAX]


def _pick_tags(org: Org, rng: random.Random, groups: list[CorpTagGroup]) -> list[str]:
    chosen: list[str] = []
    for group in groups:
        odds, most = _TAG_ODDS.get(group.group_name, (0.3, 1))
        if rng.random() < odds:
            chosen.extend(rng.sample(group.tag_ids, rng.randint(1, most)))
    return chosen


def _operator(
    rng: random.Random, add_way: int, userid: str, customer: Customer, sellers: list[str]
) -> str:
    """``oper_userid``: who initiated the add (the customer, the member, or an admin)."""
    if add_way == 1:  # the customer scanned the employee's QR code
        return customer.external_userid
    if add_way in (201, 202):  # shared by a colleague / assigned by an admin
        return rng.choice(sellers)
    return userid


def _add_group_chats(org: Org, people: PeopleFactory, count: int, now: int) -> None:
    rng = people.rng
    owners = [u for u, rels in org.follows_by_user.items() if rels]
    if not owners:
        return
    colleagues = [e.userid for e in org.employees.values() if e.customer_contact]
    all_customers = list(org.customers)
    for number in range(1, count + 1):
        owner = rng.choice(owners)
        created = now - rng.randrange(_TWO_YEARS)
        own_customers = [r.external_userid for r in org.customers_of(owner)]
        size = rng.randint(3, 40)
        pool = own_customers if len(own_customers) >= size else all_customers
        external_members = rng.sample(pool, min(size, len(pool)))
        helpers = [c for c in rng.sample(colleagues, min(2, len(colleagues))) if c != owner]
        employee_members = [owner, *helpers[: rng.randint(0, 2)]]
        members = [
            GroupChatMember(
                userid=userid,
                type=1,
                join_time=created + offset,
                join_scene=1,
                invitor="" if userid == owner else owner,
            )
            for offset, userid in enumerate(employee_members)
        ]
        members.extend(
            GroupChatMember(
                userid=external_userid,
                type=2,
                join_time=created + rng.randrange(86400 * 30),
                join_scene=rng.choice((1, 2, 3)),
                invitor=owner,
            )
            for external_userid in external_members
        )
        first = org.customers[external_members[0]] if external_members else None
        chat = GroupChat(
            chat_id=wecom_id(rng, "wr", 30),
            name=_chat_name(rng, number, first),
            owner=owner,
            create_time=created,
            notice=rng.choice(names.GROUP_NOTICES) if rng.random() < 0.4 else "",
            members=members,
            admin_list=[m for m in employee_members[1:] if rng.random() < 0.5],
            member_version=rng.randbytes(16).hex(),
        )
        org.group_chats[chat.chat_id] = chat


def _chat_name(rng: random.Random, number: int, customer: Customer | None) -> str:
    if customer is not None and customer.corp_name:
        return f"{customer.corp_name}服务群"
    style = rng.random()
    if style < 0.4:
        return f"{rng.choice(names.BRANDS)}项目对接群"
    if style < 0.7:
        return f"VIP客户交流群{number}"
    return f"{rng.choice(names.CITIES)}客户服务{number}群"
