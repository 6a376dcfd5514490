"""A process that opened SQLite and then PostgreSQL sends PostgreSQL its own statements.

Tortoise caches each model's INSERT per connection name, not per dialect; a command run
on a SQLite file inside a PostgreSQL session (the sync CLI test) used to leave SQLite's
INSERTs behind for the next migration and the next test. Run in a process of its own,
as that is the situation: one process, two databases one after the other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import postgres_admin_url

pytestmark = pytest.mark.skipif(postgres_admin_url() is None, reason="needs PostgreSQL")

SCRIPT = """
import asyncio, sys
from wecom_app.store.db import close_db, init_db
from wecom_app.store.migrate import migrate
from wecom_app.store.models import Corp

async def main(sqlite_url, pg_url):
    await migrate(sqlite_url)
    await init_db(sqlite_url)
    await Corp.create(corp_id="wwsqlitefirst01", name="on sqlite", mode="suite")
    await close_db()
    await init_db(pg_url)
    corp = await Corp.create(corp_id="wwpgafterwards1", name="on postgres", mode="suite")
    await Corp.filter(id=corp.id).delete()
    await close_db()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_postgres_after_sqlite_gets_its_own_inserts(tmp_path: Path, database_url: str) -> None:
    sqlite_url = f"sqlite://{tmp_path / 'other.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_url, database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
