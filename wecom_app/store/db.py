"""Database configuration and lifecycle.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives
the process being killed (the WAL is in the OS page cache), which is the durability the
callback inbox promises; a power cut may lose the last moments, as with any
``fsync``-batched store. PostgreSQL runs through asyncpg.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

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
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection: dict[str, Any] = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": 10000,
                "foreign_keys": "ON",
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


async def init_db(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
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
