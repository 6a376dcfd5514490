"""Background work: periodic jobs, one module per feature with ``register(scheduler, services)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wecom_app.jobs.scheduler import Scheduler
    from wecom_app.services import Services


def register_jobs(scheduler: Scheduler, services: Services) -> None:
    from wecom_app.jobs import archive, retention, sync, transfer

    for module in (sync, archive, transfer, retention):
        module.register(scheduler, services)
