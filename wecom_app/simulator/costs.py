"""What a full sync of a simulated org must cost at least, in WeCom calls.

Used by ``bench/sync.py`` and the sync tests to compare the calls a sync made with the
fewest WeCom's APIs allow for the same org:

==========================  =============================================================
token                       1 (``gettoken`` / ``get_corp_token``; 0 when the install
                            primed the token from ``get_permanent_code``)
departments                 1 ``department/list`` (the whole visible tree at once)
members                     1 ``user/list`` per department (it does not recurse, and
                            ``user/list_id`` gives ids without names or departments'
                            details to ordinary apps)
customer-contact members    1 ``get_follow_user_list`` (whom to ask for customers)
customers and relations     ``batch/get_by_user`` takes ≤ 100 members and returns ≤ 100
                            relations a page: per batch of 100 members (in userid
                            order), ``max(1, ceil(relations of the batch / 100))``
corp tags                   1 ``get_corp_tag_list`` (the whole library)
group chats                 ``max(1, ceil(chats / 1000))`` ``groupchat/list`` pages, and
                            1 ``groupchat/get`` per chat (the list has only ids)
chats of members who left   1 ``groupchat/list`` per 100 such owners (their chats are
                            listed only by owner)
==========================  =============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wecom_app.simulator.state import Org

BATCH_MEMBERS = 100
PAGE_RELATIONS = 100
CHAT_PAGE = 1000
OWNER_FILTER = 100


@dataclass(frozen=True)
class SyncCost:
    token: int
    departments: int
    members: int
    follow_users: int
    customer_pages: int
    tags: int
    chat_pages: int
    chat_gets: int
    resigned_owner_pages: int

    @property
    def total(self) -> int:
        return (
            self.token
            + self.departments
            + self.members
            + self.follow_users
            + self.customer_pages
            + self.tags
            + self.chat_pages
            + self.chat_gets
            + self.resigned_owner_pages
        )


def minimum_sync_calls(org: Org, *, token: int = 1, resigned_owners: int = 0) -> SyncCost:
    """The fewest calls a full sync of ``org`` can make (see the module docstring).

    ``resigned_owners``: members the app knows have left (their chats need asking by
    owner); ``token``: 1, or 0 when a token was handed over by the install.
    """
    followers = sorted(e.userid for e in org.active_employees() if e.customer_contact)
    pages = 0
    for start in range(0, len(followers), BATCH_MEMBERS):
        batch = followers[start : start + BATCH_MEMBERS]
        relations = sum(len(org.follows_by_user.get(u, {})) for u in batch)
        pages += max(1, math.ceil(relations / PAGE_RELATIONS))
    chats = sum(1 for c in org.group_chats.values() if not c.dismissed and c.owner in org.employees)
    return SyncCost(
        token=token,
        departments=1,
        members=len(org.departments),
        follow_users=1,
        customer_pages=pages,
        tags=1,
        chat_pages=max(1, math.ceil(chats / CHAT_PAGE)),
        chat_gets=chats,
        resigned_owner_pages=math.ceil(resigned_owners / OWNER_FILTER),
    )
