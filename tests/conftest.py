"""Shared fixtures.

Storage follows the environment, as the app does: the embedded SQLite default, or
PostgreSQL when ``DATABASE_URL`` is set (each test session creates and drops its own
database) and Redis when ``REDIS_URL`` is set (each test uses its own key prefix and
deletes its keys). A test that needs a service skips only when its URL is unset.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from wecom_app.app import create_app
from wecom_app.config import Settings
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.store.db import close_db, db, dialect, init_db
from wecom_app.store.migrate import migrate

# WeCom's and WeChat's published test vectors, copied from ../shared/vectors so a clone
# alone passes its tests (tests/protocol/test_vectors_copy.py keeps the copy true when
# shared/ is there).
VECTORS = Path(__file__).resolve().parent / "vectors"

TEST_CORP_ID = "wwtestcorp000001"
TEST_CALLBACK_TOKEN = "callback-token-for-tests"
TEST_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
TEST_SUITE_ID = "wwsuitetest00001"
TEST_SUITE_TOKEN = "suite-token-for-tests"
TEST_SUITE_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
TEST_PROVIDER_CORP_ID = "wwprovider0000001"
SECRET_KEY = "test-secret-key-" + "x" * 32


def postgres_admin_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _pg_admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this test session (SQLite file or a fresh PG database)."""
    admin = postgres_admin_url()
    if admin is None:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite://{path}"
        asyncio.run(migrate(url))
        yield url
        return
    name = f"wecom_test_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    url = _with_database(admin, name)
    try:
        asyncio.run(migrate(url))
        yield url
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all() -> None:
    from tortoise import Tortoise

    tables: dict[str, str | None] = {}  # table -> its generated key column, if any
    for app in Tortoise.apps.values():
        for model in app.values():
            meta = model._meta
            if not meta.db_table or meta.db_table == "aerich":
                continue
            generated = meta.pk is not None and meta.pk.generated
            tables[meta.db_table] = meta.db_pk_column if generated else None
    conn = db()
    if dialect(conn) == "postgres":
        # DELETE of a few rows is ~300x faster than TRUNCATE of 40 tables (which must
        # lock and swap every table's files); FK triggers are off while we empty them.
        resets = "".join(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), 1, false);"
            for table, column in sorted(tables.items())
            if column is not None
        )
        await conn.execute_script(
            "SET session_replication_role = replica;"
            + "".join(f'DELETE FROM "{table}";' for table in sorted(tables))
            + resets
            + "SET session_replication_role = origin;"
        )
    else:
        await conn.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f'DELETE FROM "{table}";' for table in sorted(tables))
            + "DELETE FROM sqlite_sequence WHERE name != 'aerich';PRAGMA foreign_keys=ON;"
        )


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    """The session database, emptied, with Tortoise connected on this test's loop."""
    await init_db(database_url)
    await _truncate_all()
    try:
        yield database_url
    finally:
        await close_db()


@pytest.fixture
async def kv() -> AsyncIterator[MemoryKV | RedisKV]:
    url = os.environ.get("REDIS_URL")
    if not url:
        yield MemoryKV()
        return
    store = RedisKV(url, prefix=f"wecom-test:{secrets.token_hex(6)}:")
    try:
        yield store
    finally:
        await store.delete_prefix()
        await store.close()


class FakeClock:
    """A settable clock for replay windows, backoff and leases."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(tmp_path: Path, database_url: str, **overrides: str) -> Settings:
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "WECOM_CORP_ID": TEST_CORP_ID,
        "WECOM_CORP_SECRET": "corp-secret-for-tests",
        "WECOM_AGENT_ID": "1000002",
        "WECOM_CALLBACK_TOKEN": TEST_CALLBACK_TOKEN,
        "WECOM_CALLBACK_AES_KEY": TEST_AES_KEY,
        "WECOM_SUITE_ID": TEST_SUITE_ID,
        "WECOM_SUITE_SECRET": "suite-secret-for-tests",
        "WECOM_SUITE_TOKEN": TEST_SUITE_TOKEN,
        "WECOM_SUITE_AES_KEY": TEST_SUITE_AES_KEY,
        "WECOM_PROVIDER_CORP_ID": TEST_PROVIDER_CORP_ID,
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        env["SINGLE_PROCESS"] = "1"  # PostgreSQL without Redis: the tests are one process
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture
def settings(tmp_path: Path, database: str) -> Settings:
    return make_settings(tmp_path, database)


@pytest.fixture
async def runtime(
    settings: Settings, kv: MemoryKV | RedisKV, clock: FakeClock
) -> AsyncIterator[Runtime]:
    """A started runtime (services, callback spine, jobs) on the test database; the
    worker and the jobs are driven by the test."""
    svc = Services(settings, clock=clock, kv=kv, run_worker=False, manage_db=False)
    async with Runtime(svc) as started:
        yield started


@pytest.fixture
def services(runtime: Runtime) -> Services:
    """The started runtime's core services."""
    return runtime.services


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
