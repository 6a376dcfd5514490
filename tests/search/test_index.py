"""Every query case against the index backend of the session's database.

The same cases run on SQLite (FTS5) and, with ``DATABASE_URL`` set, on PostgreSQL (GIN):
CI runs the suite on both. Results are checked against what the messages say (and, for
a random corpus, against a plain ``LIKE`` scan), not against the index itself.
"""

from __future__ import annotations

import random

import pytest
from tortoise.transactions import in_transaction

from tests.support.search import (
    BASE_MS,
    TEST_AUDIT_KEY,
    compliance_viewer,
    make_corp,
    message,
    store,
)
from wecom_app.search.backend import backend_for
from wecom_app.search.ingest import index_messages
from wecom_app.search.keys import corp_range
from wecom_app.search.query import QueryError, parse_query
from wecom_app.search.request import Cursor, Filters, SearchRequest
from wecom_app.search.service import Compliance
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.db import db, dialect
from wecom_app.store.models import Corp
from wecom_app.store.search import SearchDoc
from wecom_app.store.sql import marker, rows_of

pytestmark = pytest.mark.usefixtures("database")


async def find(
    corp: Corp,
    q: str,
    *,
    filters: Filters | None = None,
    sort: str = "time",
    limit: int = 200,
) -> list[str]:
    """All texts found (every page), in result order."""
    service = Compliance(audit_key=TEST_AUDIT_KEY)
    viewer = compliance_viewer(corp)
    texts: list[str] = []
    cursor: Cursor | None = None
    while True:
        request = SearchRequest(
            q,
            parse_query(q),
            filters or Filters(),
            "time" if sort == "time" else "relevance",
            cursor,
            limit,
        )
        page = await service.search(viewer, request)
        texts.extend(h.text for h in page.hits)
        if page.next_cursor is None:
            return texts
        from wecom_app.search.request import decode_cursor

        cursor = decode_cursor(page.next_cursor, request.sort)


SENTENCES = [
    "返现金额是多少",  # jieba: 返 / 现金额 / 是 / 多少 — a jieba-word index misses 返现
    "有返现吗？",
    "我们可以私下转账，不走公司账户",
    "私下给你转个账",
    "电话13812345678请联系",
    "我的手机是 138 1234 5678",
    "新号码139-8765-4321",
    "型号AB-1234和X200Pro，价格3.5万",
    "ab1234到货了",
    "ｉＰｈｏｎｅ１５有现货",
    "iPhone 15 Pro Max 256G",
    "钱已经打过去了",
    "结婚的和尚未结婚的",
    "明天下午三点开会",
    "今天天气很好",
]


@pytest.fixture
async def corpus() -> Corp:
    corp = await make_corp("wwsearchcorp0001")
    await store(corp, [message(corp, text, at=i * 60) for i, text in enumerate(SENTENCES)])
    return corp


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a substring jieba cut apart in the message is still found
        ("返现", {"返现金额是多少", "有返现吗？"}),
        # words: all must occur, anywhere
        ("私下转账", {"我们可以私下转账，不走公司账户"}),
        ("私下 转", {"我们可以私下转账，不走公司账户", "私下给你转个账"}),
        # a phrase must occur as written
        ('"私下转账"', {"我们可以私下转账，不走公司账户"}),
        ('"私下给你"', {"私下给你转个账"}),
        # exclusion and OR
        ("返现 -金额", {"有返现吗？"}),
        ("返现 OR 钱", {"返现金额是多少", "有返现吗？", "钱已经打过去了"}),
        ('"开会" OR 天气', {"明天下午三点开会", "今天天气很好"}),
        # a single character on its own finds every message containing it
        ("钱", {"钱已经打过去了"}),
        ("账", {"我们可以私下转账，不走公司账户", "私下给你转个账"}),
        # phone numbers: whole, in part, and written with spaces or hyphens
        ("13812345678", {"电话13812345678请联系", "我的手机是 138 1234 5678"}),
        ("5678", {"电话13812345678请联系", "我的手机是 138 1234 5678"}),
        ("138-1234-5678", {"电话13812345678请联系", "我的手机是 138 1234 5678"}),
        ("13987654321", {"新号码139-8765-4321"}),
        ("4321", {"新号码139-8765-4321"}),
        # product codes, as written or without the separator, any case
        ("AB-1234", {"型号AB-1234和X200Pro，价格3.5万", "ab1234到货了"}),
        ("ab1234", {"型号AB-1234和X200Pro，价格3.5万", "ab1234到货了"}),
        ("x200pro", {"型号AB-1234和X200Pro，价格3.5万"}),
        # full-width text is folded on both sides; Latin words match whole
        ("iphone", {"ｉＰｈｏｎｅ１５有现货", "iPhone 15 Pro Max 256G"}),
        ("IPHONE15", {"ｉＰｈｏｎｅ１５有现货", "iPhone 15 Pro Max 256G"}),
        ("phone", set()),
        ('"iphone 15 pro"', {"iPhone 15 Pro Max 256G"}),
        ("3.5万", {"型号AB-1234和X200Pro，价格3.5万"}),
        # nothing where nothing is
        ("退款", set()),
    ],
)
async def test_query_cases(corpus: Corp, query: str, expected: set[str]) -> None:
    assert set(await find(corpus, query)) == expected


async def test_the_total_is_counted_up_to_a_cap(
    corpus: Corp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wecom_app.search import hits as hits_module

    request = SearchRequest("返现 OR 钱", parse_query("返现 OR 钱"), limit=1)
    page = await Compliance(audit_key=TEST_AUDIT_KEY).search(compliance_viewer(corpus), request)
    assert (len(page.hits), page.total, page.total_text) == (1, 3, "3")
    monkeypatch.setattr(hits_module, "COUNT_CAP", 2)
    page = await Compliance(audit_key=TEST_AUDIT_KEY).search(compliance_viewer(corpus), request)
    assert (page.total, page.total_text) == (2, "2+")


async def test_newest_first_is_the_default_order(corpus: Corp) -> None:
    found = await find(corpus, "返现 OR 钱 OR 私下 OR 电话")
    # SENTENCES were stored one minute apart in list order: newest first is reverse order
    expected = [s for s in reversed(SENTENCES) if s in set(found)]
    assert found == expected
    assert len(found) == 6


async def test_relevance_order_ranks_denser_matches_first() -> None:
    corp = await make_corp("wwsearchcorp0002")
    texts = [
        "返现",
        "我们在谈合作的事情，顺便问一下返现的安排，还有别的很多事情要说",
        "返现返现返现",
    ]
    await store(corp, [message(corp, t, at=i) for i, t in enumerate(texts)])
    ranked = await find(corp, "返现", sort="relevance")
    assert ranked[0] == "返现返现返现"
    assert ranked[-1] == texts[1]
    assert set(ranked) == set(texts)


@pytest.mark.parametrize("sort", ["time", "relevance"])
async def test_keyset_pages_cover_every_hit_once(sort: str) -> None:
    corp = await make_corp("wwsearchcorp0003")
    rng = random.Random(7)
    texts = [
        f"第{i}单 返现{rng.choice(['一', '二', '三'])}百元 {'好' * rng.randint(1, 5)}"
        for i in range(57)
    ]
    # several messages in the same millisecond: keys still unique and ordered
    await store(corp, [message(corp, t, at=i // 3) for i, t in enumerate(texts)])
    paged = await find(corp, "返现", sort=sort, limit=5)
    assert len(paged) == 57
    assert set(paged) == set(texts)
    whole = await find(corp, "返现", sort=sort, limit=200)
    assert paged == whole


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(employees=("lisi",)), {"李四说返现"}),
        (Filters(employees=("zhangwei", "lisi")), {"张伟说返现", "李四说返现", "群里返现"}),
        (Filters(customers=("wmCUSTOMER000000000000002",)), {"客户二问返现"}),
        (Filters(rooms=("wrROOM0001",)), {"群里返现"}),
        (Filters(msgtypes=("link",)), {"链接：返现活动"}),
        (Filters(directions=("from_customer",)), {"客户二问返现"}),
        (Filters(directions=("room", "from_customer")), {"客户二问返现", "群里返现"}),
        (
            Filters(since=BASE_MS // 1000 + 100, until=BASE_MS // 1000 + 300),
            {"李四说返现", "客户二问返现"},
        ),
        (Filters(until=BASE_MS // 1000 + 100), {"张伟说返现"}),
        (Filters(employees=("lisi",), directions=("room",)), set()),
    ],
)
async def test_filters(filters: Filters, expected: set[str]) -> None:
    corp = await make_corp("wwsearchcorp0004")
    await store(
        corp,
        [
            message(corp, "张伟说返现", at=0, sender="zhangwei"),
            message(corp, "李四说返现", at=100, sender="lisi"),
            message(
                corp,
                "客户二问返现",
                at=200,
                sender="wmCUSTOMER000000000000002",
                customer="wmCUSTOMER000000000000002",
                employee="wangfang",
            ),
            message(corp, "群里返现", at=300, sender="zhangwei", room="wrROOM0001"),
            message(corp, "链接：返现活动", at=400, sender="wangfang", msgtype="link"),
        ],
    )
    assert set(await find(corp, "返现", filters=filters)) == expected


async def test_one_tenant_never_finds_another_tenants_messages() -> None:
    a = await make_corp("wwtenantaaaaaaa1")
    b = await make_corp("wwtenantbbbbbbb2")
    await store(a, [message(a, f"A租户 私下转账 返现 {i}", at=i) for i in range(20)])
    await store(b, [message(b, f"B租户 私下转账 返现 {i}", at=i) for i in range(20)])
    found_a = await find(a, "私下转账 返现")
    found_b = await find(b, "私下转账 返现")
    assert len(found_a) == 20
    assert len(found_b) == 20
    assert all(t.startswith("A租户") for t in found_a)
    assert all(t.startswith("B租户") for t in found_b)
    # the index itself narrows to the tenant (the service also re-checks the corp of
    # every message it reads): every hit of A's plan is A's message
    service = Compliance(audit_key=TEST_AUDIT_KEY)
    request = SearchRequest("返现", parse_query("返现"), limit=200)
    plan = await service.plan(compliance_viewer(a), request)
    assert plan is not None
    hits = await backend_for(db()).search(db(), plan)
    docs = await SearchDoc.filter(doc_id__in=[h.doc_id for h in hits])
    owners = {m.corp_id for m in await ArchiveMessage.filter(id__in=[d.message_id for d in docs])}
    assert len(hits) == 20
    assert owners == {a.id}
    # a forged cursor pointing into the other tenant's key range finds nothing of it
    _, high_b = corp_range(b.id)
    page = await Compliance(audit_key=TEST_AUDIT_KEY).search(
        compliance_viewer(a),
        SearchRequest("返现", parse_query("返现"), Filters(), "time", Cursor(high_b), 50),
    )
    assert all(h.text.startswith("A租户") for h in page.hits)
    assert len(page.hits) == 20


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(返现 转账",
        "返现*",
        "返现 ^转账",
        "corp:x 返现",
        "'; DROP TABLE search_docs; --",
        "返现 AND",
        "{w f}: 返现",
    ],
)
async def test_index_syntax_and_sql_in_a_query_are_only_text(corpus: Corp, query: str) -> None:
    found = set(await find(corpus, query))
    # only the letters, digits and Chinese characters were looked for
    for text in found:
        assert "返现" in text or "转账" in text
    # and the index is intact
    assert await SearchDoc.all().count() == len(SENTENCES)
    assert set(await find(corpus, "返现")) == {"返现金额是多少", "有返现吗？"}


@pytest.mark.parametrize("query", ['"', "*", "^", "-返现", "OR", "", "   ", "x" * 300])
async def test_queries_that_cannot_run_are_refused_clearly(query: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(query)
    assert len(str(raised.value)) > 10


async def test_indexing_is_idempotent_and_skips_what_is_not_searchable() -> None:
    corp = await make_corp("wwsearchcorp0005")
    ok = message(corp, "私下转账")
    parked = message(corp, "", status="parked")
    picture = message(corp, "", msgtype="image")
    await store(corp, [ok, parked, picture])
    async with in_transaction():
        # the puller retries the batch: nothing is indexed twice
        assert await index_messages(corp.id, [ok, parked, picture]) == 0
    assert await SearchDoc.filter(corp_id=corp.id).count() == 1
    # a parked message decrypted later is indexed when the puller calls again
    parked.status = "ok"
    parked.text = "返现到账"
    await parked.save()
    async with in_transaction():
        assert await index_messages(corp.id, [parked]) == 1
    assert await find(corp, "返现") == ["返现到账"]


async def test_an_aborted_batch_leaves_no_index_entries() -> None:
    corp = await make_corp("wwsearchcorp0006")

    async def failing_batch() -> None:
        async with in_transaction():
            m = message(corp, "回扣")
            await m.save()
            await index_messages(corp.id, [m])
            raise RuntimeError("the puller failed after indexing")

    with pytest.raises(RuntimeError):
        await failing_batch()
    assert await SearchDoc.all().count() == 0
    assert await find(corp, "回扣") == []


async def test_messages_in_one_millisecond_get_distinct_keys_in_order() -> None:
    corp = await make_corp("wwsearchcorp0007")
    msgs = [message(corp, f"同一毫秒 返现 {i}") for i in range(30)]
    await store(corp, msgs)
    keys = [d.doc_id for d in await SearchDoc.filter(corp_id=corp.id)]
    assert len(set(keys)) == 30
    assert len(await find(corp, "同一毫秒")) == 30


async def test_deleting_a_message_removes_its_index_entry() -> None:
    corp = await make_corp("wwsearchcorp0008")
    _, gone = await store(corp, [message(corp, "返现 一", at=1), message(corp, "返现 二", at=2)])
    await ArchiveMessage.filter(id=gone.id).delete()
    assert await find(corp, "返现") == ["返现 一"]
    assert await SearchDoc.filter(corp_id=corp.id).count() == 1
    conn = db()
    if dialect(conn) == "sqlite":
        # FTS5's own consistency check (contentless: the index against itself)
        await conn.execute_query(
            "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 0)"
        )
    else:
        rows = rows_of(
            await conn.execute_query("SELECT count(*) FROM search_docs WHERE tsv @@ '返现'")
        )
        assert int(rows[0][0]) == 1


async def test_the_index_agrees_with_a_like_scan_on_a_random_corpus() -> None:
    """For Chinese and digit queries the index finds exactly the messages that
    ``LIKE '%word%'`` finds for every word (the index's promise: substrings)."""
    corp = await make_corp("wwsearchcorp0009")
    rng = random.Random(42)
    chars = "返现私下转账微信加我回扣好处费的了是我你他红包金额公司账户打款现金明天"
    digits = "0123456789"
    texts = []
    for _ in range(400):
        body = "".join(rng.choice(chars) for _ in range(rng.randint(3, 25)))
        if rng.random() < 0.3:
            cut = rng.randint(0, len(body))
            body = (
                body[:cut]
                + "".join(rng.choice(digits) for _ in range(rng.randint(3, 11)))
                + body[cut:]
            )
        texts.append(body)
    await store(corp, [message(corp, t, at=i) for i, t in enumerate(texts)])
    queries = [
        "返现",
        "私下转账",
        "转账 红包",
        "的",
        "现金",
        "加我微信",
        "账户打款",
        "12",
        "345",
        "9087",
    ]
    queries += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 3))) for _ in range(30)]
    for q in queries:
        found = sorted(await find(corp, q))
        words = q.split()
        conn = db()
        mark = marker(conn)
        where = " AND ".join(f"text LIKE {mark(i + 2)}" for i in range(len(words)))
        rows = rows_of(
            await conn.execute_query(
                f"SELECT text FROM archive_messages WHERE corp_id = {mark(1)} AND {where}",
                [corp.id, *[f"%{w}%" for w in words]],
            )
        )
        assert found == sorted(str(r[0]) for r in rows), q


async def test_snippets_escape_html_and_mark_the_match() -> None:
    corp = await make_corp("wwsearchcorp0010")
    await store(corp, [message(corp, '<script>alert("返现")</script> & 返现')])
    page = await Compliance(audit_key=TEST_AUDIT_KEY).search(
        compliance_viewer(corp), SearchRequest("返现", parse_query("返现"))
    )
    html = str(page.hits[0].html)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count("<mark>返现</mark>") == 2
    assert "&amp;" in html


async def test_backend_matches_dialect() -> None:
    backend = backend_for(db())
    assert backend.name == ("postgres-gin" if dialect() == "postgres" else "sqlite-fts5")
