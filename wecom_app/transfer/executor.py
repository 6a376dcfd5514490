"""Sending a plan's items to WeCom, each at most once.

Items go in batches of at most 100 per successor (``transfer_customer`` /
``resigned/transfer_customer``, ``groupchat/onjob_transfer`` / ``groupchat/transfer``).
Before a call, its items are switched ``planned → submitting`` with a fresh
``submit_token`` in a committed transaction, conditional on still being ``planned``
with the same successor: an edit or a second worker racing us simply does not match.
The answer is then recorded per item:

* errcode 0 → ``waiting`` (customers: WeCom takes over in 24 h) or ``done`` (chats);
* -1 / 45033 (busy) → ``planned`` again, sent in a later run (``failed`` after
  :data:`~wecom_app.transfer.rules.MAX_ATTEMPTS`);
* any other errcode → ``failed``, with the errcode and what it means.

When the call's outcome is unknown (sent, no usable answer) or a worker died between
marking and recording, the items stay ``submitting``; :func:`reconcile_submitting`
later asks WeCom (``transfer_result``, ``groupchat/get``) and adopts what it says, and
only an item WeCom has no record of is sent again — never one blindly.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from wecom_app.directory import timeline
from wecom_app.store.directory import GroupChat
from wecom_app.store.sql import chunks
from wecom_app.store.transfer import TransferItem
from wecom_app.transfer import rules
from wecom_app.transfer.context import RunContext
from wecom_app.transfer.tracker import apply_results, fetch_results
from wecom_app.wecom import transfer as transfer_api
from wecom_app.wecom.errors import (
    AuthCancelled,
    Busy,
    InvalidCredential,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
    Unreachable,
    WeComError,
)
from wecom_app.wecom.transfer import CHAT_DAILY_LIMIT, CustomerOutcome, FailedChat

log = logging.getLogger(__name__)

# Request-level errors that say nothing about the items: stop, send them later.
_STOP = (TokenInvalid, AuthCancelled, InvalidCredential, PermissionDenied)


class Stop(Exception):
    """Submitting must pause for this run (rate limit, credentials, network)."""


async def submit_due(ctx: RunContext) -> None:
    """Send every planned item that may go now, batch by batch."""
    plan = ctx.plan
    now = ctx.now()
    rows = (
        await TransferItem.filter(plan_id=plan.id, status=rules.PLANNED, not_before__lte=now)
        .order_by("id")
        .values("id", "kind", "takeover_userid")
    )
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        if row["takeover_userid"]:
            groups[(row["kind"], row["takeover_userid"])].append(row["id"])
    try:
        for (kind, takeover), ids in groups.items():
            for chunk in chunks(ids, rules.BATCH_SIZE):
                await _send(ctx, kind, takeover, chunk)
    except Stop as stop:
        ctx.report.stopped = str(stop)


async def _send(ctx: RunContext, kind: str, takeover: str, ids: Sequence[int]) -> None:
    plan = ctx.plan
    token = secrets.token_hex(16)
    now = ctx.now()
    async with in_transaction():
        # The idempotency marker, committed before the call.
        claimed = await TransferItem.filter(
            id__in=list(ids), status=rules.PLANNED, takeover_userid=takeover
        ).update(
            status=rules.SUBMITTING,
            submit_token=token,
            submitting_at=now,
            uncertain=False,
            mode=plan.mode,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    if not claimed:
        return
    batch = await TransferItem.filter(submit_token=token, status=rules.SUBMITTING).values(
        "id", "target_id", "attempts", "label"
    )
    item_ids = [b["id"] for b in batch]
    if ctx.before_call is not None:
        await ctx.before_call(kind, item_ids)
    resigned = plan.mode == rules.RESIGNED
    ctx.report.submitted += len(batch)
    targets = [b["target_id"] for b in batch]
    try:
        if kind == rules.CUSTOMER:
            outcomes: (
                list[CustomerOutcome] | list[FailedChat]
            ) = await ctx.transfers.transfer_customer(
                plan.handover_userid,
                takeover,
                targets,
                transfer_success_msg=plan.transfer_success_msg or None,
                resigned=resigned,
            )
        else:
            outcomes = await ctx.transfers.transfer_group_chats(
                targets, takeover, resigned=resigned
            )
    except Unreachable as exc:
        if exc.retry_safe:  # it never reached WeCom
            await _release(ctx, token, batch, f"WeCom unreachable: {exc.errmsg}")
        else:
            await TransferItem.filter(submit_token=token, status=rules.SUBMITTING).update(
                uncertain=True, reason="sent, but WeCom's answer was lost; asking WeCom"
            )
            ctx.report.uncertain += len(batch)
        raise Stop("WeCom unreachable") from None
    except (RateLimited, Busy) as exc:
        # 45009/45033/-1 after the client's own retries: WeCom did not take the call.
        await _release(ctx, token, batch, rules.explain_errcode(exc.errcode))
        raise Stop(f"errcode {exc.errcode}") from None
    except _STOP as exc:
        await _release(ctx, token, batch, rules.explain_errcode(exc.errcode))
        ctx.report.errors.append(str(exc))
        raise Stop(f"errcode {exc.errcode}") from None
    except WeComError as exc:
        # WeCom refused the whole call (an unknown successor, handover = takeover, ...).
        await _record(ctx, token, kind, {b["id"]: exc.errcode for b in batch}, batch, takeover)
        return
    if kind == rules.CUSTOMER:
        answers = {o.external_userid: o.errcode for o in outcomes if isinstance(o, CustomerOutcome)}
        codes = {b["id"]: answers.get(b["target_id"]) for b in batch}
    else:
        failed = {o.chat_id: o.errcode for o in outcomes if isinstance(o, FailedChat)}
        codes = {b["id"]: failed.get(b["target_id"], 0) for b in batch}
    await _record(ctx, token, kind, codes, batch, takeover)


async def _release(ctx: RunContext, token: str, batch: Sequence[dict[str, Any]], why: str) -> None:
    """Back to ``planned`` (WeCom did not take the call), or ``failed`` past the limit."""
    now = ctx.now()
    spent = [b["id"] for b in batch if b["attempts"] >= rules.MAX_ATTEMPTS]
    again = [b["id"] for b in batch if b["attempts"] < rules.MAX_ATTEMPTS]
    async with in_transaction():
        if again:
            await TransferItem.filter(
                id__in=again, submit_token=token, status=rules.SUBMITTING
            ).update(status=rules.PLANNED, submitting_at=None, reason=why, updated_at=now)
        if spent:
            await TransferItem.filter(
                id__in=spent, submit_token=token, status=rules.SUBMITTING
            ).update(
                status=rules.FAILED,
                errcode=-1,
                reason=f"gave up after {rules.MAX_ATTEMPTS} attempts: {why}",
                finished_at=now,
                updated_at=now,
            )
    ctx.report.retry_later += len(again)
    ctx.report.failed += len(spent)


async def _record(
    ctx: RunContext,
    token: str,
    kind: str,
    codes: dict[int, int | None],
    batch: Sequence[dict[str, Any]],
    takeover: str,
) -> None:
    """Store each item's answer (None: missing from the answer → ask WeCom later)."""
    now = ctx.now()
    plan = ctx.plan
    attempts = {b["id"]: b["attempts"] for b in batch}
    accepted = [i for i, c in codes.items() if c == 0]
    missing = [i for i, c in codes.items() if c is None]
    # A chat answered with the daily-limit code waits for tomorrow (see wecom.transfer).
    tomorrow = [i for i, c in codes.items() if kind == rules.CHAT and c == CHAT_DAILY_LIMIT]
    transient = [i for i, c in codes.items() if c in rules.TRANSIENT and i not in tomorrow]
    refused: dict[int, list[int]] = defaultdict(list)
    for item_id, code in codes.items():
        if code is not None and code != 0 and code not in rules.TRANSIENT:
            refused[code].append(item_id)
    mine = TransferItem.filter(submit_token=token, status=rules.SUBMITTING)
    async with in_transaction():
        if accepted:
            items = TransferItem.filter(
                id__in=accepted, submit_token=token, status=rules.SUBMITTING
            )
            if kind == rules.CHAT:
                await items.update(
                    status=rules.DONE,
                    errcode=0,
                    reason="",
                    accepted_at=now,
                    finished_at=now,
                    updated_at=now,
                )
                chat_ids = [b["target_id"] for b in batch if b["id"] in set(accepted)]
                await GroupChat.filter(corp_id=plan.corp_id, chat_id__in=chat_ids).update(
                    owner=takeover, wecom_status=3 if plan.mode == rules.RESIGNED else 0
                )
            else:
                await items.update(
                    status=rules.WAITING,
                    errcode=0,
                    reason="",
                    accepted_at=now,
                    due_at=now + rules.TAKEOVER_DELAY_S + rules.POLL_SLACK_S,
                    updated_at=now,
                )
                await _timeline_started(
                    ctx, [b for b in batch if b["id"] in set(accepted)], takeover
                )
        if missing:
            await mine.filter(id__in=missing).update(
                uncertain=True, reason="WeCom's answer did not mention it; asking WeCom"
            )
        for item_id in transient:
            if attempts[item_id] >= rules.MAX_ATTEMPTS:
                await mine.filter(id=item_id).update(
                    status=rules.FAILED,
                    errcode=codes[item_id] or -1,
                    reason=f"gave up after {rules.MAX_ATTEMPTS} attempts: WeCom was busy",
                    finished_at=now,
                    updated_at=now,
                )
                ctx.report.failed += 1
            else:
                await mine.filter(id=item_id).update(
                    status=rules.PLANNED,
                    submitting_at=None,
                    reason=_retry_reason(codes[item_id]),
                    updated_at=now,
                )
                ctx.report.retry_later += 1
        if tomorrow:
            next_day = rules.china_day_start(rules.china_day(now) + 1)
            await mine.filter(id__in=tomorrow).update(
                status=rules.PLANNED,
                submitting_at=None,
                not_before=next_day,
                reason="over WeCom's 300 group chats a day for this pair: sent again tomorrow",
                updated_at=now,
            )
            ctx.report.retry_later += len(tomorrow)
        for code, ids in refused.items():
            await mine.filter(id__in=ids).update(
                status=rules.FAILED,
                errcode=code,
                reason=rules.explain_errcode(code),
                finished_at=now,
                updated_at=now,
            )
    ctx.report.accepted += len(accepted)
    ctx.report.uncertain += len(missing)
    ctx.report.failed += sum(len(v) for v in refused.values())


def _retry_reason(errcode: int | None) -> str:
    if errcode == transfer_api.CHAT_INHERITING:
        return rules.explain_errcode(errcode)
    return "WeCom was busy"


async def _timeline_started(
    ctx: RunContext, batch: Sequence[dict[str, Any]], takeover: str
) -> None:
    plan = ctx.plan
    at = int(ctx.now())
    await timeline.record(
        plan.corp_id,
        [
            timeline.Entry(
                external_userid=b["target_id"],
                userid=plan.handover_userid,
                kind="transfer_started",
                occurred_at=at,
                key_parts=(plan.id, b["id"]),
                detail={"to_userid": takeover, "mode": plan.mode, "plan_id": plan.id},
            )
            for b in batch
        ],
    )


async def reconcile_submitting(ctx: RunContext) -> None:
    """Settle items left ``submitting`` by a dead worker or a lost answer: ask WeCom."""
    plan = ctx.plan
    now = ctx.now()
    rows = await TransferItem.filter(plan_id=plan.id, status=rules.SUBMITTING).values(
        "id", "kind", "target_id", "takeover_userid", "submitting_at", "uncertain", "mode"
    )
    abandoned = [
        r for r in rows if r["uncertain"] or (r["submitting_at"] or 0) <= now - rules.SUBMIT_LEASE_S
    ]
    if not abandoned:
        return
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    chats: list[dict[str, Any]] = []
    for row in abandoned:
        if row["kind"] == rules.CUSTOMER:
            pairs[(row["mode"] or plan.mode, row["takeover_userid"])].append(row)
        else:
            chats.append(row)
    for (mode, takeover), items in pairs.items():
        results = await fetch_results(ctx, mode, takeover)
        unknown: list[int] = []
        adopt: list[dict[str, Any]] = []
        for item in items:
            record = results.get(item["target_id"])
            if record is None or record.status == 5:
                unknown.append(item["id"])
            elif record.status in (3, 4) and await _older_attempt(ctx, item):
                # A refusal or limit from an earlier transfer of the same customer to the
                # same successor, not ours: ours never reached WeCom.
                unknown.append(item["id"])
            else:
                adopt.append(item)
        if unknown:
            # WeCom has no record of them and the call is over: sending is safe now.
            await TransferItem.filter(id__in=unknown, status=rules.SUBMITTING).update(
                status=rules.PLANNED,
                uncertain=False,
                submitting_at=None,
                reason="not received by WeCom; sent again",
                updated_at=now,
            )
        if adopt:
            await apply_results(ctx, adopt, results, from_status=rules.SUBMITTING)
        ctx.report.reconciled += len(items)
    for item in chats:
        try:
            chat = await ctx.corp_api.groupchat.get(item["target_id"])
        except WeComError as exc:
            await TransferItem.filter(id=item["id"], status=rules.SUBMITTING).update(
                status=rules.FAILED,
                errcode=exc.errcode,
                reason=rules.explain_errcode(exc.errcode),
                finished_at=now,
                updated_at=now,
            )
            ctx.report.reconciled += 1
            continue
        if chat.owner == item["takeover_userid"]:
            await TransferItem.filter(id=item["id"], status=rules.SUBMITTING).update(
                status=rules.DONE, accepted_at=now, finished_at=now, reason="", updated_at=now
            )
            await GroupChat.filter(corp_id=plan.corp_id, chat_id=item["target_id"]).update(
                owner=chat.owner, wecom_status=3 if item["mode"] == rules.RESIGNED else 0
            )
        else:
            await TransferItem.filter(id=item["id"], status=rules.SUBMITTING).update(
                status=rules.PLANNED,
                uncertain=False,
                submitting_at=None,
                reason="not received by WeCom; sent again",
                updated_at=now,
            )
        ctx.report.reconciled += 1


async def _older_attempt(ctx: RunContext, item: dict[str, Any]) -> bool:
    return await TransferItem.filter(
        corp_id=ctx.plan.corp_id,
        kind=rules.CUSTOMER,
        target_id=item["target_id"],
        takeover_userid=item["takeover_userid"],
        accepted_at__not_isnull=True,
        id__lt=item["id"],
    ).exists()
