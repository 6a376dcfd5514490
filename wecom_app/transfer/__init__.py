"""Customer transfer (issue 7): handing a leaver's or a role-changer's customers and group
chats to colleagues — planned, checked, submitted, tracked to the end.

- plans, before anything is sent: :mod:`.options` (what a plan is drafted with,
  :class:`PlanError`), :mod:`.holdings` (what the leaver holds), :mod:`.candidates`
  (who may take over, their loads), :mod:`.assignment` (the strategies, pure),
  :mod:`.drafting` (a plan and its items), :mod:`.checking` (WeCom's rules applied
  before submitting), :mod:`.editing` (edits, replan, cancel), :mod:`.preview`
  (progress and preview);
- :mod:`.executor` — batches of ≤ 100, each item sent at most once;
- :mod:`.tracker` — ``transfer_result`` polling, ``transfer_fail`` matching, completion;
- :mod:`.carryover` — :func:`carry_over`, what follows a customer to the successor (the
  hook other features extend with :func:`register_hook`);
- :mod:`.notify` — app messages to successors and the admin;
- :mod:`.departures` — the ``employee_resigned`` receiver and the periodic reconcile;
- :mod:`.service` — :class:`TransferService`, the front door for CLI, console and jobs.
"""

from wecom_app.transfer.carryover import Carried, Move, carry_over, carry_over_many, register_hook
from wecom_app.transfer.context import RunReport
from wecom_app.transfer.departures import on_employee_resigned
from wecom_app.transfer.editing import EditResult
from wecom_app.transfer.options import PlanError, PlanOptions
from wecom_app.transfer.service import TransferService
from wecom_app.transfer.tracker import on_transfer_fail

__all__ = [
    "Carried",
    "EditResult",
    "Move",
    "PlanError",
    "PlanOptions",
    "RunReport",
    "TransferService",
    "carry_over",
    "carry_over_many",
    "on_employee_resigned",
    "on_transfer_fail",
    "register_hook",
]
