"""The customers stage of a full sync: every relation of every member in range.

``get_follow_user_list`` (1 call), then ``batch/get_by_user`` for 100 members at a
time, 100 relations a page: Σ ceil(relations of batch / 100) calls. Each page is
written (:func:`wecom_app.directory.relations.write_relations`) together with the cursor
after it, so a crash resumes at the first page not yet stored.

Past a third-party app's trial WeCom refuses a batch holding members without an
interface licence (701008, naming them): they are recorded
(:mod:`wecom_app.licences`), left out of the batch, which is read again without them,
and the run is marked incomplete so none of their customers is taken for gone.
"""

from __future__ import annotations

import logging
import math

from wecom_app import licences
from wecom_app.directory.relations import write_relations
from wecom_app.sync.state import ActiveRun, TenantGone, page_transaction
from wecom_app.wecom.errors import InvalidCursor, Unlicensed
from wecom_app.wecom.external_contact import MAX_BATCH_LIMIT, MAX_BATCH_USERIDS

log = logging.getLogger(__name__)


async def customers_stage(job: ActiveRun) -> None:
    if "users" not in job.state:
        listed = sorted(set(await job.api.external_contact.get_follow_user_list()))
        async with page_transaction():
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
            raise TenantGone()
        await _customer_batch(job, index, chunk, notify)
    async with page_transaction():
        job.advance("group_chats")
        await job.save()


async def _customer_batch(job: ActiveRun, index: int, chunk: list[str], notify: bool) -> None:
    """One batch of ≤ 100 members, page by page from the stored cursor."""
    cursor: str = job.state.get("cursor", "")
    used = {cursor} if cursor else set()
    repeats = restarts = 0
    while True:
        try:
            page = await job.api.external_contact.batch_get_by_user(chunk, cursor, MAX_BATCH_LIMIT)
        except InvalidCursor:
            # 50100: a cursor kept across a pause or a crash may have expired; read the
            # batch again from its start (pages are written idempotently), twice at most.
            restarts += 1
            if not cursor or restarts > 2:
                raise
            job.note("invalid_cursors")
            log.warning(
                "sync of %s: cursor refused (50100), batch %d again", job.corp.corp_id, index
            )
            cursor, used, repeats = "", set(), 0
            continue
        except Unlicensed as exc:
            chunk = await _without_unlicensed(job, index, chunk, exc)
            if not chunk:
                async with page_transaction():
                    job.state["batch"], job.state["cursor"] = index + 1, ""
                    await job.save()
                return
            cursor, used, repeats = "", set(), 0  # the cursor belonged to the old batch
            continue
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
        async with page_transaction():
            pairs = [(item.external_contact, item.follow_info) for item in page.items]
            written = await write_relations(
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


async def _without_unlicensed(
    job: ActiveRun, index: int, chunk: list[str], exc: Unlicensed
) -> list[str]:
    refused = set(exc.unlicensed_userids)
    if not refused & set(chunk):
        raise exc  # WeCom named nobody of this batch: nothing to leave out
    await licences.record_blocked(
        job.services.kv_store, job.corp.corp_id, sorted(refused), "customer_sync", job.now()
    )
    async with page_transaction():
        job.state.setdefault("incomplete", []).append(
            f"batch {index}: {len(refused & set(chunk))} members without an interface licence"
        )
        job.note("unlicensed", len(refused & set(chunk)))
        await job.save()
    return [u for u in chunk if u not in refused]


async def _report_customers(job: ActiveRun) -> None:
    """Progress by relations against the last complete run's count, or by batches."""
    relations = int(job.run.counts.get("relations", 0))
    expected = int(job.state.get("expected_relations", 0))
    if expected:
        await job.report("customers", min(relations, expected), expected)
        return
    batches = math.ceil(len(job.state["users"]) / MAX_BATCH_USERIDS)
    await job.report("customers", int(job.state["batch"]), batches)
