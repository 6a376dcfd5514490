"""Database configuration and lifecycle.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives
the process being killed (the WAL is in the OS page cache), which is the durability the
callback inbox promises; a power cut may lose the last moments, as with any
``fsync``-batched store. PostgreSQL runs through asyncpg. Checkpoints of the WAL run
on a thread of their own (:mod:`wecom_app.store.checkpoint`), not in the commit that
happens to cross the limit.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.models import Model

from wecom_app.store.checkpoint import (
    AUTOCHECKPOINT_PAGES,
    JOURNAL_SIZE_LIMIT_BYTES,
    WalCheckpointer,
)
from wecom_app.store.files import private_dir, private_file

# One module per domain; each issue adds its models to its own module.
DOMAIN_MODULES = [
    "wecom_app.store.models",
    "wecom_app.store.directory",
    "wecom_app.store.archive",
    "wecom_app.store.console",
    "wecom_app.store.search",
    "wecom_app.store.sidebar",
    "wecom_app.store.transfer",
]


def model_modules() -> list[str]:
    """The domain modules that define models (Tortoise warns about empty ones)."""
    found = []
    for name in DOMAIN_MODULES:
        module = importlib.import_module(name)
        if any(
            isinstance(value, type) and issubclass(value, Model) and value.__module__ == name
            for value in vars(module).values()
        ):
            found.append(name)
    return [*found, "aerich.models"]


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite://"):
        path = database_url[len("sqlite://") :].split("?", 1)[0]
        on_disk = sqlite_file(database_url)
        if on_disk is not None:
            # 0600 before SQLite opens it: its -wal and -shm files take this mode.
            private_dir(Path(on_disk).parent)
            private_file(Path(on_disk))
        connection: dict[str, Any] = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": 10000,
                "foreign_keys": "ON",
                # 32 MiB of page cache (SQLite's default is 2 MiB): the archive's
                # indexes and the search index outgrow 2 MiB quickly, and every page
                # evicted is read back through a system call on the next insert.
                "cache_size": -32 * 1024,
                "wal_autocheckpoint": AUTOCHECKPOINT_PAGES,
                "journal_size_limit": JOURNAL_SIZE_LIMIT_BYTES,
            },
        }
    else:
        parts = urlsplit(database_url)
        connection = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": parts.path.lstrip("/") or "postgres",
                "minsize": 1,
                "maxsize": 10,
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": model_modules(), "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


_checkpointer: WalCheckpointer | None = None
_last_dialect = ""  # the dialect the last init_db opened (see init_db)

# The interpreter's GIL switch interval while a SQLite store is open, in seconds.
# aiosqlite runs every statement on a thread of its own, and when the statement ends
# that thread must take the GIL back from the event loop's thread; while the loop is
# busy (a burst of callbacks, an archive pull) it waits out the whole interval, 5 ms by
# default, and so does every request in that commit. Measured with bench/callbacks.py,
# 0.5 ms cut that wait and raised throughput by about 5%.
SQLITE_GIL_SWITCH_INTERVAL_S = 0.0005


def sqlite_file(database_url: str) -> str | None:
    """The SQLite file of ``database_url`` (None for PostgreSQL and in-memory)."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url[len("sqlite://") :].split("?", 1)[0]
    return path if path and path != ":memory:" else None


def forget_statements() -> None:
    """Drop the INSERT statements Tortoise has built for each model.

    Tortoise caches them per connection *name*, not per dialect: a process that opened
    SQLite as "default" and then PostgreSQL (a command run against a file of its own
    inside a PostgreSQL test session, then a migration) would send SQLite's statements
    to PostgreSQL. They are rebuilt on first use."""
    EXECUTOR_CACHE.clear()


async def init_db(database_url: str) -> None:
    global _checkpointer, _last_dialect
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    if _last_dialect not in ("", dialect()):
        forget_statements()
    _last_dialect = dialect()
    path = sqlite_file(database_url)
    if path is not None and _checkpointer is None:
        _checkpointer = WalCheckpointer(path)
        _checkpointer.start()
    if dialect() == "sqlite":
        sys.setswitchinterval(min(sys.getswitchinterval(), SQLITE_GIL_SWITCH_INTERVAL_S))


async def close_db() -> None:
    global _checkpointer
    checkpointer, _checkpointer = _checkpointer, None
    if checkpointer is not None:
        checkpointer.stop()
    await Tortoise.close_connections()


def db() -> BaseDBAsyncClient:
    """The current connection (a transaction's, inside ``in_transaction()``)."""
    conn: BaseDBAsyncClient = connections.get("default")
    return conn


def dialect(conn: BaseDBAsyncClient | None = None) -> str:
    """``"sqlite"`` or ``"postgres"``."""
    return str((conn or db()).capabilities.dialect)


async def ping() -> bool:
    try:
        await db().execute_query("SELECT 1")
    except Exception:
        return False
    return True
