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
    roles,
    settings,
    setup,
    sync,
    tenant,
)
from wecom_app.consoles.admin.state import ADMIN, ANY_ROLE

web.NOTICES.update(
    {
        "sync_started": "Sync started.",
        "sync_busy": "A sync is already under way.",
        "replayed": "Events queued to be applied again.",
        "nothing_replayed": "No event to replay.",
        "role_granted": "Role granted.",
        "role_updated": "Role scope updated.",
        "role_revoked": "Role revoked.",
        "key_saved": "Private key stored.",
        "archive_saved": "Archive settings saved.",
        "app_saved": "App settings saved.",
        "reconnected": "WeCom accepts the credentials again.",
    }
)

for _label, _path, _roles in (
    ("Overview", "/console/", ANY_ROLE),
    ("Sync", "/console/sync", ADMIN),
    ("Callbacks", "/console/inbox", ADMIN),
    ("Archive", "/console/archive", ADMIN),
    ("Roles", "/console/roles", ADMIN),
    ("Licences", "/console/licences", ADMIN),
    ("App settings", "/console/settings", ADMIN),
    ("WeCom setup", "/console/setup", ADMIN),
):
    web.add_nav(_label, _path, _roles)

# The admin console's pages, in the order their routes are mounted.
PAGES = (home, tenant, settings, sync, inbox, archive, roles, licences, setup)
