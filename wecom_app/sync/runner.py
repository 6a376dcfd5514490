"""The full sync of one corp: resumable, streaming, with as few WeCom calls as possible.

Stages, in order (``SyncRun.stage``)::

    departments  department/list                       1 call
    employees    user/list per department              1 call each
    tags         get_corp_tag_list                     1 call
    customers    get_follow_user_list, then batch/get_by_user for 100 members at a
                 time, 100 relations a page            Σ ceil(relations of batch / 100)
    group_chats  groupchat/list (1000 a page), then groupchat/get per chat
    finalize     what a complete run did not see is marked gone (no calls)

Every page is written together with the position after it (``SyncRun.state``) in one
transaction, so a crash or an error resumes at the first page not yet stored: nothing
is fetched twice except the one page in flight, and nothing is stored twice (every
write is an upsert). Pages are written as they arrive: memory holds one page.

A run is claimed by a heartbeat in its state; another process (or the job) takes it
over only when the heartbeat is older than :data:`STALE_AFTER_S`. Statuses: ``queued``
→ ``running`` → ``done``, or ``paused`` (rate limited, busy, token trouble: resumed
after ``state["retry_at"]``), ``failed`` (resumed with a longer backoff, then only by
``wecom-app sync``), ``cancelled`` (the tenant uninstalled), ``superseded`` (a new full
run replaced it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from wecom_app import signals, timeline
from wecom_app.store.db import dialect
from wecom_app.store.directory import FollowRelation, GroupChat, SyncRun
from wecom_app.store.models import Corp, Employee
from wecom_app.sync import store
from wecom_app.wecom import (
    AuthCancelled,
    Busy,
    CorpAPI,
    InvalidCredential,
    RateLimited,
    TokenInvalid,
    WeComError,
)
from wecom_app.wecom.external_contact import MAX_BATCH_LIMIT, MAX_BATCH_USERIDS
from wecom_app.wecom.groupchat import MAX_LIST_LIMIT, MAX_OWNER_FILTER
from wecom_app.wecom.groupchat import GroupChat as WeComGroupChat
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

STAGES = ("departments", "employees", "tags", "customers", "group_chats", "finalize")
UNFINISHED = ("queued", "running", "paused", "failed")
# A running run whose heartbeat is older than this is taken over (its process died).
STALE_AFTER_S = 120.0
# Chats read at once (groupchat/get is one call per chat; the client caps concurrency).
CHAT_CONCURRENCY = 10
# A failed run is retried by the job with backoff this many times, then left to people.
MAX_AUTO_ATTEMPTS = 6
# groupchat/list without an owner filter fails past 1000 members in the visible range.
TOO_MANY_RESULTS = 81017
# groupchat/get of a chat dismissed after the list was read.
CHAT_GONE = frozenset({49008, 40050})

ProgressFunc = Callable[["SyncProgress"], Awaitable[None] | None]


@dataclass(frozen=True)
class SyncProgress:
    """Where a run is, for progress bars: ``done``/``total`` of the current stage."""

    corp_id: str
    run_id: int
    stage: str
    stage_index: int
    done: int
    total: int
    counts: dict[str, int]
    calls: int

    @property
    def fraction(self) -> float:
        """0..1 over the whole run (stages weighted by their usual share of the work)."""
        weights = {
            "departments": 0.02,
            "employees": 0.08,
            "tags": 0.01,
            "customers": 0.59,
            "group_chats": 0.29,
            "finalize": 0.01,
        }
        if self.stage == "done":
            return 1.0
        before = sum(weights[s] for s in STAGES[: self.stage_index])
        inside = self.done / self.total if self.total else 0.0
        return min(1.0, before + weights.get(self.stage, 0.0) * min(1.0, inside))


class SyncBusy(Exception):
    """Another process is running this corp's sync right now."""


@dataclass
class _Run:
    services: Services
    corp: Corp
    run: SyncRun
    api: CorpAPI
    owner: str
    progress: ProgressFunc | None
    calls_at_start: int
    chat_total: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> dict[str, Any]:
        return self.run.state

    def now(self) -> float:
        return self.services.clock()

    async def save(self) -> None:
        """Write stage, state and counts (with the heartbeat) — call inside the page's
        transaction, so the position moves together with what was stored."""
        self.state["heartbeat"] = self.now()
        self.state["owner"] = self.owner
        await self.run.save(update_fields=["stage", "state", "counts", "total_hint", "updated_at"])

    def count(self, name: str, amount: int) -> None:
        self.run.counts[name] = int(self.run.counts.get(name, 0)) + amount

    def set_count(self, name: str, value: int) -> None:
        self.run.counts[name] = value

    def note(self, name: str, amount: int = 1) -> None:
        stats = self.state.setdefault("stats", {})
        stats[name] = int(stats.get(name, 0)) + amount

    async def report(self, stage: str, done: int, total: int) -> None:
        """Tell the progress callback how far ``stage`` is (called after each commit)."""
        if self.progress is None:
            return
        outcome = self.progress(
            SyncProgress(
                corp_id=self.corp.corp_id,
                run_id=self.run.id,
                stage=stage,
                stage_index=_stage_index(stage),
                done=done,
                total=total,
                counts=dict(self.run.counts),
                calls=self.services.wecom.client.total_calls - self.calls_at_start,
            )
        )
        if outcome is not None:
            await outcome

    async def corp_still_active(self) -> bool:
        status = await store.column(Corp.filter(id=self.corp.id), "status")
        return status == ["active"]


@asynccontextmanager
async def _page() -> AsyncIterator[None]:
    """One page's transaction: its rows and the position after it commit together.

    On PostgreSQL the transaction plans every statement for its own parameters: the
    tables of a tenant's first sync grow from empty, and a plan cached while they were
    (a sequential scan) made each page's lookups slower as the table grew.
    """
    async with in_transaction() as conn:
        if dialect(conn) == "postgres":
            await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def _stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES) - 1


class _Stop(Exception):
    """The tenant went away mid-run (cancelled or disconnected)."""


# -- queueing --------------------------------------------------------------------------------


async def unfinished_run(corp: Corp) -> SyncRun | None:
    return await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).order_by("-id").first()


async def latest_run(corp: Corp) -> SyncRun | None:
    return await SyncRun.filter(corp_id=corp.id).order_by("-id").first()


async def queue_full_sync(
    corp: Corp, *, reason: str = "", restart: bool = False, clock: Callable[[], float]
) -> SyncRun:
    """The corp's unfinished run, or a new queued one (``restart``: always a new one)."""
    current = await unfinished_run(corp)
    if current is not None and not restart:
        return current
    if current is not None:
        await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).update(
            status="superseded", finished_at=datetime.now(UTC)
        )
    previous = await SyncRun.filter(corp_id=corp.id, status="done").order_by("-id").first()
    last = _item_counts(previous.counts) if previous is not None else {}
    total = sum(last.values())
    return await SyncRun.create(
        corp_id=corp.id,
        kind="full",
        status="queued",
        stage=STAGES[0],
        state={
            "reason": reason,
            # A tenant's first import: every relation would be "new"; no signals then.
            "initial": previous is None,
            "queued_at": clock(),
            # For progress: what the last complete run found.
            "expected_relations": last.get("relations", 0),
            "expected_chats": last.get("group_chats", 0),
        },
        counts={},
        total_hint=total,
    )


def _item_counts(counts: dict[str, int]) -> dict[str, int]:
    keys = ("departments", "employees", "tags", "relations", "group_chats")
    return {k: int(counts.get(k, 0)) for k in keys}


def is_due(run: SyncRun, now: float) -> bool:
    """Should the job (re)start this run now?"""
    state = run.state or {}
    if run.status == "queued":
        return True
    if run.status == "running":
        return now - float(state.get("heartbeat", 0)) > STALE_AFTER_S
    if run.status in ("paused", "failed"):
        if run.status == "failed" and int(state.get("attempts", 0)) >= MAX_AUTO_ATTEMPTS:
            return False
        return now >= float(state.get("retry_at", 0))
    return False


# -- running ---------------------------------------------------------------------------------


async def run_sync(
    services: Services,
    corp_id: str,
    *,
    full: bool = False,
    force: bool = False,
    progress: ProgressFunc | None = None,
    reason: str = "",
) -> SyncRun:
    """Resume the corp's unfinished full sync (or start one) and run it as far as it goes.

    ``full`` abandons an unfinished run and starts from the beginning. ``force`` takes
    over a run another process seems to be running. Returns the run: ``done`` or where
    and why it stopped (``paused``/``failed`` with ``error``). Raises :class:`SyncBusy`
    when another process holds the run, :class:`NoAccess` for an unknown or cancelled
    tenant.
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        raise NoAccess(f"corp {corp_id!r} is not an active tenant")
    run = await queue_full_sync(corp, reason=reason or "manual", restart=full, clock=services.clock)
    return await execute(services, corp, run, force=force, progress=progress)


async def execute(
    services: Services,
    corp: Corp,
    run: SyncRun,
    *,
    force: bool = False,
    progress: ProgressFunc | None = None,
) -> SyncRun:
    """Claim ``run`` and drive it through the remaining stages."""
    owner = secrets.token_hex(8)
    await _claim(services, run, owner, force=force)
    if corp.status != "active":
        why = (corp.auth_info or {}).get("disconnected_reason") or ""
        return await finish(run, "failed", f"the tenant is {corp.status}. {why}".strip())
    try:
        api = await services.wecom.corp_api(corp.corp_id)
    except NoAccess as exc:
        return await finish(run, "failed", str(exc))
    job = _Run(
        services=services,
        corp=corp,
        run=run,
        api=api,
        owner=owner,
        progress=progress,
        calls_at_start=services.wecom.client.total_calls,
    )
    try:
        while run.stage != "done":
            if not await job.corp_still_active():
                raise _Stop()
            await _STAGE_FUNCS[run.stage](job)
    except _Stop:
        fresh = await Corp.filter(id=corp.id).first()
        status = fresh.status if fresh is not None else "cancelled"
        return await finish(
            run, "cancelled" if status == "cancelled" else "failed", f"tenant is {status}"
        )
    except AuthCancelled as exc:
        from wecom_app.install.disconnect import mark_disconnected

        fresh = await Corp.filter(id=corp.id).first()
        if fresh is None or fresh.status == "cancelled":
            return await finish(run, "cancelled", "tenant is cancelled")
        await mark_disconnected(services, corp.corp_id, exc.explanation, errcode=exc.errcode)
        return await finish(run, "failed", str(exc))
    except InvalidCredential as exc:
        if corp.mode == "self_built":
            from wecom_app.install.disconnect import mark_disconnected

            await mark_disconnected(services, corp.corp_id, exc.explanation, errcode=exc.errcode)
        return await finish(run, "failed", str(exc))
    except RateLimited as exc:
        return await _pause(job, str(exc), retry_after=exc.retry_after_s)
    except (Busy, TokenInvalid) as exc:
        attempts = int(run.state.get("attempts", 0))
        return await _pause(job, str(exc), retry_after=min(600.0, 30.0 * 2**attempts))
    except NoAccess as exc:
        return await finish(run, "failed", str(exc))
    except WeComError as exc:
        return await _fail(job, str(exc))
    except Exception as exc:
        log.exception("sync of %s failed", corp.corp_id)
        return await _fail(job, f"{type(exc).__name__}: {str(exc)[:500]}")
    return run


async def _claim(services: Services, run: SyncRun, owner: str, *, force: bool) -> None:
    async with _page():
        fresh = await SyncRun.filter(id=run.id).select_for_update().first()
        if fresh is None:
            raise SyncBusy(f"sync run {run.id} vanished")
        now = services.clock()
        heartbeat = float(fresh.state.get("heartbeat", 0))
        if fresh.status == "running" and now - heartbeat <= STALE_AFTER_S and not force:
            raise SyncBusy(
                f"a sync of this corp is running elsewhere (last progress {now - heartbeat:.0f} s "
                "ago); wait, or take it over with --force"
            )
        if fresh.status not in UNFINISHED:
            raise SyncBusy(f"sync run {run.id} is {fresh.status}")
        fresh.status = "running"
        fresh.error = ""
        fresh.state = {**fresh.state, "owner": owner, "heartbeat": now}
        await fresh.save(update_fields=["status", "error", "state", "updated_at"])
    run.status, run.error, run.state = fresh.status, fresh.error, fresh.state
    run.stage, run.counts = fresh.stage, fresh.counts


async def finish(run: SyncRun, status: str, error: str = "") -> SyncRun:
    """End ``run`` with ``status`` (and the reason in ``error``)."""
    run.status = status
    run.error = error[:2000]
    if status in ("done", "cancelled", "failed", "superseded"):
        run.finished_at = datetime.now(UTC)
    await run.save(update_fields=["status", "error", "state", "finished_at", "updated_at"])
    log.info("sync run %s of corp %s: %s %s", run.id, run.corp_id, status, error)
    return run


async def _pause(job: _Run, error: str, *, retry_after: float) -> SyncRun:
    job.state["attempts"] = int(job.state.get("attempts", 0)) + 1
    job.state["retry_at"] = job.now() + retry_after
    return await finish(job.run, "paused", error)


async def _fail(job: _Run, error: str) -> SyncRun:
    attempts = int(job.state.get("attempts", 0)) + 1
    job.state["attempts"] = attempts
    job.state["retry_at"] = job.now() + min(3600.0, 60.0 * 2**attempts)
    return await finish(job.run, "failed", error)


def _advance(job: _Run, stage: str) -> None:
    job.run.stage = stage


# -- stages ----------------------------------------------------------------------------------


async def _departments(job: _Run) -> None:
    departments = await job.api.contacts.list_departments()
    ids = [d.id for d in departments]
    async with _page():
        await store.upsert_departments(job.corp.id, departments)
        await store.remove_departments_except(job.corp.id, ids)
        job.set_count("departments", len(ids))
        job.state["departments"] = ids
        job.state["dept_index"] = 0
        _advance(job, "employees")
        await job.save()
    await job.report("departments", len(ids), len(ids))


async def _employees(job: _Run) -> None:
    ids: list[int] = list(job.state.get("departments", []))
    start = int(job.state.get("dept_index", 0))
    for index in range(start, len(ids)):
        users = await job.api.contacts.list_users(ids[index])
        async with _page():
            await store.upsert_employees(job.corp.id, users)
            job.state["dept_index"] = index + 1
            if index + 1 == len(ids):
                active = await Employee.filter(corp_id=job.corp.id, status="active").count()
                job.set_count("employees", active)
                _advance(job, "tags")
            await job.save()
        await job.report("employees", index + 1, len(ids))
    if not ids:
        async with _page():
            _advance(job, "tags")
            await job.save()


async def _tags(job: _Run) -> None:
    groups = await job.api.tags.get_corp_tag_list()
    async with _page():
        await store.apply_tag_library(job.corp.id, groups)
        job.set_count("tags", sum(1 for g in groups for t in g.tags if not t.deleted))
        _advance(job, "customers")
        await job.save()
    await job.report("tags", 1, 1)


async def _customers(job: _Run) -> None:
    if "users" not in job.state:
        listed = sorted(set(await job.api.external_contact.get_follow_user_list()))
        async with _page():
            job.state["users"] = listed
            job.state["batch"] = 0
            job.state["cursor"] = ""
            await job.save()
    users: list[str] = job.state["users"]
    batches = math.ceil(len(users) / MAX_BATCH_USERIDS)
    notify = not job.state.get("initial", False)
    while int(job.state["batch"]) < batches:
        index = int(job.state["batch"])
        chunk = users[index * MAX_BATCH_USERIDS : (index + 1) * MAX_BATCH_USERIDS]
        if not await job.corp_still_active():
            raise _Stop()
        await _customer_batch(job, index, chunk, notify)
    async with _page():
        _advance(job, "group_chats")
        await job.save()


async def _customer_batch(job: _Run, index: int, chunk: list[str], notify: bool) -> None:
    """One batch of ≤ 100 members, page by page from the stored cursor."""
    cursor: str = job.state.get("cursor", "")
    used = {cursor} if cursor else set()
    repeats = 0
    while True:
        page = await job.api.external_contact.batch_get_by_user(chunk, cursor, MAX_BATCH_LIMIT)
        job.note("pages")
        following = page.next_cursor
        repeated = bool(following) and following in used
        give_up = False
        if repeated:
            # WeCom handed back a cursor already used: read the same page once more
            # (a glitch); if it repeats again, stop this batch rather than loop, and
            # do not let the end-of-run sweep take its unread customers for gone.
            repeats += 1
            job.note("repeated_cursors")
            log.warning(
                "sync of %s: batch/get_by_user repeated a cursor (batch %d)",
                job.corp.corp_id,
                index,
            )
            give_up = repeats > 1
        async with _page():
            pairs = [(item.external_contact, item.follow_info) for item in page.items]
            written = await store.write_relations(
                job.corp, pairs, at=int(job.now()), run_id=job.run.id, notify=notify
            )
            job.count("relations", written.relations + written.kept_ended)
            job.note("new_relations", len(written.added))
            if give_up:
                incomplete = job.state.setdefault("incomplete", [])
                incomplete.append(f"batch {index}: cursor repeated")
            if (not following) or give_up:
                job.state["batch"] = index + 1
                job.state["cursor"] = ""
            elif not repeated:
                job.state["cursor"] = following
            await job.save()
        await _report_customers(job)
        if (not following) or give_up:
            return
        if not repeated:
            used.add(following)
            cursor = following
            repeats = 0


async def _report_customers(job: _Run) -> None:
    """Progress by relations against the last complete run's count, or by batches."""
    relations = int(job.run.counts.get("relations", 0))
    expected = int(job.state.get("expected_relations", 0))
    if expected:
        await job.report("customers", min(relations, expected), expected)
        return
    batches = math.ceil(len(job.state["users"]) / MAX_BATCH_USERIDS)
    await job.report("customers", int(job.state["batch"]), batches)


async def _group_chats(job: _Run) -> None:
    if "chat_queries" not in job.state:
        resigned = sorted(
            await store.column(Employee.filter(corp_id=job.corp.id, status="resigned"), "userid")
        )
        async with _page():
            # [] = every chat of the members in the visible range; chats of members
            # who left are listed only when their owner is named (Doc 92120).
            job.state["chat_queries"] = [[], *_chunks(resigned, MAX_OWNER_FILTER)]
            job.state["chat_mode"] = "all"
            job.state["query_index"] = 0
            job.state["chat_cursor"] = ""
            job.state["chat_done"] = 0
            await job.save()
    while int(job.state["query_index"]) < len(job.state["chat_queries"]):
        owners: list[str] = job.state["chat_queries"][int(job.state["query_index"])]
        cursor: str = job.state.get("chat_cursor", "")
        try:
            page = await job.api.groupchat.list_chats(
                owner_userids=owners, cursor=cursor, limit=MAX_LIST_LIMIT
            )
        except WeComError as exc:
            if exc.errcode != TOO_MANY_RESULTS or owners:
                raise
            await _list_chats_by_owner(job)
            continue
        summaries = page.items
        skip = int(job.state.get("chat_done", 0))
        job.chat_total = max(job.chat_total, skip + len(summaries))
        for start in range(skip, len(summaries), CHAT_CONCURRENCY):
            group = summaries[start : start + CHAT_CONCURRENCY]
            chats = await _read_chats(job, [s.chat_id for s in group])
            async with _page():
                for summary, chat in zip(group, chats, strict=True):
                    if chat is None:
                        await store.dismiss_group_chat(job.corp, summary.chat_id, at=int(job.now()))
                        continue
                    await store.write_group_chat(
                        job.corp,
                        chat,
                        at=int(job.now()),
                        run_id=job.run.id,
                        wecom_status=summary.status,
                    )
                    job.count("group_chats", 1)
                job.state["chat_done"] = start + len(group)
                await job.save()
            expected = max(job.chat_total, int(job.state.get("expected_chats", 0)))
            await job.report("group_chats", int(job.run.counts.get("group_chats", 0)), expected)
        async with _page():
            job.state["chat_done"] = 0
            if page.next_cursor and page.next_cursor != cursor:
                job.state["chat_cursor"] = page.next_cursor
            else:
                if page.next_cursor:
                    job.state.setdefault("incomplete", []).append("groupchat/list: cursor repeated")
                job.state["query_index"] = int(job.state["query_index"]) + 1
                job.state["chat_cursor"] = ""
            await job.save()
    async with _page():
        _advance(job, "finalize")
        await job.save()


async def _list_chats_by_owner(job: _Run) -> None:
    """Too many members for one unfiltered list: name the owners, 100 at a time."""
    resigned = [u for q in job.state["chat_queries"] for u in q]
    owners = sorted(set(job.state.get("users", [])) | set(resigned))
    async with _page():
        job.state["chat_queries"] = _chunks(owners, MAX_OWNER_FILTER)
        job.state["chat_mode"] = "owners"
        job.state["query_index"] = 0
        job.state["chat_cursor"] = ""
        job.state["chat_done"] = 0
        await job.save()


async def _read_chats(job: _Run, chat_ids: Sequence[str]) -> list[WeComGroupChat | None]:
    results: list[WeComGroupChat | None] = [None] * len(chat_ids)

    async def read(position: int, chat_id: str) -> None:
        try:
            results[position] = await job.api.groupchat.get(chat_id)
        except WeComError as exc:
            if exc.errcode not in CHAT_GONE:
                raise
            results[position] = None

    # A TaskGroup cancels the other reads when one fails, so no call is wasted; the
    # first failure is raised as itself (the run's error handling sorts it).
    try:
        async with asyncio.TaskGroup() as group:
            for position, chat_id in enumerate(chat_ids):
                group.create_task(read(position, chat_id))
    except ExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results


async def _finalize(job: _Run) -> None:
    incomplete = job.state.get("incomplete") or []
    async with _page():
        if incomplete:
            log.warning(
                "sync of %s was incomplete (%s): nothing is marked gone",
                job.corp.corp_id,
                "; ".join(incomplete),
            )
        else:
            removed = await _sweep_relations(job)
            job.note("removed_relations", removed)
            job.note("deleted_customers", await store.sweep_customer_status(job.corp.id))
            job.note("dismissed_chats", await _sweep_chats(job))
        _advance(job, "done")
        job.state.pop("retry_at", None)
        job.state["attempts"] = 0
        job.state["finished_clock"] = job.now()
        job.run.status = "done"
        job.run.finished_at = datetime.now(UTC)
        job.run.error = "incomplete: " + "; ".join(incomplete) if incomplete else ""
        job.run.total_hint = sum(_item_counts(job.run.counts).values())
        await job.save()
        await job.run.save(update_fields=["status", "finished_at", "error", "updated_at"])
    await job.report("done", 1, 1)
    log.info("sync run %s of %s done: %s", job.run.id, job.corp.corp_id, job.run.counts)


async def _sweep_relations(job: _Run) -> int:
    """Active relations of the members asked about that this run did not see.

    Relations touched by a callback since the run started are current, whatever the run
    saw; relations of members not asked about (who left, outside the range) stay.
    """
    started = job.run.started_at
    now = int(job.now())
    notify = not job.state.get("initial", False)
    removed = 0
    for chunk in _chunks(list(job.state.get("users", [])), MAX_BATCH_USERIDS):
        gone = await FollowRelation.filter(
            corp_id=job.corp.id,
            userid__in=chunk,
            status="active",
            updated_at__lt=started,
        ).exclude(synced_run=job.run.id)
        if not gone:
            continue
        await FollowRelation.filter(id__in=[r.id for r in gone]).update(
            status="removed", ended_at=now
        )
        await timeline.record(
            job.corp.id,
            [
                timeline.Entry(
                    external_userid=r.external_userid,
                    userid=r.userid,
                    kind="removed",
                    occurred_at=now,
                    key_parts=(r.userid, r.external_userid, r.added_at, job.run.id),
                    detail={"reason": "not returned by a complete sync"},
                )
                for r in gone
            ],
        )
        if notify:
            for r in gone:
                await signals.relation_changed.send(
                    corp=job.corp,
                    external_userid=r.external_userid,
                    userid=r.userid,
                    change="removed",
                    at=now,
                )
        removed += len(gone)
    return removed


async def _sweep_chats(job: _Run) -> int:
    """Chats the listing should have shown but did not are dismissed.

    Unfiltered, the listing shows the chats of every member in the visible range, and
    chats of members who left were asked for by owner; chats of other owners (outside
    the range) are left as they are.
    """
    candidates = await (
        GroupChat.filter(corp_id=job.corp.id, dismissed=False, updated_at__lt=job.run.started_at)
        .exclude(synced_run=job.run.id)
        .values_list("chat_id", "owner")
    )
    if not candidates:
        return 0
    asked = {u for q in job.state.get("chat_queries", []) for u in q}
    if job.state.get("chat_mode") != "owners":
        asked.update(
            await store.column(Employee.filter(corp_id=job.corp.id, status="active"), "userid")
        )
    stale = [chat_id for chat_id, owner in candidates if owner in asked]
    for chat_id in stale:
        await store.dismiss_group_chat(job.corp, chat_id, at=int(job.now()))
    return len(stale)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


_STAGE_FUNCS: dict[str, Callable[[_Run], Awaitable[None]]] = {
    "departments": _departments,
    "employees": _employees,
    "tags": _tags,
    "customers": _customers,
    "group_chats": _group_chats,
    "finalize": _finalize,
}
