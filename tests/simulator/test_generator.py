"""The seeded org generator: deterministic, realistic in shape, fast at 20,000 customers."""

from __future__ import annotations

from collections import Counter

from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.names import CUSTOMER_FACING, TAG_GROUPS
from wecom_app.simulator.state import CustomerType


def _is_chinese(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_same_seed_builds_the_same_org() -> None:
    first = generate_org(42, customers=1500, employees=40)
    second = generate_org(42, customers=1500, employees=40)
    assert first == second
    assert list(first.customers) == list(second.customers)  # same order too


def test_different_seeds_build_different_orgs() -> None:
    first = generate_org(1, customers=200)
    second = generate_org(2, customers=200)
    assert first.corp_id != second.corp_id
    assert set(first.customers).isdisjoint(second.customers)


def test_twenty_thousand_customers() -> None:
    # How fast: bench/sync.py and bench/transfer.py generate their orgs the same way.
    org = generate_org(7, customers=20_000, employees=150)
    assert len(org.customers) == 20_000
    assert org.relation_count() >= 20_000


def test_customers_look_like_wecom_customers() -> None:
    org = generate_org(3, customers=2000, employees=40)
    customers = list(org.customers.values())
    assert all(c.external_userid[:2] in ("wm", "wo") for c in customers)
    assert all(len(c.external_userid) == 32 for c in customers)
    kinds = Counter(c.type for c in customers)
    assert 0.7 < kinds[CustomerType.WECHAT] / len(customers) < 0.9
    wecom = [c for c in customers if c.type == CustomerType.WECOM]
    assert all(c.corp_name and c.corp_full_name.endswith("公司") for c in wecom)
    assert all(_is_chinese(c.name) for c in customers)
    # Real surname frequencies make duplicate names common; search must live with them.
    assert Counter(c.name for c in customers).most_common(1)[0][1] >= 3


def test_follow_relations_are_mostly_single_with_some_shared() -> None:
    org = generate_org(5, customers=3000, employees=50)
    follower_counts = Counter(len(org.followers(e)) for e in org.customers)
    assert set(follower_counts) <= {1, 2, 3}
    assert follower_counts[1] / 3000 > 0.75
    assert follower_counts[2] > 0
    assert follower_counts[3] > 0
    for relations in org.follows_by_user.values():
        times = [r.createtime for r in relations.values()]
        assert times == sorted(times)  # listed oldest first
        for relation in relations.values():
            assert len(relation.remark) <= 20
            assert all(t in org.tags for t in relation.tag_ids)


def test_only_customer_facing_members_hold_customers() -> None:
    org = generate_org(9, customers=1000, employees=60)
    for userid in org.follows_by_user:
        employee = org.employees[userid]
        assert employee.customer_contact
        department = org.departments[employee.departments[0]].name
        assert department in CUSTOMER_FACING or employee.departments == [1]


def test_directory_is_a_tree_with_pinyin_userids() -> None:
    org = generate_org(4, customers=100, employees=80)
    assert org.departments[1].parent_id == 0
    for department in org.departments.values():
        if department.id != 1:
            assert department.parent_id in org.departments
    assert len(org.employees) == 80
    for userid, employee in org.employees.items():
        assert userid.isascii()
        assert userid.isalnum()
        assert _is_chinese(employee.name)
        assert employee.open_userid.startswith("wo")


def test_tag_library_and_group_chats() -> None:
    org = generate_org(6, customers=800, employees=30)
    assert [g.group_name for g in org.tag_groups.values()] == [name for name, _ in TAG_GROUPS]
    assert all(t.id.startswith("et") for t in org.tags.values())
    assert len(org.group_chats) == 20
    for chat in org.group_chats.values():
        assert chat.chat_id.startswith("wr")
        assert chat.members[0].userid == chat.owner
        kinds = {m.type for m in chat.members}
        assert kinds == {1, 2}
        for member in chat.members:
            if member.type == 2:
                assert member.userid in org.customers
            else:
                assert member.userid in org.employees
        assert set(chat.admin_list) <= {m.userid for m in chat.members}
