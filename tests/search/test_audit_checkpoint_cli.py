"""The audit checkpoint as operators run it: the scheduled job and ``wecom-app audit``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import SECRET_KEY
from tests.support.search import make_corp
from wecom_app import cli
from wecom_app.runtime.process import Runtime
from wecom_app.search import audit, audit_checkpoint
from wecom_app.store.db import close_db, init_db
from wecom_app.store.models import Corp
from wecom_app.store.search import AuditEntry, AuditHead


async def test_the_scheduled_job_writes_a_signed_checkpoint(runtime: Runtime) -> None:
    services = runtime.services
    settings = services.settings
    key = audit.AuditKey.of(settings)
    corp = await make_corp("wwckjob000000001")
    await audit.record(corp.id, "auditor", "search", {"q": "x"}, key=key, now=1000.0)
    assert runtime.scheduler is not None
    assert await runtime.scheduler.run_now("audit-checkpoint")
    assert runtime.scheduler.jobs["audit-checkpoint"].failures == 0
    path = audit_checkpoint.path_of(settings)
    assert path == settings.data_dir / "audit-checkpoint.json"
    checkpoint = audit_checkpoint.read(path, key)
    assert checkpoint is not None
    assert checkpoint.anchors[corp.id].seq == 1
    assert checkpoint.at_ms == int(services.clock() * 1000)


def test_audit_key_and_checkpoint_path_are_settings(tmp_path: Path) -> None:
    from wecom_app.config import ConfigError, Settings

    env = {"DATA_DIR": str(tmp_path), "SECRET_KEY": SECRET_KEY}
    derived = Settings.from_env(env)
    own = Settings.from_env(
        {**env, "AUDIT_KEY": "a" * 40, "AUDIT_CHECKPOINT_PATH": str(tmp_path / "x/cp.json")}
    )
    assert audit_checkpoint.path_of(own) == tmp_path / "x/cp.json"
    assert audit.AuditKey.of(derived) != audit.AuditKey.of(own)
    assert audit.AuditKey.of(derived).chain != audit.AuditKey.of(derived).checkpoint
    assert "a" * 40 not in repr(own)
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        Settings.from_env({**env, "AUDIT_KEY": "short"})


def test_checkpoint_then_truncation_fails_verify(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = audit.AuditKey.derive(SECRET_KEY)

    async def prepare() -> None:
        await init_db(database_url)
        try:
            corp = await Corp.filter(corp_id="wwckcli000000001").first() or await make_corp(
                "wwckcli000000001"
            )
            await AuditEntry.filter(corp_id=corp.id).delete()
            await AuditHead.filter(corp_id=corp.id).delete()
            for i in range(5):
                await audit.record(corp.id, "auditor", "search", {"q": str(i)}, key=key, now=i)
        finally:
            await close_db()

    async def truncate() -> None:
        await init_db(database_url)
        try:
            corp = await Corp.get(corp_id="wwckcli000000001")
            kept = await AuditEntry.get(corp_id=corp.id, seq=3)
            await AuditEntry.filter(corp_id=corp.id, seq__gt=3).delete()
            await AuditHead.filter(corp_id=corp.id).update(seq=3, hash=kept.hash)
        finally:
            await close_db()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    asyncio.run(prepare())
    assert cli.main(["audit", "checkpoint"]) == 0
    out = capsys.readouterr().out
    assert "checkpoint written" in out
    saved = json.loads((tmp_path / "audit-checkpoint.json").read_text())
    assert any(t["corp_id"] == "wwckcli000000001" and t["seq"] == 5 for t in saved["tenants"])
    assert cli.main(["audit", "verify", "--corp", "wwckcli000000001"]) == 0
    capsys.readouterr()
    asyncio.run(truncate())
    assert cli.main(["audit", "verify", "--corp", "wwckcli000000001"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out
    assert "entries 4..5 were deleted" in out
    # the file altered: refused
    (tmp_path / "audit-checkpoint.json").write_text(json.dumps({**saved, "at_ms": 1}))
    assert cli.main(["audit", "verify"]) == 1
    assert "signature" in capsys.readouterr().err


async def test_a_missing_or_old_checkpoint_is_reported(database: str) -> None:
    corp = await make_corp("wwckstale0000001")
    key = audit.AuditKey.derive(SECRET_KEY)
    await audit.record(corp.id, "auditor", "search", {}, key=key, now=1000.0)
    assert await audit_checkpoint.stale(None, now=1000.0 + 60, interval_s=3600) == ""
    assert "no audit checkpoint" in await audit_checkpoint.stale(
        None, now=1000.0 + 3 * 3600, interval_s=3600
    )
    old = audit_checkpoint.Checkpoint(at_ms=1_000_000)
    assert "older" in await audit_checkpoint.stale(old, now=1000.0 + 3 * 3600, interval_s=3600)
    assert await audit_checkpoint.stale(old, now=1000.0 + 3600, interval_s=3600) == ""
