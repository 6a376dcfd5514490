"""Recalls (``revoke`` messages) linked to their originals, whichever came first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from wecom_app.archive.bulk_sql import SQLITE_MAX_PARAMS
from wecom_app.archive.outcomes import Decoded
from wecom_app.store.db import dialect


async def link_recalls(conn: BaseDBAsyncClient, corp_pk: int, messages: Sequence[Decoded]) -> int:
    """Set ``recalled_by`` on originals, whichever of recall and original came first."""
    pairs = [(m.pre_msgid, m.msgid) for m in messages if m.msgtype == "revoke" and m.pre_msgid]
    ids = [m.msgid for m in messages if m.msgtype != "revoke"]
    if ids:
        # Recalls stored before these originals (an original parked, then decrypted).
        found: list[dict[str, Any]] = []
        if dialect(conn) == "postgres":
            found = await conn.execute_query_dict(
                "SELECT msgid, pre_msgid, seq FROM archive_messages WHERE corp_id = $1 "
                "AND pre_msgid <> '' AND pre_msgid = ANY($2::text[])",
                [corp_pk, ids],
            )
        else:
            step = SQLITE_MAX_PARAMS - 1
            for start in range(0, len(ids), step):
                chunk = ids[start : start + step]
                # Named, because SQLite's planner prefers (corp_id, seq) and would
                # then read every message of the tenant for each batch.
                found.extend(
                    await conn.execute_query_dict(
                        "SELECT msgid, pre_msgid, seq FROM archive_messages "
                        "INDEXED BY idx_archive_mes_pre_msgid WHERE corp_id = ? "
                        "AND pre_msgid <> '' AND pre_msgid IN ("
                        + ", ".join("?" for _ in chunk)
                        + ")",
                        [corp_pk, *chunk],
                    )
                )
        found.sort(key=lambda r: int(r["seq"]))  # the first recall wins
        pairs.extend((str(r["pre_msgid"]), str(r["msgid"])) for r in found)
    # original → its first recall; one statement for the whole batch (a round trip
    # per recall cost as much as storing the batch's other messages)
    first: dict[str, str] = {}
    for original, recall in pairs:
        first.setdefault(original, recall)
    if not first:
        return 0
    if dialect(conn) == "postgres":
        count, _ = await conn.execute_query(
            "UPDATE archive_messages AS m SET recalled_by = v.recall "
            "FROM unnest($1::text[], $2::text[]) AS v(original, recall) "
            "WHERE m.corp_id = $3 AND m.msgid = v.original AND m.recalled_by = ''",
            [list(first), list(first.values()), corp_pk],
        )
        return int(count)
    linked = 0
    items = list(first.items())
    per_statement = (SQLITE_MAX_PARAMS - 1) // 3
    for first_index in range(0, len(items), per_statement):
        part = items[first_index : first_index + per_statement]
        values: list[Any] = []
        for original, recall in part:
            values += (original, recall)
        values.append(corp_pk)
        values += (original for original, _recall in part)
        count, _ = await conn.execute_query(
            "UPDATE archive_messages SET recalled_by = CASE msgid "
            + " ".join("WHEN ? THEN ?" for _ in part)
            + " END WHERE corp_id = ? AND msgid IN ("
            + ", ".join("?" for _ in part)
            + ") AND recalled_by = ''",
            values,
        )
        linked += int(count)
    return linked
