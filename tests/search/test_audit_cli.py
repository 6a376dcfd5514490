"""``wecom-app audit verify``: exit status and where it says the chain breaks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.search import TEST_AUDIT_KEY, make_corp
from wecom_app import cli
from wecom_app.search import audit
from wecom_app.store.db import close_db, init_db
from wecom_app.store.models import Corp
from wecom_app.store.search import AuditEntry, AuditHead


def test_the_cli_verifies_and_points_at_the_broken_entry(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def prepare() -> None:
        await init_db(database_url)
        try:
            corp = await Corp.filter(corp_id="wwauditcli000001").first() or await make_corp(
                "wwauditcli000001"
            )
            await AuditEntry.filter(corp_id=corp.id).delete()
            await AuditHead.filter(corp_id=corp.id).delete()
            for i in range(5):
                await audit.record(
                    corp.id, "auditor", "search", {"q": str(i)}, key=TEST_AUDIT_KEY, now=1000.0 + i
                )
        finally:
            await close_db()

    async def tamper() -> None:
        await init_db(database_url)
        try:
            corp = await Corp.get(corp_id="wwauditcli000001")
            await AuditEntry.filter(corp_id=corp.id, seq=2).update(action="nothing")
        finally:
            await close_db()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-" + "x" * 32)
    asyncio.run(prepare())
    assert cli.main(["audit", "checkpoint"]) == 0  # entries this old need a checkpoint
    assert cli.main(["audit", "verify", "--corp", "wwauditcli000001"]) == 0
    assert "ok, 5 entries" in capsys.readouterr().out
    asyncio.run(tamper())
    assert cli.main(["audit", "verify", "--corp", "wwauditcli000001"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out
    assert "at entry 2" in out
    assert cli.main(["audit", "verify", "--corp", "wwnosuchcorp0001"]) == 2
