"""Periodic transfer jobs.

- ``transfer-run`` (every minute): one run over every running plan — send what may go
  now (retries, chats held back by the 300-a-day limit), ask WeCom about transfers that
  are due, carry completed customers over, close finished plans.
- ``transfer-reconcile`` (hourly): ask WeCom who left with customers or group chats
  waiting for a new owner (``get_unassigned_list``, ``groupchat/list`` with
  ``status_filter=1``), catching departures whose callbacks never came.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from wecom_app.store.models import Corp
from wecom_app.transfer import TransferService
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.jobs.scheduler import Scheduler
    from wecom_app.services import Services

log = logging.getLogger(__name__)

RUN_INTERVAL_S = 60.0
RECONCILE_INTERVAL_S = 3600.0


def register(scheduler: Scheduler, services: Services) -> None:
    async def run() -> None:
        for report in await TransferService.of(services).run_due():
            if report.submitted or report.resolved or report.finished or report.errors:
                log.info("transfer %s", report.line())

    async def reconcile() -> None:
        service = TransferService.of(services)
        for corp in await Corp.filter(status="active"):
            try:
                result = await service.reconcile(corp)
            except (WeComError, NoAccess) as exc:
                # One tenant without the permission (or credentials) must not stop others.
                log.warning("transfer reconcile %s: %s", corp.corp_id, type(exc).__name__)
                continue
            if result.leavers:
                log.info(
                    "transfer reconcile %s: %d leavers, %d customers waiting, %d plans drafted",
                    corp.corp_id,
                    result.leavers,
                    result.unassigned_customers,
                    len(result.plans_drafted),
                )

    scheduler.every("transfer-run", RUN_INTERVAL_S, run)
    scheduler.every("transfer-reconcile", RECONCILE_INTERVAL_S, reconcile)
