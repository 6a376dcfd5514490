"""Archive insights: the arithmetic, the keywords, and that the SQL stays on the index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from sidebar import bundle, groups, history, insights
from sidebar.access import GroupGrant
from sidebar.insights import customer_insights, keywords, reply_times
from sidebar.sql import fetch, fetch_rows
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import db, dialect
from wecom_app.store.directory import GroupChat
from wecom_app.store.models import Corp

HOUR_MS = 3_600_000


def test_reply_time_counts_each_customer_turn_once() -> None:
    messages = [
        ("from_customer", 0),
        ("from_customer", 60_000),  # same turn: the clock started at 0
        ("to_customer", 120_000),  # 120 s
        ("to_customer", 130_000),  # our second message answers nothing new
        ("from_customer", 10 * HOUR_MS),
        ("to_customer", 10 * HOUR_MS + 5_000),  # 5 s
        ("from_customer", 20 * HOUR_MS),  # unanswered: no reply time
    ]
    assert reply_times(messages) == [120.0, 5.0]
    assert reply_times([("to_customer", 0), ("to_customer", 1)]) == []


def test_keywords_skip_stop_words_and_single_characters() -> None:
    rows = [
        ("价格 能 便宜 点 吗 价格", ""),
        ("我们 的 价格 和 私有化 部署", ""),
        ("", "私有化部署的价格"),
    ]
    words = [k["word"] for k in keywords(rows)]
    assert set(words[:2]) == {"价格", "私有化"}  # the most said (and rarest) words
    assert not {"我们", "的", "吗", "能"} & set(words)
    assert all(len(w) >= 2 for w in words)


def test_rarer_words_outrank_common_ones_at_equal_counts() -> None:
    # Same count each; "发票" is rarer than "时间" in jieba's IDF table.
    ranked = [k["word"] for k in keywords([("时间 发票", "")])]
    assert ranked == ["发票", "时间"]


def _msg(corp: Corp, n: int, **fields: object) -> ArchiveMessage:
    base: dict[str, object] = {
        "corp_id": corp.id,
        "msgid": f"m{n}",
        "seq": n,
        "status": "ok",
        "action": "send",
        "msgtype": "text",
        "sender": "wmcust",
        "external_userid": "wmcust",
        "employee_userid": "zhangsan",
        "conversation": "wmcust|zhangsan",
        "direction": "from_customer",
        "msgtime": n * 1000,
        "text": "价格",
        "tokens": "价格",
    }
    base.update(fields)
    return ArchiveMessage(**base)


async def test_insights_count_only_this_customers_real_messages(database: str) -> None:
    corp = await Corp.create(corp_id="wwinsights000001", mode="self_built")
    day = 1_699_977_600_000  # 2023-11-15 00:00 in China (UTC+8), 16:00 UTC the day before
    await ArchiveMessage.bulk_create(
        [
            _msg(corp, 1, msgtime=day),  # customer, 00:00 China time
            _msg(corp, 2, msgtime=day + 30_000, direction="to_customer", sender="zhangsan"),
            _msg(corp, 3, msgtime=day + 9 * HOUR_MS),  # 09:00, unanswered
            _msg(corp, 4, msgtime=day + 9 * HOUR_MS + 1, action="recall", msgtype="revoke"),
            _msg(corp, 5, msgtime=day + 10 * HOUR_MS, status="parked"),
            _msg(corp, 6, msgtime=day + 11 * HOUR_MS, employee_userid="lisi"),  # not visible
            _msg(corp, 7, msgtime=day + 12 * HOUR_MS, external_userid="wmother"),
            _msg(corp, 8, msgtime=day + 13 * HOUR_MS, text="退款", tokens="退款", recalled_by="m9"),
        ]
    )
    found = await customer_insights(corp.id, "wmcust", ["zhangsan"])
    assert (found.sent, found.received) == (1, 3)
    assert found.first_contact_ms == day
    assert found.last_contact_ms == day + 13 * HOUR_MS
    assert found.unanswered == 2
    assert found.median_reply_s == 30.0
    assert found.hours[0] == 1
    assert found.hours[9] == 1
    assert found.hours[13] == 1
    assert sum(found.hours) == 3
    # A recalled message counts as sent, but its words are not the customer's keywords.
    assert [k["word"] for k in found.keywords] == ["价格"]
    both = await customer_insights(corp.id, "wmcust", ["zhangsan", "lisi"])
    assert both.received == 4


async def _archive_queries(
    monkeypatch: pytest.MonkeyPatch, corp: Corp
) -> list[tuple[str, list[Any]]]:
    """Every archive query the insights, the history and the group view run."""
    seen: list[tuple[str, list[Any]]] = []

    async def recording(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        if "archive_messages" in sql:
            seen.append((sql, list(params)))
        return await fetch(sql, params)

    async def recording_rows(sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        if "archive_messages" in sql:
            seen.append((sql, list(params)))
        return await fetch_rows(sql, params)

    for module in (insights, history, groups):
        monkeypatch.setattr(module, "fetch", recording)
    monkeypatch.setattr(bundle, "fetch_rows", recording_rows)
    await ArchiveMessage.bulk_create(
        [_msg(corp, 1), _msg(corp, 2, direction="to_customer", msgtime=9000)]
    )
    await customer_insights(corp.id, "wmcust", ["zhangsan", "lisi"])
    await history.page(corp.id, "wmcust", ["zhangsan"], viewer="zhangsan", query="价")
    await history.page(corp.id, "wmcust", ["zhangsan"], viewer="zhangsan", before=(5, 5))
    await history.room_messages(corp.id, "wrroom")
    await GroupChat.create(corp_id=corp.id, chat_id="wrroom", owner="zhangsan")
    await groups.build(corp.id, GroupGrant("owner", "zhangsan", "zhangsan"), "wrroom", now=9.0)
    return seen


async def test_archive_queries_stay_on_an_index(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded by one customer (or one room): every query searches an index whose
    leading columns are the tenant and the customer (or the conversation)."""
    corp = await Corp.create(corp_id="wwinsightsplan01", mode="self_built")
    queries = await _archive_queries(monkeypatch, corp)
    assert len(queries) >= 6
    conn = db()
    for sql, params in queries:
        if dialect(conn) == "sqlite":
            rows = await fetch("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row["detail"]) for row in rows)
            assert "SCAN archive_messages" not in plan, (sql, plan)
            assert (
                "(corp_id=? AND external_userid=?" in plan
                or "(corp_id=? AND conversation=?" in plan
            ), (sql, plan)
        else:
            async with conn._in_transaction() as tx:
                # No statistics on a test table: forbid sequential scans, then check
                # that an index (not a scan of everything) answers the query.
                await tx.execute_script("SET LOCAL enable_seqscan = off")
                numbered = sql
                for index in range(1, len(params) + 1):
                    numbered = numbered.replace("?", f"${index}", 1)
                rows = await tx.execute_query_dict("EXPLAIN " + numbered, params)
            plan = " ".join(str(v) for row in rows for v in row.values())
            assert "Seq Scan on archive_messages" not in plan, (sql, plan)
            assert "Index" in plan, (sql, plan)


@pytest.mark.parametrize("count", [0, 1])
async def test_no_customer_messages_means_empty_customer_insights(
    database: str, count: int
) -> None:
    corp = await Corp.create(corp_id=f"wwinsightsempty{count}", mode="self_built")
    if count:
        await _msg(corp, 1, direction="to_customer", sender="zhangsan").save()
    found = await customer_insights(corp.id, "wmcust", ["zhangsan"])
    assert found.received == 0
    assert found.unanswered == 0
    assert found.median_reply_s is None
    assert found.keywords == []
    assert found.sent == count
