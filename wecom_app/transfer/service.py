"""The transfer feature's front door: plan, submit, run, reconcile — with WeCom access.

The CLI, the console and the periodic job all go through :class:`TransferService`::

    service = TransferService.of(services)
    plan, _ = await service.plan(corp, "zhangwei", PlanOptions(strategy="least_loaded"))
    print(await service.preview(plan))
    await service.submit(plan)          # marks it running and sends what may go now
    ...                                 # the job calls service.run_due() every minute

One run over a plan (:meth:`TransferService.run`) holds a KV lock on the plan, so
several worker processes never work one plan at once, and does, in order: settle items
left ``submitting`` (ask WeCom), apply the rules again, send the due items, tell the
successors, ask WeCom about due transfers, carry completed customers over, and close
the plan with a summary when everything is final.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

from wecom_app.kv import KV, LockTimeout
from wecom_app.protocol.digits import is_digits
from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferPlan
from wecom_app.transfer import checking, drafting, editing, executor, notify, rules, tracker
from wecom_app.transfer import departures as leavers
from wecom_app.transfer.context import BeforeCall, RunContext, RunReport
from wecom_app.transfer.editing import EditResult
from wecom_app.transfer.options import PlanError, PlanOptions
from wecom_app.transfer.preview import preview as preview_plan
from wecom_app.transfer.preview import progress as plan_progress
from wecom_app.wecom import CorpAPI
from wecom_app.wecom.message import MessageAPI
from wecom_app.wecom.transfer import TransferAPI
from wecom_app.wecom_access import WeComAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

# Longer than any run: a lock left by a killed worker frees itself after this.
PLAN_LOCK_S = 600.0
# A summary that could not be sent when the plan closed is retried for this long.
SUMMARY_RETRY_S = 86400.0


class TransferService:
    def __init__(
        self,
        wecom: WeComAccess,
        kv: KV,
        *,
        clock: Callable[[], float] = time.time,
        concurrency: int = 10,
        before_call: BeforeCall | None = None,
    ) -> None:
        self.wecom = wecom
        self.kv = kv
        self.clock = clock
        self.concurrency = concurrency
        # A fault-injection seam: called between marking items and the WeCom call.
        self.before_call = before_call

    @classmethod
    def of(cls, services: Services) -> TransferService:
        return cls(services.wecom, services.kv_store, clock=services.clock)

    # -- WeCom access --------------------------------------------------------------------

    async def _context(self, corp: Corp, plan: TransferPlan, report: RunReport) -> RunContext:
        tokens = await self.wecom.corp_tokens(corp.corp_id)
        client = self.wecom.client
        messages = MessageAPI(client, tokens, corp.agent_id) if is_digits(corp.agent_id) else None
        return RunContext(
            corp=corp,
            plan=plan,
            transfers=TransferAPI(client, tokens),
            corp_api=CorpAPI(client, tokens),
            messages=messages,
            clock=self.clock,
            report=report,
            before_call=self.before_call,
            concurrency=self.concurrency,
        )

    # -- planning (our database only) ----------------------------------------------------

    async def plan(
        self,
        corp: Corp,
        handover_userid: str,
        options: PlanOptions | None = None,
        *,
        source: str = "admin",
        created_by: str = "",
    ) -> tuple[TransferPlan, bool]:
        return await drafting.create_plan(
            corp,
            handover_userid,
            options,
            now=self.clock(),
            source=source,
            created_by=created_by,
        )

    async def get_plan(self, corp: Corp, plan_id: int) -> TransferPlan:
        plan = await TransferPlan.filter(corp_id=corp.id, id=plan_id).first()
        if plan is None:
            raise PlanError("unknown_plan", f"no transfer plan {plan_id}")
        return plan

    async def preview(self, plan: TransferPlan) -> dict[str, Any]:
        return await preview_plan(plan, now=self.clock())

    async def progress(self, plan: TransferPlan) -> dict[str, Any]:
        await plan.refresh_from_db()
        return await plan_progress(plan)

    async def edit(
        self,
        plan: TransferPlan,
        refs: list[int | str],
        *,
        takeover: str | None = None,
        exclude: bool = False,
        include: bool = False,
        expect_version: int | None = None,
    ) -> EditResult:
        await plan.refresh_from_db()
        return await editing.edit_items(
            plan,
            refs,
            now=self.clock(),
            takeover=takeover,
            exclude=exclude,
            include=include,
            expect_version=expect_version,
        )

    async def replan(self, plan: TransferPlan, options: PlanOptions) -> int:
        await plan.refresh_from_db()
        return await editing.replan(plan, options, now=self.clock())

    async def cancel(self, plan: TransferPlan) -> int:
        await plan.refresh_from_db()
        return await editing.cancel_plan(plan, now=self.clock())

    # -- running -------------------------------------------------------------------------

    async def submit(
        self, plan: TransferPlan, *, expect_version: int | None = None, run: bool = True
    ) -> RunReport:
        """Start a draft plan (``draft → running``) and make its first run (``run=False``:
        leave the run to the caller, e.g. a background task after an HTTP answer)."""
        await plan.refresh_from_db()
        if plan.status not in rules.OPEN_PLAN:
            raise PlanError("plan_closed", f"plan {plan.id} is {plan.status}")
        if expect_version is not None and expect_version != plan.version:
            raise PlanError(
                "stale_version",
                f"the plan changed since it was previewed (version {plan.version}, "
                f"previewed {expect_version}); preview it again",
            )
        if plan.status == rules.DRAFT:
            now = self.clock()
            await TransferPlan.filter(id=plan.id, status=rules.DRAFT).update(
                status=rules.RUNNING, submitted_at=now, updated_at=now
            )
        if not run:
            await plan.refresh_from_db()
            return RunReport(plan.id)
        return await self.run(plan)

    async def run(self, plan: TransferPlan) -> RunReport:
        """One pass over a running plan (see the module docstring); never two at once."""
        report = RunReport(plan.id)
        try:
            async with self.kv.lock(
                f"transfer:plan:{plan.id}", timeout=PLAN_LOCK_S, blocking_timeout=0
            ):
                await plan.refresh_from_db()
                corp = await Corp.get(id=plan.corp_id)
                if plan.status == rules.RUNNING:
                    ctx = await self._context(corp, plan, report)
                    await self._run(ctx)
                elif plan.status in rules.CLOSED and not plan.summary_sent:
                    # The run that closed the plan could not send the summary: retry.
                    ctx = await self._context(corp, plan, report)
                    await notify.send_summary(ctx)
        except LockTimeout:
            report.busy = True
        return report

    async def _run(self, ctx: RunContext) -> None:
        await executor.reconcile_submitting(ctx)
        await checking.check_plan(ctx.plan, now=ctx.now())
        await executor.submit_due(ctx)
        await notify.notify_successors(ctx)
        await tracker.poll_due(ctx)
        await tracker.complete_done(ctx)
        if await tracker.finish_if_complete(ctx):
            ctx.report.finished = True
        if ctx.plan.status in (rules.PLAN_DONE, rules.PLAN_CANCELLED):
            await notify.send_summary(ctx)

    async def run_due(self, corp: Corp | None = None) -> list[RunReport]:
        """Run every running plan (of ``corp``, or of every tenant)."""
        since = self.clock() - SUMMARY_RETRY_S
        query = TransferPlan.filter(
            Q(status=rules.RUNNING)
            | Q(status__in=list(rules.CLOSED), summary_sent=False, finished_at__gte=since)
        )
        if corp is not None:
            query = query.filter(corp_id=corp.id)
        reports = []
        for plan in await query.order_by("id"):
            try:
                reports.append(await self.run(plan))
            except Exception as exc:  # one tenant's trouble must not stop the others
                log.warning("transfer plan %s: run failed: %s", plan.id, type(exc).__name__)
                failed = RunReport(plan.id)
                failed.errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")
                reports.append(failed)
        return reports

    # -- departures ----------------------------------------------------------------------

    async def departures(self, corp: Corp) -> list[leavers.Departure]:
        return await leavers.departures(corp)

    async def reconcile(self, corp: Corp) -> leavers.ReconcileReport:
        """Ask WeCom who left with customers or chats waiting; draft or extend plans."""
        tokens = await self.wecom.corp_tokens(corp.corp_id)
        client = self.wecom.client
        return await leavers.reconcile(
            corp, TransferAPI(client, tokens), CorpAPI(client, tokens), now=self.clock()
        )
