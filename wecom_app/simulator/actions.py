"""What people do in WeCom, and the callback each change causes.

These are the changes the API cannot make: a customer adds or deletes an employee,
an employee edits a customer in the WeCom client, an admin changes the directory or the
tag library, people join and leave customer group chats. Each one changes the world
and records the callback WeCom sends for it (wecom-protocol.md §3; Docs 92277,
96361), for the corp's self-built app and for every suite the corp authorised.

Mixed into :class:`~wecom_app.simulator.simulator.Simulator`, one mixin per kind of
change: customers (:mod:`.actions_customers`), the directory (:mod:`.actions_directory`),
the corp tag library (:mod:`.actions_tags`), customer group chats (:mod:`.actions_chats`).
A bad argument (an unknown userid, a relation that does not exist) is a bug in the test
and raises.
"""

from __future__ import annotations

from collections.abc import Callable

from wecom_app.simulator.emitter import CallbackOutbox
from wecom_app.simulator.generator import PeopleFactory
from wecom_app.simulator.state import (
    CorpTag,
    Employee,
    EmployeeStatus,
    Org,
    World,
)


class WorldActions:
    """What every kind of action needs: the world, its clock, new people, the outbox."""

    world: World
    clock: Callable[[], float]
    people: PeopleFactory
    callbacks: CallbackOutbox

    def _org(self, corp_id: str) -> Org:
        return self.world.orgs[corp_id]

    def _now(self) -> int:
        return int(self.clock())

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
