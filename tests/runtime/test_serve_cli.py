"""``wecom-app serve --workers N``: uvicorn workers over PostgreSQL + Redis (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import SECRET_KEY
from wecom_app.cli import main


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def run(app: Any, **options: Any) -> None:
        calls.append((app, options))

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("SINGLE_PROCESS", raising=False)
    monkeypatch.setenv("INBOX_WORKER", "on")  # restored after the test
    return calls


def test_serve_starts_n_uvicorn_workers_over_postgresql_and_redis(
    runs: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert main(["serve", "--workers", "4", "--port", "8123"]) == 0
    [(target, options)] = runs
    assert target == "wecom_app.cli:serve_app"
    assert (options["workers"], options["factory"], options["port"]) == (4, True, 8123)
    assert options["access_log"] is False


def test_serve_refuses_several_workers_on_sqlite_or_one_process(
    runs: list[tuple[Any, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path / 'app.sqlite3'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/app")
    monkeypatch.setenv("SINGLE_PROCESS", "1")
    assert main(["serve", "--workers", "2"]) == 2
    assert "SINGLE_PROCESS" in capsys.readouterr().err
    assert runs == []


def test_serve_no_worker_reaches_every_serve_process(
    runs: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert main(["serve", "--workers", "2", "--no-worker"]) == 0
    assert os.environ["INBOX_WORKER"] == "off"  # inherited by uvicorn's worker processes
