"""Periodic jobs of the directory feature; each is one cheap query when idle.

- ``install-exchanges`` (5 s): exchange auth codes recorded by ``create_auth`` /
  ``reset_permanent_code`` handlers (when the immediate background exchange did not
  happen), and give up on expired or interrupted ones;
- ``directory-sync`` (10 s): run every sync that is due — queued, paused past its
  ``retry_at``, failed (with backoff), or abandoned by a crashed process;
- ``directory-reconcile`` (10 min): queue a full run for each active tenant whose last
  complete run is a day old, to catch what callbacks missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wecom_app.jobs.scheduler import Scheduler
    from wecom_app.services import Services

INSTALL_EVERY_S = 5.0
SYNC_EVERY_S = 10.0
RECONCILE_EVERY_S = 600.0


def register(scheduler: Scheduler, services: Services) -> None:
    from wecom_app import sync
    from wecom_app.install.exchange import process_pending_installs

    async def exchanges() -> None:
        await process_pending_installs(services)

    async def due() -> None:
        await sync.run_due_syncs(services)

    async def reconcile() -> None:
        await sync.queue_reconciles(services)

    scheduler.every("install-exchanges", INSTALL_EVERY_S, exchanges)
    scheduler.every("directory-sync", SYNC_EVERY_S, due)
    scheduler.every("directory-reconcile", RECONCILE_EVERY_S, reconcile)
