"""Periodic chat-archive jobs (each runs in one process at a time: the scheduler's lock).

- ``archive-pull`` (every minute): pull every tenant with archiving enabled — the
  safety net under ``msgaudit_notify`` (a lost or late notify delays, never loses).
- ``archive-media`` (every 15 s, ≤ 60 s of work a run): the media queue, apart from
  text, on a separate source handle.
- ``archive-parked`` (every 2 minutes): parked messages whose key has arrived.
- ``archive-permit-users`` (every 6 hours): mirror ``get_permit_user_list``.
- ``archive-idle-sources`` (every 5 minutes): destroy SDK handles unused for 10 minutes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from wecom_app.archive.runtime import runtime_for

if TYPE_CHECKING:
    from wecom_app.jobs.scheduler import Scheduler
    from wecom_app.services import Services

log = logging.getLogger(__name__)

PULL_INTERVAL_S: Final = 60.0
MEDIA_INTERVAL_S: Final = 15.0
MEDIA_BUDGET_S: Final = 60.0
PARKED_INTERVAL_S: Final = 120.0
PERMIT_INTERVAL_S: Final = 6 * 3600.0
IDLE_INTERVAL_S: Final = 300.0
IDLE_AFTER_S: Final = 600.0


def register(scheduler: Scheduler, services: Services) -> None:
    # Made here, during start-up and outside any transaction, so that its pull tasks
    # never inherit one (see wecom_app.archive.runtime).
    runtime = runtime_for(services)

    async def pull() -> None:
        for corp_id, report in (await runtime.pull_enabled()).items():
            if report.stored or report.error:
                log.info(
                    "archive pull %s: %d stored (%d parked, %d failed) to seq %d%s",
                    corp_id,
                    report.stored,
                    report.parked,
                    report.failed,
                    report.seq,
                    f"; error {report.error_code}" if report.error else "",
                )

    async def media() -> None:
        await runtime.download_media_enabled(MEDIA_BUDGET_S)

    async def parked() -> None:
        await runtime.retry_parked_enabled()

    async def permit_users() -> None:
        await runtime.sync_permit_users_enabled()

    async def idle() -> None:
        await runtime.close_idle(IDLE_AFTER_S)

    scheduler.every("archive-pull", PULL_INTERVAL_S, pull)
    scheduler.every("archive-media", MEDIA_INTERVAL_S, media)
    scheduler.every("archive-parked", PARKED_INTERVAL_S, parked)
    scheduler.every("archive-permit-users", PERMIT_INTERVAL_S, permit_users)
    scheduler.every("archive-idle-sources", IDLE_INTERVAL_S, idle)
