"""The group chats stage of a full sync: list the chats, then read each one.

``groupchat/list`` (1000 a page) — unfiltered, then by owner for members who left (or
for every owner when the unfiltered list is refused as too large) — and
``groupchat/get`` per chat, :data:`CHAT_CONCURRENCY` at a time. Each group of chats is
stored (:mod:`wecom_app.directory.group_chats`) with the position after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from wecom_app.directory.group_chats import CHAT_GONE, dismiss_group_chat, write_group_chat
from wecom_app.directory.upsert import column
from wecom_app.store.models import Employee
from wecom_app.store.sql import chunks
from wecom_app.sync.state import ActiveRun, page_transaction
from wecom_app.wecom import WeComError
from wecom_app.wecom.groupchat import MAX_LIST_LIMIT, MAX_OWNER_FILTER
from wecom_app.wecom.groupchat import GroupChat as WeComGroupChat

# Chats read at once (groupchat/get is one call per chat; the client caps concurrency).
CHAT_CONCURRENCY = 10
# groupchat/list without an owner filter fails past 1000 members in the visible range.
TOO_MANY_RESULTS = 81017


async def group_chats_stage(job: ActiveRun) -> None:
    if "chat_queries" not in job.state:
        resigned = sorted(
            await column(Employee.filter(corp_id=job.corp.id, status="resigned"), "userid")
        )
        async with page_transaction():
            # [] = every chat of the members in the visible range; chats of members
            # who left are listed only when their owner is named (Doc 92120).
            job.state["chat_queries"] = [[], *_owner_queries(resigned)]
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
            async with page_transaction():
                for summary, chat in zip(group, chats, strict=True):
                    if chat is None:
                        await dismiss_group_chat(job.corp, summary.chat_id, at=int(job.now()))
                        continue
                    await write_group_chat(
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
        async with page_transaction():
            job.state["chat_done"] = 0
            if page.next_cursor and page.next_cursor != cursor:
                job.state["chat_cursor"] = page.next_cursor
            else:
                if page.next_cursor:
                    job.state.setdefault("incomplete", []).append("groupchat/list: cursor repeated")
                job.state["query_index"] = int(job.state["query_index"]) + 1
                job.state["chat_cursor"] = ""
            await job.save()
    async with page_transaction():
        job.advance("finalize")
        await job.save()


async def _list_chats_by_owner(job: ActiveRun) -> None:
    """Too many members for one unfiltered list: name the owners, 100 at a time."""
    resigned = [u for q in job.state["chat_queries"] for u in q]
    owners = sorted(set(job.state.get("users", [])) | set(resigned))
    async with page_transaction():
        job.state["chat_queries"] = _owner_queries(owners)
        job.state["chat_mode"] = "owners"
        job.state["query_index"] = 0
        job.state["chat_cursor"] = ""
        job.state["chat_done"] = 0
        await job.save()


async def _read_chats(job: ActiveRun, chat_ids: Sequence[str]) -> list[WeComGroupChat | None]:
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


def _owner_queries(owners: list[str]) -> list[list[str]]:
    """Owner filters of ``groupchat/list``, at most :data:`MAX_OWNER_FILTER` each."""
    return [list(chunk) for chunk in chunks(owners, MAX_OWNER_FILTER)]
