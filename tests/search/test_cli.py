"""``wecom-app search --corp ID "query"``: output, JSON, errors, audited as ``cli``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.support.search import make_corp, message, store
from wecom_app import cli
from wecom_app.store.db import close_db, init_db
from wecom_app.store.models import Corp
from wecom_app.store.search import AuditEntry

CORP = "wwsearchcli00001"


def test_operators_search_from_the_shell(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def prepare() -> int:
        await init_db(database_url)
        try:
            corp = await Corp.filter(corp_id=CORP).first()
            if corp is None:
                corp = await make_corp(CORP)
                await store(
                    corp,
                    [
                        message(corp, "私下转账给我", at=0),
                        message(corp, "返现 13812345678", at=10),
                        message(corp, "今天天气很好", at=20),
                    ],
                )
            await AuditEntry.filter(corp_id=corp.id).delete()
            return corp.id
        finally:
            await close_db()

    async def audited(corp_pk: int) -> list[tuple[str, str]]:
        await init_db(database_url)
        try:
            rows = await AuditEntry.filter(corp_id=corp_pk).order_by("seq")
            return [(r.actor, r.action) for r in rows]
        finally:
            await close_db()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-" + "x" * 32)
    corp_pk = asyncio.run(prepare())

    assert cli.main(["search", "--corp", CORP, "5678"]) == 0
    captured = capsys.readouterr()
    assert "返现 13812345678" in captured.out
    assert "私下转账" not in captured.out
    assert "1 hits" in captured.err

    assert cli.main(["search", "--corp", CORP, "转账 OR 天气", "--json", "--limit", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [h["text"] for h in data["hits"]] == ["今天天气很好"]
    assert data["next_cursor"]
    assert (
        cli.main(
            ["search", "--corp", CORP, "转账 OR 天气", "--json", "--cursor", data["next_cursor"]]
        )
        == 0
    )
    assert [h["text"] for h in json.loads(capsys.readouterr().out)["hits"]] == ["私下转账给我"]

    assert cli.main(["search", "--corp", CORP, '"unclosed']) == 2
    assert "quote" in capsys.readouterr().err
    assert cli.main(["search", "--corp", "wwnosuchcorp0001", "返现"]) == 2

    assert asyncio.run(audited(corp_pk)) == [("cli", "search")] * 3
