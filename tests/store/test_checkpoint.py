"""SQLite WAL checkpoints run on their own thread, not in the commit that fills the WAL."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from wecom_app.store import db as store_db
from wecom_app.store.checkpoint import AUTOCHECKPOINT_PAGES, WalCheckpointer
from wecom_app.store.db import close_db, db, init_db
from wecom_app.store.migrate import migrate


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]


async def test_the_store_checkpoints_its_wal_on_a_thread(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'store.sqlite3'}"
    await migrate(url)
    before = len(_checkpoint_threads())
    await init_db(url)
    try:
        checkpointer = store_db._checkpointer
        assert checkpointer is not None
        assert len(_checkpoint_threads()) == before + 1
        conn = db()
        # Writers checkpoint only as a safety net, far above SQLite's 1000 pages.
        _, rows = await conn.execute_query("PRAGMA wal_autocheckpoint")
        assert list(rows[0]) == [AUTOCHECKPOINT_PAGES]
        assert sys.getswitchinterval() <= store_db.SQLITE_GIL_SWITCH_INTERVAL_S
        await conn.execute_query("CREATE TABLE scratch (body TEXT)")
        for _ in range(300):  # ~300 pages of WAL, far under the writers' own limit
            await conn.execute_query("INSERT INTO scratch VALUES (?)", ["x" * 4000])
        for _ in range(100):  # the thread copies the WAL back within a few rounds
            await asyncio.sleep(0.05)
            _busy, wal_pages, backfilled = checkpointer.last_result
            if wal_pages >= 300 and backfilled == wal_pages:
                break
        else:
            raise AssertionError(f"WAL not checkpointed: {checkpointer.last_result}")
    finally:
        await close_db()
    assert len(_checkpoint_threads()) == before  # stopped with the store


def test_a_checkpointer_on_a_missing_directory_stops_quietly(tmp_path: Path) -> None:
    checkpointer = WalCheckpointer(str(tmp_path / "absent" / "x.sqlite3"), interval_s=0.01)
    checkpointer.start()
    checkpointer.stop()
    assert checkpointer.checkpoints == 0
