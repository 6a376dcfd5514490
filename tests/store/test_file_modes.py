"""Issue 16 (trust): the data on disk is the operator's alone — the SQLite database,
its WAL, media files and their folders are 0600/0700 whatever the umask."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from wecom_app.archive import media
from wecom_app.store.db import tortoise_config


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_are_private(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "data" / "deep" / "app.db"
    tortoise_config(f"sqlite://{db}")
    assert mode(db.parent) == 0o700
    assert mode(db.parent.parent) == 0o700
    assert mode(db) == 0o600
    with sqlite3.connect(db) as conn:  # SQLite gives its -wal the database file's mode
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        wal = Path(str(db) + "-wal")
        assert wal.exists()
        assert mode(wal) == 0o600


def test_media_files_and_folders_are_private(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "media" / "corp" / "ab" / "file.part"
    media._append(target, b"hello", None)
    assert mode(target) == 0o600
    for folder in (target.parent, target.parent.parent, tmp_path / "media"):
        assert mode(folder) == 0o700, folder
    media._append(target, b" world", 5)
    assert target.read_bytes() == b"hello world"
