"""Issue 16, item 1: someone who can write the database but holds no audit key tries to
rewrite the audit log. Each attack of the issue is performed, and each is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.search import TEST_AUDIT_KEY, make_corp
from wecom_app.search import audit, audit_checkpoint, audit_verify
from wecom_app.store.db import db
from wecom_app.store.models import Corp
from wecom_app.store.search import AlertRule, AuditEntry, AuditHead

pytestmark = pytest.mark.usefixtures("database")

OTHER_KEY = audit.AuditKey.derive("another-secret-key-" + "y" * 32)


async def _write(corp: Corp, n: int, start: float = 1000.0) -> None:
    for i in range(n):
        await audit.record(
            corp.id, "auditor", "search", {"q": f"返现 {i}"}, key=TEST_AUDIT_KEY, now=start + i
        )


async def _checkpoint(path: Path, now: float = 5000.0) -> None:
    results = await audit_checkpoint.take(path, TEST_AUDIT_KEY, now=now)
    assert all(r.ok for _, r in results), [r.problems for _, r in results]


async def _verify_all(path: Path) -> dict[str, audit_verify.Verification]:
    checkpoint = audit_checkpoint.read(path, TEST_AUDIT_KEY)
    results = await audit_checkpoint.verify_all(TEST_AUDIT_KEY, checkpoint)
    return {corp.corp_id: result for corp, result in results}


async def _recompute_plain(corp: Corp, from_seq: int) -> None:
    """Rewrite entries from ``from_seq`` on and recompute the chain with plain SHA-256,
    head included — what anyone could do to the old chain."""
    rows = await AuditEntry.filter(corp_id=corp.id).order_by("seq")
    prev = audit.GENESIS
    for row in rows:
        if row.seq >= from_seq:
            detail = '{"q":"nothing to see"}' if row.seq == from_seq else row.detail
            content = audit.content_of(corp.id, row.seq, row.at_ms, row.actor, row.action, detail)
            digest = audit.legacy_hash(prev, content)
            await AuditEntry.filter(id=row.id).update(detail=detail, prev_hash=prev, hash=digest)
            prev = digest
        else:
            prev = row.hash
    await AuditHead.filter(corp_id=corp.id).update(hash=prev)


async def test_entries_are_hmac_chained_and_not_plain_sha256() -> None:
    corp = await make_corp("wwtamper00000001")
    await _write(corp, 3)
    row = await AuditEntry.get(corp_id=corp.id, seq=2)
    content = audit.content_of(corp.id, 2, row.at_ms, row.actor, row.action, row.detail)
    assert row.hash != audit.legacy_hash(row.prev_hash, content)
    assert row.hash == audit.chain_hash(TEST_AUDIT_KEY, row.prev_hash, content)
    assert (await audit_verify.verify(corp.id, TEST_AUDIT_KEY)).ok
    wrong = await audit_verify.verify(corp.id, OTHER_KEY)
    assert [p.kind for p in wrong.problems] == ["edited"] * 3


async def test_truncation_with_the_head_moved_back_is_caught_by_the_checkpoint(
    tmp_path: Path,
) -> None:
    corp = await make_corp("wwtamper00000002")
    await _write(corp, 8)
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    kept = await AuditEntry.get(corp_id=corp.id, seq=5)
    # the two statements of the issue
    await db().execute_script(f"DELETE FROM audit_log WHERE corp_id = {corp.id} AND seq > 5")
    await AuditHead.filter(corp_id=corp.id).update(seq=5, hash=kept.hash)
    assert (await audit_verify.verify(corp.id, TEST_AUDIT_KEY)).ok  # the chain alone holds
    result = (await _verify_all(path))[corp.corp_id]
    assert not result.ok
    assert [(p.kind, p.seq) for p in result.problems] == [("checkpoint", 6)]
    assert "entries 6..8 were deleted" in result.problems[0].message


async def test_a_rewrite_recomputed_with_plain_sha256_is_caught_with_or_without_checkpoint(
    tmp_path: Path,
) -> None:
    corp = await make_corp("wwtamper00000003")
    await _write(corp, 6)
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    await _write(corp, 2, start=6000.0)  # entries after the checkpoint
    await _recompute_plain(corp, 7)
    alone = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert [(p.kind, p.seq) for p in alone.problems] == [("edited", 7), ("edited", 8)]
    # the whole chain recomputed, so that it would pass as a legacy chain
    await _recompute_plain(corp, 1)
    result = (await _verify_all(path))[corp.corp_id]
    kinds = [p.kind for p in result.problems]
    assert kinds == ["checkpoint", "checkpoint"], result.problems
    assert "rewritten" in result.problems[0].message
    assert "without the audit key" in result.problems[1].message


async def test_deleting_a_tenants_whole_log_with_its_head_is_caught(tmp_path: Path) -> None:
    corp = await make_corp("wwtamper00000004")
    other = await make_corp("wwtamper00000005")
    await _write(corp, 4)
    await _write(other, 2)
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    await AuditEntry.filter(corp_id=corp.id).delete()
    await AuditHead.filter(corp_id=corp.id).delete()
    results = await _verify_all(path)
    assert results[other.corp_id].ok
    assert not results[corp.corp_id].ok
    assert "the whole log is gone" in results[corp.corp_id].problems[0].message


async def test_a_tenant_with_compliance_activity_and_no_log_is_an_error(tmp_path: Path) -> None:
    corp = await make_corp("wwtamper00000006")
    await AlertRule.create(corp_id=corp.id, name="r", kind="words", pattern="返现")
    results = await _verify_all(tmp_path / "none.json")
    assert [p.kind for p in results[corp.corp_id].problems] == ["no_log"]


async def test_an_altered_checkpoint_file_is_refused(tmp_path: Path) -> None:
    corp = await make_corp("wwtamper00000007")
    await _write(corp, 3)
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text(path.read_text().replace('"seq": 3', '"seq": 1'))
    with pytest.raises(audit_checkpoint.CheckpointError, match="signature"):
        audit_checkpoint.read(path, TEST_AUDIT_KEY)


async def test_a_broken_chain_keeps_its_old_anchor(tmp_path: Path) -> None:
    corp = await make_corp("wwtamper00000008")
    await _write(corp, 4)
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    await AuditEntry.filter(corp_id=corp.id, seq=2).update(actor="someone")
    await _write(corp, 1, start=7000.0)
    await audit_checkpoint.take(path, TEST_AUDIT_KEY, now=8000.0)
    checkpoint = audit_checkpoint.read(path, TEST_AUDIT_KEY)
    assert checkpoint is not None
    assert checkpoint.anchors[corp.id].seq == 4


async def test_legacy_sha256_entries_verify_as_a_prefix_and_are_anchored(tmp_path: Path) -> None:
    """Entries written before the HMAC chain stay valid; the checkpoint fixes how many."""
    corp = await make_corp("wwtamper00000009")
    await _write(corp, 5)
    await _recompute_plain(corp, 1)  # what the old code wrote: a plain SHA-256 chain
    legacy = await audit_verify.verify(corp.id, TEST_AUDIT_KEY)
    assert legacy.ok
    assert legacy.legacy_through == 5
    await _write(corp, 3, start=9000.0)  # new entries extend it with the HMAC chain
    path = tmp_path / "checkpoint.json"
    await _checkpoint(path)
    result = (await _verify_all(path))[corp.corp_id]
    assert result.ok
    assert result.legacy_through == 5
    assert result.checked == 8
    # a plain SHA-256 entry after the HMAC chain began is a rewrite
    await _recompute_plain(corp, 7)
    result = (await _verify_all(path))[corp.corp_id]
    assert ("edited", 7) in [(p.kind, p.seq) for p in result.problems]
