"""The hash-chained audit log: what is written, tamper detection, no forks, the CLI."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest

from tests.support.search import (
    TEST_AUDIT_KEY,
    compliance_viewer,
    make_corp,
    message,
    plain_viewer,
    store,
)
from wecom_app.search import audit, audit_verify
from wecom_app.search.access import AccessDenied
from wecom_app.search.query import parse_query
from wecom_app.search.request import SearchRequest
from wecom_app.search.service import Compliance
from wecom_app.store.db import db
from wecom_app.store.models import Corp
from wecom_app.store.search import AuditEntry, AuditHead

pytestmark = pytest.mark.usefixtures("database")


async def _write(corp: Corp, n: int) -> None:
    for i in range(n):
        await audit.record(
            corp.id,
            f"user{i % 3}",
            "search",
            {"q": f"返现 {i}"},
            key=TEST_AUDIT_KEY,
            now=1000.0 + i,
        )


async def _raw(sql: str) -> None:
    """Tamper with the table directly, as someone with database access could."""
    await db().execute_script(sql)


async def test_a_fresh_chain_verifies_and_links_every_entry() -> None:
    corp = await make_corp("wwaudit000000001")
    await _write(corp, 12)
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert result.ok, result.problems
    assert result.checked == 12
    rows = await AuditEntry.filter(corp_id=corp.id).order_by("seq")
    assert [r.seq for r in rows] == list(range(1, 13))
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    head = await AuditHead.get(corp_id=corp.id)
    assert (head.seq, head.hash) == (12, rows[-1].hash)


async def test_an_edited_entry_is_found_and_named() -> None:
    corp = await make_corp("wwaudit000000002")
    await _write(corp, 10)
    await _raw(f"UPDATE audit_log SET actor = 'someone_else' WHERE corp_id = {corp.id} AND seq = 4")
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert not result.ok
    assert [(p.seq, p.kind) for p in result.problems] == [(4, "edited")]


async def test_an_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    corp = await make_corp("wwaudit000000003")
    await _write(corp, 6)
    row = await AuditEntry.get(corp_id=corp.id, seq=3)
    forged_detail = json.dumps({"q": "nothing to see"}, separators=(",", ":"))
    forged = audit.chain_hash(
        TEST_AUDIT_KEY,
        row.prev_hash,
        audit.content_of(corp.id, 3, row.at_ms, row.actor, row.action, forged_detail),
    )
    await AuditEntry.filter(id=row.id).update(detail=forged_detail, hash=forged)
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert [(p.seq, p.kind) for p in result.problems] == [(4, "broken_link")]


async def test_deleted_entries_are_found_in_the_middle_and_at_the_end() -> None:
    corp = await make_corp("wwaudit000000004")
    await _write(corp, 10)
    await _raw(f"DELETE FROM audit_log WHERE corp_id = {corp.id} AND seq IN (5, 6)")
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    kinds = [(p.seq, p.kind) for p in result.problems]
    assert (5, "missing") in kinds
    assert (7, "broken_link") in kinds

    other = await make_corp("wwaudit000000005")
    await _write(other, 8)
    await _raw(f"DELETE FROM audit_log WHERE corp_id = {other.id} AND seq >= 7")
    tail = await audit_verify.verify(other.id, TEST_AUDIT_KEY)
    assert [(p.seq, p.kind) for p in tail.problems] == [(7, "tail_missing")]


async def test_reordered_entries_are_found() -> None:
    corp = await make_corp("wwaudit000000006")
    await _write(corp, 6)
    # swap the positions of entries 2 and 3 (everything else untouched)
    await _raw(
        f"UPDATE audit_log SET seq = -2 WHERE corp_id = {corp.id} AND seq = 2;"
        f"UPDATE audit_log SET seq = 2 WHERE corp_id = {corp.id} AND seq = 3;"
        f"UPDATE audit_log SET seq = 3 WHERE corp_id = {corp.id} AND seq = -2;"
    )
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert not result.ok
    assert {p.seq for p in result.problems} >= {2, 3}


async def test_each_tenant_has_its_own_chain() -> None:
    a = await make_corp("wwaudit00000000a")
    b = await make_corp("wwaudit00000000b")
    await _write(a, 3)
    await _write(b, 2)
    await _raw(f"UPDATE audit_log SET action = 'x' WHERE corp_id = {b.id} AND seq = 1")
    assert (await audit_verify.verify(a.id, TEST_AUDIT_KEY)).ok
    assert not (await audit_verify.verify(b.id, TEST_AUDIT_KEY)).ok


async def test_concurrent_writers_never_fork_the_chain() -> None:
    """Many writers at once (on PostgreSQL: separate pooled connections, really in
    parallel): every entry gets its own seq and links to the one before."""
    corp = await make_corp("wwaudit000000007")
    await asyncio.gather(
        *(
            audit.record(corp.id, f"u{i}", "search", {"i": i}, key=TEST_AUDIT_KEY, now=2000.0)
            for i in range(40)
        )
    )
    result = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert result.ok, result.problems
    assert result.checked == 40
    seqs = [e.seq for e in await AuditEntry.filter(corp_id=corp.id)]
    assert sorted(seqs) == list(range(1, 41))
    # no two entries claim the same predecessor (a fork would)
    prevs = [e.prev_hash for e in await AuditEntry.filter(corp_id=corp.id)]
    assert len(set(prevs)) == 40


async def test_searches_views_exports_and_refusals_are_audited() -> None:
    corp = await make_corp("wwaudit000000008")
    (hit,) = await store(corp, [message(corp, "私下转账")])
    service = Compliance(clock=lambda: 1_700_000_000.0, audit_key=TEST_AUDIT_KEY)
    viewer = compliance_viewer(corp, "auditor1")
    page = await service.search(viewer, SearchRequest("转账", parse_query("转账")))
    assert [h.id for h in page.hits] == [hit.id]
    await service.context(viewer, hit.id)
    await service.conversation(viewer, hit.conversation)
    stream = await service.export(viewer, SearchRequest("转账", parse_query("转账")), "jsonl")
    body = b"".join([chunk async for chunk in stream])
    assert "私下转账" in body.decode()
    outsider = plain_viewer(corp, "sales01", roles=("manager",))
    with pytest.raises(AccessDenied):
        await service.search(outsider, SearchRequest("转账", parse_query("转账")))

    rows = await AuditEntry.filter(corp_id=corp.id).order_by("seq")
    assert [(r.actor, r.action) for r in rows] == [
        ("auditor1", "search"),
        ("auditor1", "context"),
        ("auditor1", "conversation"),
        ("auditor1", "export"),
        ("auditor1", "export_done"),
        ("sales01", "denied"),
    ]
    search_detail = json.loads(rows[0].detail)
    assert search_detail["q"] == "转账"
    assert search_detail["message_ids"] == [hit.id]
    assert json.loads(rows[4].detail)["rows"] == 1
    assert json.loads(rows[5].detail)["attempted"] == "search"
    assert rows[0].at_ms == 1_700_000_000_000
    assert (await audit_verify.verify(corp.id, TEST_AUDIT_KEY)).ok
