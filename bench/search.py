"""Compliance search latency at scale, against a LIKE scan and tantivy, same run.

Builds N synthetic Chinese chat messages (default 1,000,000) in four tenants: words
drawn Zipf-like from jieba's dictionary (its frequencies), punctuation, phone numbers
(some written ``138-1234-5678``), product codes, a few compliance phrases; 1:1, internal
and group chats; a year of timestamps. They are stored and indexed through the product's
own ingest path (``index_messages`` in batches inside transactions, as the puller calls
it), into a database migrated by the product's migrations. Then 200 queries, drawn from
the corpus so each finds something, run newest-first with a 50-hit page:

* 70 two-word AND (``w1 w2``), 70 phrases (``"w1w2"``), 60 one word + a filter
  (employee, direction, time range or message type), with phone numbers (whole or the
  last four digits) and product codes among them;
* **ours**: the index backend's page query (``backend.search``: the tenant/time key
  range, the match, the page), through the app's database connection;
* **service**: the whole ``Compliance.search`` (index, rows, highlights, names and the
  audit-log write), for the record;
* **LIKE**: the same queries as ``text LIKE '%…%'`` per word with the same filters and
  ``ORDER BY msgtime DESC LIMIT 50`` (the (corp, msgtime) index lets it stop early for
  common words). A LIKE query can take a second at 1M rows, so it runs on every
  ``--like-every``-th query (default every 5th: 40 of the 200); its p50/p95 are of that
  sample and the ratio compares them with ours on the same sample. Its top-50 lists are
  compared with ours: they must be identical (same messages, same order).
* **tantivy**: an in-memory-built on-disk tantivy index over the same terms (the same
  term stream in a whitespace-tokenised field with positions, the filter terms, and the
  tenant/time key as a fast field), the same queries as term/phrase/boolean queries with
  a range on the key, ordered by the key, 50 hits.

Each phase runs in its own process (the product's migrations run once per dialect per
process). PostgreSQL (``BENCH_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/
postgres``) gets its own scratch database when reachable, and the same figures.

    python bench/search.py [--messages 1000000] [--queries 200] [--like-every 5]

Last line: ``RESULT search p95_ms=<sqlite> tantivy_ratio=<ours/tantivy>
like_ratio=<like/ours> pg_p95_ms=<pg>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BATCH = 2000
PAGE = 50
START_MS = 1_735_660_800_000  # 2025-01-01 CST
TENANT_WEIGHTS = (0.55, 0.25, 0.15, 0.05)
PUNCT = "，。？！、"
PLANTED = ("返现", "私下转账", "回扣", "加我微信", "好处费")


# -- the corpus ---------------------------------------------------------------------------


def vocabulary(size: int = 60_000) -> tuple[list[str], list[int]]:
    """jieba's dictionary words of 1-4 Chinese characters, by frequency (Zipf-like)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words: list[tuple[int, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, freq, *_ = line.split()
            if 1 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                words.append((int(freq), word))
    words.sort(reverse=True)
    top = words[:size]
    return [w for _, w in top], [f for f, _ in top]


@dataclass
class Msg:
    id: int
    corp: int
    msgid: str
    sender: str
    employee: str
    customer: str
    room: str
    receivers: list[str]
    direction: str
    msgtype: str
    msgtime: int
    text: str
    words: list[str] = field(repr=False)
    extra: str = ""  # a phone number or product code planted in the text

    @property
    def conversation(self) -> str:
        if self.room:
            return self.room
        other = self.customer or (self.receivers[0] if self.receivers else "")
        return "|".join(sorted([self.employee, other]))


def corpus(n: int, seed: int = 20261122) -> list[Msg]:
    rng = random.Random(seed)
    words, freqs = vocabulary()
    lengths = [rng.randint(3, 18) for _ in range(n)]
    pool = rng.choices(words, weights=freqs, k=sum(lengths))
    corps = rng.choices(range(1, 5), weights=TENANT_WEIGHTS, k=n)
    out: list[Msg] = []
    at = START_MS
    k = 0
    for i in range(n):
        parts = pool[k : k + lengths[i]]
        k += lengths[i]
        corp = corps[i]
        at += rng.randint(1, 60_000)
        r = rng.random()
        extra = ""
        text_parts = list(parts)
        if r < 0.02:
            phone = "1" + str(rng.randint(3, 9)) + "".join(rng.choices("0123456789", k=9))
            extra = phone
            shown = phone if rng.random() < 0.7 else f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
            text_parts.insert(rng.randint(0, len(text_parts)), shown)
        elif r < 0.04:
            code = rng.choice(["AB", "XK", "ZR", "MX", "SKU"]) + "-" + str(rng.randint(1000, 9999))
            extra = code
            text_parts.insert(rng.randint(0, len(text_parts)), code)
        elif r < 0.045:
            text_parts.insert(rng.randint(0, len(text_parts)), rng.choice(PLANTED))
        if rng.random() < 0.3:
            text_parts.insert(rng.randint(1, len(text_parts)), rng.choice(PUNCT))
        employee = f"emp{corp}_{rng.randrange(200)}"
        customer = f"wm{corp:02d}{rng.randrange(5000):028x}"
        d = rng.random()
        room = ""
        receivers: list[str] = []
        if d < 0.45:
            direction, sender, receivers = "to_customer", employee, [customer]
        elif d < 0.75:
            direction, sender, receivers = "from_customer", customer, [employee]
        elif d < 0.85:
            other = f"emp{corp}_{rng.randrange(200)}"
            direction, sender, receivers, customer = "internal", employee, [other], ""
        else:
            room = f"wr{corp:02d}{rng.randrange(300):020x}"
            direction = "room"
            sender = employee if rng.random() < 0.6 else customer
            employee = sender if sender.startswith("emp") else ""
            customer = ""
        msgtype = rng.choices(["text", "link", "file", "location"], weights=(90, 4, 3, 3))[0]
        out.append(
            Msg(
                id=i + 1,
                corp=corp,
                msgid=f"bench{i:09d}",
                sender=sender,
                employee=employee,
                customer=customer,
                room=room,
                receivers=receivers,
                direction=direction,
                msgtype=msgtype,
                msgtime=at,
                text="".join(text_parts),
                words=list(parts),
                extra=extra,
            )
        )
    return out


@dataclass
class BenchQuery:
    kind: str  # and2 | phrase | filter
    corp: int
    text: str
    filters: dict[str, str]
    like_words: list[str]  # the substrings LIKE must find (one per query unit)


def queries(msgs: Sequence[Msg], count: int, seed: int = 7) -> list[BenchQuery]:
    rng = random.Random(seed)
    by_corp: dict[int, list[Msg]] = {}
    for m in msgs:
        by_corp.setdefault(m.corp, []).append(m)
    # written as typed (LIKE cannot see 13812345678 in 138-1234-5678; the index can)
    with_extra = [m for m in msgs if m.extra and m.extra in m.text]
    out: list[BenchQuery] = []
    n_and, n_phrase = count * 35 // 100, count * 35 // 100
    while len(out) < count:
        i = len(out)
        kind = "and2" if i < n_and else "phrase" if i < n_and + n_phrase else "filter"
        if i % 10 == 3 and with_extra:
            m = rng.choice(with_extra)
            value = m.extra if (not m.extra[0].isdigit() or rng.random() < 0.5) else m.extra[-4:]
            out.append(_with_filter(rng, m, kind, value, [value.replace("-", "")], msgs))
            continue
        corp = 1 if rng.random() < 0.7 else rng.randint(2, 4)
        m = rng.choice(by_corp[corp])
        longer = [w for w in m.words if len(w) >= 2]
        if kind == "and2":
            if len(set(longer)) < 2:
                continue
            a, b = rng.sample(sorted(set(longer)), 2)
            out.append(BenchQuery(kind, m.corp, f"{a} {b}", {}, [a, b]))
        elif kind == "phrase":
            pairs = [
                (x, y)
                for x, y in zip(m.words, m.words[1:], strict=False)
                if len(x) + len(y) >= 3 and x + y in m.text
            ]
            if not pairs:
                continue
            x, y = rng.choice(pairs)
            out.append(BenchQuery(kind, m.corp, f'"{x}{y}"', {}, [x + y]))
        else:
            if not longer:
                continue
            w = rng.choice(longer)
            out.append(_with_filter(rng, m, kind, w, [w], msgs))
    return out


def _with_filter(
    rng: random.Random, m: Msg, kind: str, text: str, like: list[str], msgs: Sequence[Msg]
) -> BenchQuery:
    filters: dict[str, str] = {}
    if kind == "filter":
        choice = rng.randrange(4)
        if choice == 0 and m.employee:
            filters["employee"] = m.employee
        elif choice == 1:
            filters["direction"] = m.direction
        elif choice == 2:
            filters["since"] = str((m.msgtime // 1000) - 15 * 86400)
            filters["until"] = str((m.msgtime // 1000) + 15 * 86400)
        else:
            filters["msgtype"] = m.msgtype
    return BenchQuery(kind, m.corp, text, filters, like)


# -- measuring ---------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"p50": pct(values, 0.5), "p95": pct(values, 0.95), "mean": statistics.fmean(values)}


async def build(url: str, msgs: Sequence[Msg]) -> dict[str, float]:
    """Migrate, store and index the corpus through the product's ingest code."""
    from tortoise.transactions import in_transaction

    from wecom_app.archive.bulk_sql import fast_instance
    from wecom_app.search.ingest import index_messages
    from wecom_app.store.archive import ArchiveMessage
    from wecom_app.store.db import db, dialect
    from wecom_app.store.migrate import migrate
    from wecom_app.store.models import Corp

    await migrate(url)
    from wecom_app.store.db import init_db

    await init_db(url)
    for corp in range(1, 5):
        await Corp.create(id=corp, corp_id=f"wwbench{corp:09d}", mode="self_built")
    pg = dialect() == "postgres"
    columns = (
        "id, corp_id, msgid, seq, publickey_ver, status, action, msgtype, sender, receivers, "
        "roomid, conversation, external_userid, employee_userid, direction, msgtime, text, "
        "tokens, body, record, error, recalled_by, created_at"
    )
    marks = ", ".join(f"${i}" if pg else "?" for i in range(1, 24))
    sql = f"INSERT INTO archive_messages ({columns}) VALUES ({marks})"
    started = time.perf_counter()
    indexing = 0.0
    by_corp_batches: list[list[Msg]] = []
    current: dict[int, list[Msg]] = {}
    for m in msgs:
        bucket = current.setdefault(m.corp, [])
        bucket.append(m)
        if len(bucket) >= BATCH:
            by_corp_batches.append(bucket)
            current[m.corp] = []
    by_corp_batches.extend(b for b in current.values() if b)
    from datetime import UTC, datetime

    now = datetime.now(UTC) if pg else datetime.now(UTC).isoformat(" ")
    for batch in by_corp_batches:
        rows = [
            [
                m.id,
                m.corp,
                m.msgid,
                m.id,
                1,
                "ok",
                "send",
                m.msgtype,
                m.sender,
                json.dumps(m.receivers),
                m.room,
                m.conversation,
                m.customer,
                m.employee,
                m.direction,
                m.msgtime,
                m.text,
                "",
                "{}",
                "{}",
                "",
                "",
                now,
            ]
            for m in batch
        ]
        # model objects the way the puller builds them for this hook (no ORM __init__)
        objects = [
            fast_instance(
                ArchiveMessage,
                {
                    "id": m.id,
                    "corp_id": m.corp,
                    "msgid": m.msgid,
                    "seq": m.id,
                    "status": "ok",
                    "action": "send",
                    "msgtype": m.msgtype,
                    "sender": m.sender,
                    "receivers": m.receivers,
                    "roomid": m.room,
                    "conversation": m.conversation,
                    "external_userid": m.customer,
                    "employee_userid": m.employee,
                    "direction": m.direction,
                    "msgtime": m.msgtime,
                    "text": m.text,
                },
            )
            for m in batch
        ]
        async with in_transaction() as conn:
            await conn.execute_many(sql, rows)
            t0 = time.perf_counter()
            await index_messages(batch[0].corp, objects, conn)
            indexing += time.perf_counter() - t0
    if pg:
        await db().execute_script("ANALYZE")
        await db().execute_script(
            "SELECT setval(pg_get_serial_sequence('archive_messages', 'id'), "
            "(SELECT max(id) FROM archive_messages))"
        )
    else:
        await db().execute_script("ANALYZE")
    return {"build_s": time.perf_counter() - started, "index_s": indexing}


async def index_size() -> int:
    from wecom_app.store.db import db, dialect
    from wecom_app.store.sql import rows_of

    conn = db()
    if dialect(conn) == "postgres":
        rows = rows_of(await conn.execute_query("SELECT pg_total_relation_size('search_docs')"))
        return int(rows[0][0])
    rows = rows_of(
        await conn.execute_query(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_%' "
            "OR name LIKE 'sqlite_autoindex_search_docs%'"
        )
    )
    return int(rows[0][0] or 0)


def plan_for(q: BenchQuery) -> Any:
    from wecom_app.search.hits import filter_groups
    from wecom_app.search.index import Plan
    from wecom_app.search.keys import time_range
    from wecom_app.search.query import parse_query
    from wecom_app.search.request import parse_filters

    filters = parse_filters(q.filters)
    low, high = time_range(q.corp, filters.since, filters.until)
    return Plan(parse_query(q.text), tuple(filter_groups(filters)), low, high, "time", None, PAGE)


ROUNDS = 3


class Engines:
    """Every way a query is timed; each returns (latency in ms, message or doc ids)."""

    def __init__(self, qs: Sequence[BenchQuery], sqlite_path: Path | None) -> None:
        from wecom_app.search.backend import backend_for
        from wecom_app.search.sqlite import fts5_query
        from wecom_app.store.db import db

        self.plans = [plan_for(q) for q in qs]
        self.conn = db()
        self.backend = backend_for(self.conn)
        self.raw: Any = None
        if sqlite_path is not None:
            import sqlite3

            # the same SQL on a plain synchronous connection: the engine without the
            # app's async driver (aiosqlite runs each statement on its own thread)
            self.raw = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
            from wecom_app.search import sqlite as ours

            self.raw_sql = ours._PAGE
            self.raw_args = [
                [fts5_query(p.match, p.filter_groups), p.low, p.high, p.limit] for p in self.plans
            ]
        self.tantivy: Any = None

    async def ours(self, i: int) -> tuple[float, list[int]]:
        started = time.perf_counter()
        hits = await self.backend.search(self.conn, self.plans[i])
        return (time.perf_counter() - started) * 1000, [h.doc_id for h in hits]

    def ours_sync(self, i: int) -> tuple[float, list[int]]:
        started = time.perf_counter()
        rows = self.raw.execute(self.raw_sql, self.raw_args[i]).fetchall()
        return (time.perf_counter() - started) * 1000, [int(r[0]) for r in rows]

    def tantivy_sync(self, i: int) -> tuple[float, list[int]]:
        searcher, query = self.tantivy
        started = time.perf_counter()
        result = searcher.search(query[i], limit=PAGE, count=False, order_by_field="key")
        return (time.perf_counter() - started) * 1000, [int(k) for k, _ in result.hits]

    async def tantivy_async(self, i: int) -> tuple[float, list[int]]:
        # as the app would have to call it: off the event loop, like aiosqlite does
        searcher, query = self.tantivy
        started = time.perf_counter()
        result = await asyncio.to_thread(
            searcher.search, query[i], limit=PAGE, count=False, order_by_field="key"
        )
        return (time.perf_counter() - started) * 1000, [int(k) for k, _ in result.hits]


async def message_ids(keys: Sequence[Sequence[int]]) -> list[list[int]]:
    """Document keys → message ids (for comparing with the LIKE scan)."""
    from wecom_app.store.db import db
    from wecom_app.store.sql import in_list, rows_of

    conn = db()
    out = []
    for page in keys:
        if not page:
            out.append([])
            continue
        rows = rows_of(
            await conn.execute_query(
                f"SELECT doc_id, message_id FROM search_docs WHERE doc_id IN "
                f"{in_list(1, len(page), conn)}",
                list(page),
            )
        )
        by_key = {int(r[0]): int(r[1]) for r in rows}
        out.append([by_key[k] for k in page])
    return out


async def measure(engines: Engines, names: Sequence[str]) -> dict[str, list[float]]:
    """Every query on every engine, ``ROUNDS`` times, engines interleaved per round (so
    noise on this shared machine hits them alike); a query's latency is its median."""
    n = len(engines.plans)
    for name in names:  # warm caches, as a running server would be
        for i in range(n):
            got = getattr(engines, name)(i)
            if asyncio.iscoroutine(got):
                await got
    samples: dict[str, list[list[float]]] = {name: [[] for _ in range(n)] for name in names}
    for _ in range(ROUNDS):
        for name in names:
            for i in range(n):
                got = getattr(engines, name)(i)
                ms, _ids = await got if asyncio.iscoroutine(got) else got
                samples[name][i].append(ms)
    return {name: [statistics.median(s) for s in per] for name, per in samples.items()}


async def time_service(qs: Sequence[BenchQuery]) -> list[float]:
    from wecom_app.search.access import Viewer
    from wecom_app.search.audit import AuditKey
    from wecom_app.search.query import parse_query
    from wecom_app.search.request import SearchRequest, parse_filters
    from wecom_app.search.service import Compliance

    service = Compliance(audit_key=AuditKey.derive("bench-secret-key-" + "x" * 32))
    latencies = []
    for q in qs:
        viewer = Viewer(q.corp, f"wwbench{q.corp:09d}", "bench", frozenset({"compliance"}))
        request = SearchRequest(q.text, parse_query(q.text), parse_filters(q.filters), limit=PAGE)
        started = time.perf_counter()
        await service.search(viewer, request)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def time_like(
    qs: Sequence[BenchQuery], every: int
) -> tuple[list[int], list[float], list[list[int]]]:
    from wecom_app.search.request import parse_filters
    from wecom_app.store.db import db, dialect
    from wecom_app.store.sql import marker, rows_of

    conn = db()
    mark = marker(conn)
    receivers = "receivers::text" if dialect(conn) == "postgres" else "receivers"
    picked = list(range(0, len(qs), every))
    latencies: list[float] = []
    results: list[list[int]] = []
    for index in picked:
        q = qs[index]
        values: list[Any] = [q.corp]
        where = [f"corp_id = {mark(1)}", "status = 'ok'"]
        for w in q.like_words:
            values.append(f"%{w}%")
            where.append(f"text LIKE {mark(len(values))}")
        f = parse_filters(q.filters)
        if f.employees:
            values += [f.employees[0], f.employees[0], f'%"{f.employees[0]}"%']
            n = len(values)
            where.append(
                f"(employee_userid = {mark(n - 2)} OR sender = {mark(n - 1)} "
                f"OR {receivers} LIKE {mark(n)})"
            )
        if f.directions:
            values.append(f.directions[0])
            where.append(f"direction = {mark(len(values))}")
        if f.msgtypes:
            values.append(f.msgtypes[0])
            where.append(f"msgtype = {mark(len(values))}")
        if f.since is not None:
            values.append(f.since * 1000)
            where.append(f"msgtime >= {mark(len(values))}")
        if f.until is not None:
            values.append(f.until * 1000)
            where.append(f"msgtime < {mark(len(values))}")
        sql = (
            f"SELECT id FROM archive_messages WHERE {' AND '.join(where)} "
            f"ORDER BY msgtime DESC, id DESC LIMIT {PAGE}"
        )
        started = time.perf_counter()
        rows = rows_of(await conn.execute_query(sql, values))
        latencies.append((time.perf_counter() - started) * 1000)
        results.append([int(r[0]) for r in rows])
    return picked, latencies, results


def tantivy_index(
    msgs: Sequence[Msg], qs: Sequence[BenchQuery], workdir: Path
) -> tuple[Any, list[Any], dict[str, Any]]:
    """The same terms, filters and key in tantivy; the same queries, newest first."""
    import tantivy

    from wecom_app.search.keys import preferred_key
    from wecom_app.search.query import AllOf, AnyOf, Phrase
    from wecom_app.text.message_terms import filter_terms
    from wecom_app.text.terms import index_terms

    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("w", tokenizer_name="ws", index_option="position")
    builder.add_text_field("f", tokenizer_name="ws", index_option="basic")
    builder.add_integer_field("key", fast=True, indexed=True)
    schema = builder.build()
    path = workdir / "tantivy"
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer("ws", analyzer)
    started = time.perf_counter()
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    used: set[int] = set()
    for m in msgs:
        key = preferred_key(m.corp, m.msgtime, m.id)
        while key in used:
            key += 1
        used.add(key)
        view = _View(m)
        writer.add_document(
            tantivy.Document(
                w=" ".join(index_terms(m.text)), f=" ".join(filter_terms(view)), key=key
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build_s = time.perf_counter() - started
    searcher = index.searcher()

    def term(field_name: str, value: str) -> Any:
        return tantivy.Query.term_query(schema, field_name, value)

    def compile_expr(expr: Any) -> Any:
        if isinstance(expr, Phrase):
            if expr.prefix:
                if len(expr.terms) == 1:
                    return tantivy.Query.regex_query(schema, "w", _regex_prefix(expr.terms[0]))
                return tantivy.Query.phrase_prefix_query(schema, "w", list(expr.terms))
            if len(expr.terms) == 1:
                return term("w", expr.terms[0])
            return tantivy.Query.phrase_query(schema, "w", list(expr.terms))
        occur = tantivy.Occur.Must if isinstance(expr, AllOf) else tantivy.Occur.Should
        assert isinstance(expr, AllOf | AnyOf)
        return tantivy.Query.boolean_query([(occur, compile_expr(e)) for e in expr.items])

    compiled = []
    for q in qs:
        plan = plan_for(q)
        parts = [(tantivy.Occur.Must, compile_expr(e)) for e in plan.match.must]
        for group in plan.filter_groups:
            parts.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.boolean_query(
                        [(tantivy.Occur.Should, term("f", t)) for t in group]
                    ),
                )
            )
        parts.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.range_query(
                    schema, "key", tantivy.FieldType.Integer, plan.low, plan.high
                ),
            )
        )
        compiled.append(tantivy.Query.boolean_query(parts))
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return searcher, compiled, {"tantivy_size": size, "tantivy_build_s": build_s}


def _regex_prefix(prefix: str) -> str:
    import re

    return re.escape(prefix) + ".*"


class _View:
    """A :class:`Msg` with the field names the product's filter code reads."""

    def __init__(self, m: Msg) -> None:
        self.employee_userid = m.employee
        self.external_userid = m.customer
        self.sender = m.sender
        self.direction = m.direction
        self.receivers = m.receivers
        self.roomid = m.room
        self.msgtype = m.msgtype


async def database_phase(
    url: str, args: argparse.Namespace, workdir: Path, sqlite_path: Path | None = None
) -> dict[str, Any]:
    from wecom_app.store.db import close_db, db

    msgs = corpus(args.messages)
    qs = queries(msgs, args.queries)
    out: dict[str, Any] = {"messages": len(msgs), "queries": len(qs)}
    out.update(await build(url, msgs))
    try:
        out["index_size"] = await index_size()
        engines = Engines(qs, sqlite_path)
        names = ["ours"]
        if sqlite_path is not None:
            names.append("ours_sync")
        if args.tantivy:
            searcher, compiled, info = tantivy_index(msgs, qs, workdir)
            engines.tantivy = (searcher, compiled)
            out.update(info)
            names += ["tantivy_sync", "tantivy_async"]
        timings = await measure(engines, names)
        for name, values in timings.items():
            out[name] = summary(values)
        ours = timings["ours"]
        our_keys = [(await engines.ours(i))[1] for i in range(len(qs))]
        if args.tantivy:
            # both give document keys: the same 50, in the same order
            out["tantivy_same"] = sum(
                1 for i in range(len(qs)) if engines.tantivy_sync(i)[1] == our_keys[i]
            )
        our_results = await message_ids(our_keys)
        out["by_kind"] = {
            kind: summary([ours[i] for i, q in enumerate(qs) if q.kind == kind])
            for kind in ("and2", "phrase", "filter")
        }
        out["hits_mean"] = statistics.fmean(len(r) for r in our_results)
        picked, like, like_results = await time_like(qs, args.like_every)
        out["like"] = summary(like)
        out["ours_on_like_sample"] = summary([ours[i] for i in picked])
        out["like_sample"] = len(picked)
        out["agree"] = sum(
            1 for i, r in zip(picked, like_results, strict=True) if our_results[i] == r
        )
        if sqlite_path is not None:
            # the figures above are as ingested (FTS5 segments merged only by its
            # automerge); after an 'optimize' (one segment):
            started = time.perf_counter()
            await db().execute_script("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            out["optimize_s"] = time.perf_counter() - started
            out["optimized"] = summary((await measure(engines, ["ours"]))["ours"])
            out["index_size_optimized"] = await index_size()
        out["service"] = summary(await time_service(qs))
    finally:
        await close_db()
    return out


def run_phase(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        if args.phase == "sqlite":
            path = workdir / "bench.sqlite3"
            result = asyncio.run(database_phase(f"sqlite://{path}", args, workdir, path))
        else:
            result = asyncio.run(postgres_phase(args, workdir))
        print("PHASE " + json.dumps(result))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def postgres_phase(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    import asyncpg

    name = f"bench_search_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        args.tantivy = False
        return await database_phase(f"{base}/{name}", args, workdir)
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def pg_reachable() -> bool:
    async def check() -> bool:
        import asyncpg

        try:
            conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(check())


def spawn(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    argv = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--messages",
        str(args.messages),
        "--queries",
        str(args.queries),
        "--like-every",
        str(args.like_every),
    ]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"the {phase} phase failed")
    line = next(x for x in done.stdout.splitlines() if x.startswith("PHASE "))
    result: dict[str, Any] = json.loads(line[len("PHASE ") :])
    result["wall_s"] = time.perf_counter() - started
    return result


def fmt(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:7.2f} ms  p95 {s['p95']:7.2f} ms"


def report(label: str, r: dict[str, Any]) -> None:
    mb = r["index_size"] / 1e6
    print(
        f"\n== {label}: {r['messages']:,} messages, {r['queries']} queries, median of "
        f"{ROUNDS} runs each (stored and indexed in {r['build_s']:.0f} s, of which "
        f"indexing {r['index_s']:.0f} s)"
    )
    print(f"  ours, app path         {fmt(r['ours'])}   index {mb:,.0f} MB (as ingested)")
    for kind, s in r["by_kind"].items():
        print(f"    {kind:<8}             {fmt(s)}")
    if "ours_sync" in r:
        print(f"  ours, engine only      {fmt(r['ours_sync'])}   (same SQL, plain sqlite3)")
    if "optimized" in r:
        print(
            f"  ours, FTS5 optimized   {fmt(r['optimized'])}   index "
            f"{r['index_size_optimized'] / 1e6:,.0f} MB (optimize took {r['optimize_s']:.0f} s)"
        )
    print(f"  service, end to end    {fmt(r['service'])}   (rows, highlights, audit write)")
    print(
        f"  LIKE on {r['like_sample']} of them      {fmt(r['like'])}   "
        f"(ours on the same: {fmt(r['ours_on_like_sample'])}); "
        f"identical top-{PAGE}: {r['agree']}/{r['like_sample']}"
    )
    if "tantivy_sync" in r:
        print(
            f"  tantivy, engine only   {fmt(r['tantivy_sync'])}   index "
            f"{r['tantivy_size'] / 1e6:,.0f} MB (built in {r['tantivy_build_s']:.0f} s)"
        )
        print(f"  tantivy, off the loop  {fmt(r['tantivy_async'])}   (asyncio.to_thread)")
        print(f"  identical top-{PAGE} (keys, order) to ours: {r['tantivy_same']}/{r['queries']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--like-every", type=int, default=5)
    parser.add_argument("--phase", choices=("sqlite", "postgres"), default=None)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    args.tantivy = True
    if args.phase:
        run_phase(args)
        return
    sqlite = spawn("sqlite", args)
    report("SQLite FTS5", sqlite)
    pg: dict[str, Any] | None = None
    if not args.no_pg and pg_reachable():
        pg = spawn("postgres", args)
        report("PostgreSQL GIN", pg)
    else:
        print("\n== PostgreSQL: skipped (--no-pg or not reachable)")
    ours = sqlite["ours"]["p95"]
    # same footing: both called the way the app calls an index (off the event loop)
    tantivy_ratio = ours / sqlite["tantivy_async"]["p95"]
    engine_ratio = sqlite["ours_sync"]["p95"] / sqlite["tantivy_sync"]["p95"]
    like_ratio = sqlite["like"]["p95"] / sqlite["ours_on_like_sample"]["p95"]
    print(
        f"\nSQLite p95 {ours:.2f} ms = {tantivy_ratio:.2f}x tantivy's p95 called the same "
        f"way ({engine_ratio:.2f}x engine to engine); LIKE p95 = {like_ratio:.0f}x ours "
        "(on the LIKE sample)"
    )
    if pg is not None:
        print(
            f"PostgreSQL p95 {pg['ours']['p95']:.2f} ms; LIKE p95 = "
            f"{pg['like']['p95'] / pg['ours_on_like_sample']['p95']:.0f}x ours there"
        )
    pg_text = f"{pg['ours']['p95']:.2f}" if pg is not None else "nan"
    print(
        f"RESULT search p95_ms={ours:.2f} tantivy_ratio={tantivy_ratio:.2f} "
        f"like_ratio={like_ratio:.0f} pg_p95_ms={pg_text}"
    )


if __name__ == "__main__":
    main()
