"""Compliance jobs: the retention purge and the alert notification outbox.

``retention-purge`` (hourly) removes each tenant's messages past its retention period,
except those under legal hold (:mod:`wecom_app.search.retention`).
``compliance-alert-notify`` (every 30 s) sends due keyword-alert notifications through
WeCom and reschedules failures
(:func:`wecom_app.search.alert_notifications.send_pending_notifications`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wecom_app.jobs.scheduler import Scheduler
    from wecom_app.services import Services

log = logging.getLogger(__name__)

PURGE_INTERVAL_S = 3600.0
NOTIFY_INTERVAL_S = 30.0


def register(scheduler: Scheduler, services: Services) -> None:
    async def purge() -> None:
        from wecom_app.search.retention import purge_all

        results = await purge_all(now=services.clock(), media_dir=services.settings.media_dir)
        for result in results:
            if result.messages:
                log.info(
                    "retention purge: corp %s removed %d messages, %d media files, kept %d on hold",
                    result.corp_pk,
                    result.messages,
                    result.media,
                    result.kept_on_hold,
                )

    async def notify() -> None:
        from wecom_app.search.alert_notifications import send_pending_notifications

        await send_pending_notifications(services)

    scheduler.every("retention-purge", PURGE_INTERVAL_S, purge)
    scheduler.every("compliance-alert-notify", NOTIFY_INTERVAL_S, notify)
