"""One demo company: the archive's cast taken from the org the directory sync brings in.

:func:`archive_cast` turns a generated :class:`~wecom_app.simulator.state.Org` into the
people and groups :func:`~wecom_app.simulator.archive_gen.generate_archive` talks with:
its customer-facing employees, every customer one of them follows (the first follower
is the one who chats with them), and its customer group chats with their members. An
archive made from that cast is the same company as the directory: every sender and
receiver is an employee or customer of the org (group robots aside, which WeCom lists
nowhere either).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wecom_app.simulator.archive_log import Group, Person
from wecom_app.simulator.state import Org

WECHAT = "微信"  # the company a WeChat customer shows in the archive's cast


@dataclass(frozen=True)
class Cast:
    """Who the archive's conversations are between."""

    corp_name: str
    employees: list[Person]
    customers: list[Person]
    owner: dict[str, str]  # customer → the employee who chats with them 1:1
    groups: list[Group] = field(default_factory=list)


def archive_cast(org: Org) -> Cast:
    """The cast of ``org``: customer-facing employees, their customers, their groups."""
    staff = [e for e in org.employees.values() if e.customer_contact]
    employees = [Person(e.userid, e.name, org.name) for e in staff]
    archived = {e.userid for e in staff}
    customers: list[Person] = []
    owner: dict[str, str] = {}
    for external_userid, customer in org.customers.items():
        followers = sorted(
            (r for r in org.followers(external_userid) if r.userid in archived),
            key=lambda r: r.createtime,
        )
        if not followers:
            continue
        customers.append(Person(external_userid, customer.name, customer.corp_name or WECHAT))
        owner[external_userid] = followers[0].userid
    groups: list[Group] = []
    for chat in org.group_chats.values():
        if chat.dismissed or chat.owner not in archived:
            continue
        members = tuple(
            m.userid
            for m in chat.members
            if (m.type == 1 and m.userid in archived) or (m.type == 2 and m.userid in org.customers)
        )
        groups.append(Group(chat.chat_id, chat.name, members))
    return Cast(org.name, employees, customers, owner, groups)
