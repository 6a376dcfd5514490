"""The admin console: tenant status and install, the self-built app's settings, sync,
callback inbox health, chat-archive keys, roles, and the URLs to enter in WeCom.

One module per page, each ending with its route list; :mod:`.state` holds the reads the
pages and their JSON APIs share, :mod:`.forms` the form-field readers. Every page is for
the signed-in admin of one tenant and reads and writes that tenant's rows only
(``who.scoped(...)``); nothing here takes a corp id from the URL or a form. Secrets go
in and never come out.
"""

from __future__ import annotations

from wecom_app.consoles import web
from wecom_app.consoles.admin import (
    archive,
    home,
    inbox,
    licences,
    people,
    roles,
    settings,
    setup,
    sync,
    tenant,
)
from wecom_app.consoles.admin.state import ADMIN, ANY_ROLE
from wecom_app.consoles.i18n import N_

web.NOTICES.update(
    {
        "sync_started": N_("Sync started."),
        "sync_busy": N_("A sync is already under way."),
        "replayed": N_("Events queued to be applied again."),
        "nothing_replayed": N_("No event to replay."),
        "role_granted": N_("Role granted."),
        "role_updated": N_("Role scope updated."),
        "role_revoked": N_("Role revoked."),
        "key_saved": N_("Private key stored."),
        "archive_saved": N_("Archive settings saved."),
        "app_saved": N_("App settings saved."),
        "reconnected": N_("WeCom accepts the credentials again."),
    }
)

for _label, _path, _roles in (
    (N_("Overview"), "/console/", ANY_ROLE),
    (N_("Sync"), "/console/sync", ADMIN),
    (N_("Callbacks"), "/console/inbox", ADMIN),
    (N_("Archive"), "/console/archive", ADMIN),
    (N_("Roles"), "/console/roles", ADMIN),
    (N_("Licences"), "/console/licences", ADMIN),
    (N_("App settings"), "/console/settings", ADMIN),
    (N_("WeCom setup"), "/console/setup", ADMIN),
):
    web.add_nav(_label, _path, _roles)

# The admin console's pages, in the order their routes are mounted.
PAGES = (home, tenant, settings, sync, inbox, archive, roles, licences, setup, people)
