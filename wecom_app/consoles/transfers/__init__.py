"""The transfers console: who left with customers, plans, live progress, results.

JSON API (admin role; POSTs need the CSRF token in ``X-CSRF-Token``), all under
``/console/api/transfers``:

=======  ============================  ==================================================
GET      ``/departures``               leavers with unassigned customers and chats
GET      ``/plans``                    plans with progress (``?status=draft|running|…``)
POST     ``/plans``                    draft one: ``{handover_userid, strategy,
                                       successors, keep_tag_together, tag_group_id,
                                       transfer_success_msg}`` (201; 200 = the open one)
GET      ``/plans/{id}``               live progress (counts by status and successor)
GET      ``/plans/{id}/preview``       the rules applied now, per successor, blocked items
GET      ``/plans/{id}/items``         results with reasons (``status, kind, successor,
                                       offset, limit``)
POST     ``/plans/{id}/items``         edit ``{items: [ids or customer/chat ids],
                                       successor | exclude | include, version}``
POST     ``/plans/{id}/replan``        assign unsent items again with other options
POST     ``/plans/{id}/submit``        start it (``{version}``); runs in the background
POST     ``/plans/{id}/cancel``        unsent items are cancelled
GET      ``/plans/{id}/export.csv``    every item with its result
GET/POST ``/settings``                 the tenant's transfer settings
=======  ============================  ==================================================

Pages: ``/console/transfers`` (departures and plans) and ``/console/transfers/{id}``. The
tenant always comes from the session (``who.corp``), never from the URL.

Handlers live by page, each module with its own route list: :mod:`.plans` (departures,
the plan list, drafting), :mod:`.plan_view` (one plan: progress, preview, items, CSV),
:mod:`.plan_actions` (one plan changed: edits, replan, submit, cancel), :mod:`.settings`
(the tenant's transfer settings); :mod:`.shared` and :mod:`.inputs` hold what they share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from wecom_app.consoles import web
from wecom_app.consoles.i18n import N_
from wecom_app.consoles.transfers import plan_actions, plan_view, plans, settings
from wecom_app.consoles.transfers.shared import ADMIN, PAGES

if TYPE_CHECKING:
    from wecom_app.services import Services

web.NOTICES.update(
    {
        "plan_drafted": N_("Plan drafted. Check the preview, then submit."),
        "plan_exists": N_("This employee already has an open plan; here it is."),
        "plan_submitted": N_("Plan submitted: transfers are being sent to WeCom."),
        "plan_cancelled": N_("Plan cancelled: nothing more will be sent."),
        "plan_edited": N_("Plan updated."),
    }
)
web.add_nav(N_("Transfers"), PAGES, ADMIN)


def routes(services: Services) -> list[BaseRoute]:
    """Every transfers page and API route, in the order the pages list them."""
    site = web.console(services)
    return [
        *plans.routes(site),
        *plan_view.routes(site),
        *plan_actions.routes(site),
        *settings.routes(site),
    ]
