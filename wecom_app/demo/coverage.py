"""What the sidebar shows for the demo's customers, asked of the sidebar itself.

After the archive is pulled, :func:`sidebar_coverage` opens the sidebar profile (the
same :func:`sidebar.profile.build` the sidebar API answers with) of a sample of
customers as the employee who follows them, and counts those with chat history and with
insights (active hours, reply times, keywords) — one company, so most have both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sidebar import access, profile
from sidebar.tenant import TenantSettings

if TYPE_CHECKING:
    from wecom_app.simulator.state import Org
    from wecom_app.store.models import Corp

SAMPLE = 24


@dataclass(frozen=True)
class Coverage:
    sampled: int
    with_history: int
    with_insights: int


def _has_insights(insights: dict[str, Any]) -> bool:
    """Active hours charted and something said both ways."""
    hours = insights.get("active_hours") or []
    return bool(hours) and bool(insights.get("sent")) and bool(insights.get("received"))


async def sidebar_coverage(corp: Corp, org: Org, sample: int = SAMPLE) -> Coverage:
    customers = sorted(org.customers)
    step = max(1, len(customers) // sample)
    sampled = history = insights = 0
    for external_userid in customers[::step][:sample]:
        followers = [r.userid for r in org.followers(external_userid) if r.userid in org.employees]
        if not followers:
            continue
        sampled += 1
        grant = await access.customer_grant(
            corp.pk, followers[0], external_userid, successor_view=True
        )
        if grant is None:
            continue
        document = await profile.build(
            corp.pk, external_userid, grant, TenantSettings(), now=time.time()
        )
        history += bool(document["messages"]["items"])
        insights += _has_insights(document["insights"])
    return Coverage(sampled, history, insights)
