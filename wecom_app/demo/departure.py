"""The demo's departure story (step 8): two employees leave, one is handed over.

WeCom's operator controls (:mod:`wecom_app.simulator.operator`) make two customer-facing
employees leave — WeCom sends ``delete_user`` for each, the product records the
departures. The first, :attr:`DepartureStory.waiting`, keeps their customers and group
chats: the console's departures page has work. The second is handed over by the script,
the way an admin would: a plan to one colleague, submitted; one customer refuses; the
shared clock is advanced by a day (WeCom completes transfers 24 h after they start);
the plan runs to its final states; the successor's sidebar now shows an inherited
customer with the predecessor's archived conversations marked as such.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import httpx

from sidebar import access, profile
from sidebar.tenant import TenantSettings
from wecom_app.simulator.operator import operator_of
from wecom_app.store import inbox
from wecom_app.store.transfer import CustomerTransfer, TransferItem, TransferPlan
from wecom_app.transfer import PlanOptions, TransferService, rules

if TYPE_CHECKING:
    from wecom_app.demo.steps import Say
    from wecom_app.services import Services
    from wecom_app.simulator.simulator import Simulator
    from wecom_app.simulator.state import Org
    from wecom_app.store.models import Corp

A_DAY_AND_A_BIT_S: Final = 24 * 3600 + 120
STORY_TIMEOUT_S: Final = 30.0
INHERITED_LOOKS: Final = 12  # inherited customers whose sidebar the story looks at


@dataclass
class DepartureStory:
    waiting: str  # left, customers and chats still assigned
    handed_over: str  # left, handed over by the script
    successor: str
    plan_status: str = ""
    items: dict[str, int] = field(default_factory=dict)  # item status → count
    inherited: str = ""  # a customer the successor inherited, with history
    predecessor_messages: int = 0  # of the predecessor's, in the successor's sidebar


def cast_for_story(org: Org, keep: set[str]) -> tuple[str, str, str]:
    """(waiting, handed_over, successor): the busiest sellers not in ``keep``, the
    first owning a group chat if any does."""
    sellers = sorted(
        (e.userid for e in org.active_employees() if e.customer_contact and e.userid not in keep),
        key=lambda u: (-len(org.follows_by_user.get(u, {})), u),
    )
    owners = {c.owner for c in org.group_chats.values() if not c.dismissed}
    waiting = next((u for u in sellers if u in owners), sellers[0])
    rest = [u for u in sellers if u != waiting]
    return waiting, rest[0], rest[-1]


async def departure_story(
    services: Services,
    sim: Simulator,
    org: Org,
    corp: Corp,
    http: httpx.AsyncClient,
    base: str,
    say: Say,
    *,
    keep: set[str],
) -> DepartureStory:
    waiting, handed_over, successor = cast_for_story(org, keep)
    story = DepartureStory(waiting, handed_over, successor)
    operator = operator_of(sim)
    operator.callback_base = base
    deadline = time.monotonic() + STORY_TIMEOUT_S
    names = {u: org.employees[u].name for u in (waiting, handed_over, successor)}
    customers = list(org.follows_by_user.get(handed_over, {}))
    for userid in (waiting, handed_over):
        operator.leave(userid, org.corp_id)
        say(f"   - {names[userid]} ({userid}) leaves the company (delete_user)")
    await operator.deliver(http)
    await _applied(deadline)
    chats = sum(1 for c in org.group_chats.values() if c.owner == waiting)
    say(
        f"   {names[waiting]} left {len(org.follows_by_user.get(waiting, {}))} customers and "
        f"{chats} group chats waiting: the console's departures page lists them"
    )
    service = TransferService.of(services)
    plan, _ = await service.plan(
        corp, handed_over, PlanOptions(successors=(successor,)), created_by="demo"
    )
    if customers:
        operator.refuse(customers[-1], org.corp_id)  # one customer says no
    await service.submit(plan)
    say(
        f"   {names[handed_over]}'s {len(customers)} customers are handed over to "
        f"{names[successor]} ({successor}); one customer refuses"
    )
    operator.advance(A_DAY_AND_A_BIT_S)
    say("   the simulator clock advances by 24 h: WeCom completes the transfers")
    await operator.deliver(http)  # transfer_fail for the refusal
    await _applied(deadline)
    while True:
        await service.run(plan)
        await plan.refresh_from_db()
        if plan.status in rules.CLOSED or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    story.plan_status = plan.status
    story.items = await _item_counts(plan)
    say(f"   the plan is {plan.status}: " + ", ".join(f"{k} {v}" for k, v in story.items.items()))
    await _inherited(corp, story)
    if story.inherited:
        name = org.customers[story.inherited].name
        say(
            f"   {names[successor]}'s sidebar shows {name}, inherited from "
            f"{names[handed_over]}, with {story.predecessor_messages} of the predecessor's "
            "messages marked as such"
        )
    return story


async def _applied(deadline: float) -> None:
    while True:
        counts = await inbox.backlog()
        if not counts.get("pending") and not counts.get("processing"):
            return
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def _item_counts(plan: TransferPlan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in await TransferItem.filter(plan_id=plan.id):
        counts[item.status] = counts.get(item.status, 0) + 1
    return dict(sorted(counts.items()))


async def _inherited(corp: Corp, story: DepartureStory) -> None:
    """The inherited customer with the most predecessor messages in the sidebar."""
    moved = await CustomerTransfer.filter(
        corp_id=corp.pk, from_userid=story.handed_over, to_userid=story.successor
    ).values_list("external_userid", flat=True)
    for external_userid in sorted(str(e) for e in moved)[:INHERITED_LOOKS]:
        grant = await access.customer_grant(
            corp.pk, story.successor, str(external_userid), successor_view=True
        )
        if grant is None:
            continue
        document = await profile.build(
            corp.pk, str(external_userid), grant, TenantSettings(), now=time.time()
        )
        items = document["messages"]["items"]
        marked = sum(1 for m in items if m.get("predecessor"))
        if marked > story.predecessor_messages:
            story.inherited, story.predecessor_messages = str(external_userid), marked
