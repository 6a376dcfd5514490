"""The retention purge: old messages, their index entries and media go; holds stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.search import (
    BASE_MS,
    TEST_AUDIT_KEY,
    compliance_viewer,
    make_corp,
    message,
    store,
)
from wecom_app.runtime import Runtime
from wecom_app.search.alert_rules import create_rule
from wecom_app.search.query import parse_query
from wecom_app.search.request import SearchRequest
from wecom_app.search.retention import purge_all
from wecom_app.search.service import Compliance
from wecom_app.services import Services
from wecom_app.store.archive import ArchiveMedia, ArchiveMessage, ArchiveSettings
from wecom_app.store.models import Corp
from wecom_app.store.search import Alert, AuditEntry, LegalHold, SearchDoc

pytestmark = pytest.mark.usefixtures("database")

DAY = 86_400
NOW = BASE_MS / 1000 + 100 * DAY  # 100 days after the first message


async def texts_found(corp: Corp, q: str) -> set[str]:
    page = await Compliance(audit_key=TEST_AUDIT_KEY).search(
        compliance_viewer(corp), SearchRequest(q, parse_query(q), limit=200)
    )
    return {h.text for h in page.hits}


async def test_purge_removes_expired_messages_index_and_media_but_keeps_holds(
    tmp_path: Path,
) -> None:
    corp = await make_corp("wwretention00001")
    other = await make_corp("wwretention00002")
    await ArchiveSettings.create(corp=corp, retention_days=30)
    await create_rule(corp.id, name="r", kind="words", pattern="返现")
    held_customer = "wmHELDCUSTOMER000000000001"
    old = [
        message(corp, "返现 旧的 一", at=0, msgtype="image"),
        message(corp, "返现 旧的 二", at=DAY),
        message(
            corp, "返现 旧的 客户被冻结", at=2 * DAY, sender=held_customer, customer=held_customer
        ),
        message(corp, "返现 旧的 员工被冻结", at=3 * DAY, sender="heldemployee"),
    ]
    new = [message(corp, "返现 新的", at=90 * DAY)]
    await store(corp, [*old, *new])
    await store(other, [message(other, "返现 别的租户 旧的", at=0)])
    await ArchiveSettings.create(corp=other, retention_days=0)  # keep forever
    media_dir = tmp_path / "media"
    (media_dir / "c1").mkdir(parents=True)
    old_file = media_dir / "c1" / "old.jpg"
    old_file.write_bytes(b"jpeg")
    new_file = media_dir / "c1" / "new.jpg"
    new_file.write_bytes(b"jpeg")
    await ArchiveMedia.create(
        corp=corp,
        msgid=old[0].msgid,
        sdkfileid="f1",
        fileid_hash="h1",
        status="done",
        path="c1/old.jpg",
        msgtype="image",
    )
    await ArchiveMedia.create(
        corp=corp,
        msgid=new[0].msgid,
        sdkfileid="f2",
        fileid_hash="h2",
        status="done",
        path=str(new_file),
        msgtype="image",
    )
    await LegalHold.create(corp=corp, kind="customer", subject=held_customer)
    await LegalHold.create(corp=corp, kind="employee", subject="heldemployee")
    released = await LegalHold.create(corp=corp, kind="employee", subject="zhangwei")
    released.released_at = released.created_at
    await released.save()
    await Compliance(audit_key=TEST_AUDIT_KEY).search(
        compliance_viewer(corp), SearchRequest("返现", parse_query("返现"))
    )
    audit_before = await AuditEntry.filter(corp_id=corp.id).count()

    (result,) = await purge_all(now=NOW, audit_key=TEST_AUDIT_KEY, media_dir=media_dir)

    assert (result.messages, result.media, result.kept_on_hold) == (2, 1, 2)
    assert await texts_found(corp, "返现") == {
        "返现 新的",
        "返现 旧的 客户被冻结",
        "返现 旧的 员工被冻结",
    }
    assert not old_file.exists()
    assert new_file.exists()
    assert await ArchiveMedia.filter(corp_id=corp.id).count() == 1
    assert await SearchDoc.filter(corp_id=corp.id).count() == 3
    assert not await ArchiveMessage.filter(id__in=[old[0].id, old[1].id]).exists()
    assert not await Alert.filter(message_id__in=[old[0].id, old[1].id]).exists()
    # the other tenant (no retention) is untouched
    assert await texts_found(other, "返现") == {"返现 别的租户 旧的"}
    # audit entries are never purged; the purge itself is recorded
    entries = await AuditEntry.filter(corp_id=corp.id).order_by("seq")
    assert len(entries) == audit_before + 2  # + the purge + the search in texts_found
    assert entries[audit_before].action == "retention_purge"

    # a second run finds nothing more to do
    (again,) = await purge_all(now=NOW, audit_key=TEST_AUDIT_KEY, media_dir=media_dir)
    assert (again.messages, again.kept_on_hold) == (0, 2)


async def test_the_jobs_are_scheduled_and_run(services: Services, runtime: Runtime) -> None:
    assert runtime.scheduler is not None
    assert {"retention-purge", "compliance-alert-notify"} <= set(runtime.scheduler.jobs)
    corp = await make_corp("wwretention00003")
    await ArchiveSettings.create(corp=corp, retention_days=1)
    await store(corp, [message(corp, "很旧的消息", at=0)])
    services.clock.now = NOW  # type: ignore[attr-defined]
    assert await runtime.scheduler.run_now("retention-purge")
    assert runtime.scheduler.jobs["retention-purge"].failures == 0
    assert await ArchiveMessage.filter(corp_id=corp.id).count() == 0
    assert await runtime.scheduler.run_now("compliance-alert-notify")
    assert runtime.scheduler.jobs["compliance-alert-notify"].failures == 0
