"""The compliance console: archive search, context, conversations, export, saved
searches, keyword alerts and rules, legal holds, and (for admins) the audit log.

Pages and their JSON APIs live under ``/console/compliance/`` (the console's session
cookie is scoped to ``/console``), one module per page, each ending with its route list;
:mod:`.common` holds the viewer guard they share. The tenant always comes from the
session (``who.corp``), never from the URL or a form.
"""

from __future__ import annotations

from wecom_app.consoles import web
from wecom_app.consoles.compliance import alerts, audit, context, holds, search
from wecom_app.consoles.compliance.common import COMPLIANCE, PREFIX
from wecom_app.consoles.i18n import N_

web.NOTICES.update(
    {
        "search_saved": N_("Search saved."),
        "search_deleted": N_("Saved search deleted."),
        "alert_acknowledged": N_("Alert acknowledged."),
        "rule_added": N_("Alert rule added."),
        "rule_updated": N_("Alert rule updated."),
        "hold_added": N_("Legal hold added."),
        "hold_released": N_("Legal hold released."),
    }
)
web.add_nav(N_("Search"), f"{PREFIX}/", COMPLIANCE)
web.add_nav(N_("Alerts"), f"{PREFIX}/alerts", COMPLIANCE)
web.add_nav(N_("Legal holds"), f"{PREFIX}/holds", ("compliance", "admin"))
web.add_nav(N_("Audit log"), f"{PREFIX}/audit", ("admin",))

# The compliance console's pages, in the order their routes are mounted.
PAGES = (search, context, alerts, holds, audit)
