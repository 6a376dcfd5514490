"""Compliance jobs: the retention purge and the alert notification outbox.

``retention-purge`` (hourly) removes each tenant's messages past its retention period,
except those under legal hold (:mod:`wecom_app.search.retention`).
``audit-checkpoint`` (every ``AUDIT_CHECKPOINT_INTERVAL``, an hour by default) verifies
every audit chain and writes the signed checkpoint outside the database
(:mod:`wecom_app.search.audit_checkpoint`); a broken chain is logged as an error.
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
        from wecom_app.search.audit import AuditKey
        from wecom_app.search.retention import purge_all

        settings = services.settings
        results = await purge_all(
            now=services.clock(), audit_key=AuditKey.of(settings), media_dir=settings.media_dir
        )
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

    async def checkpoint() -> None:
        from wecom_app.search import audit_checkpoint
        from wecom_app.search.audit import AuditKey

        settings = services.settings
        results = await audit_checkpoint.take(
            audit_checkpoint.path_of(settings), AuditKey.of(settings), now=services.clock()
        )
        for corp, result in results:
            for problem in result.problems:
                log.error(
                    "audit log of %s: at entry %d: %s", corp.corp_id, problem.seq, problem.message
                )

    scheduler.every("retention-purge", PURGE_INTERVAL_S, purge)
    scheduler.every(
        "audit-checkpoint", float(services.settings.audit_checkpoint_interval_s), checkpoint
    )
    scheduler.every("compliance-alert-notify", NOTIFY_INTERVAL_S, notify)
