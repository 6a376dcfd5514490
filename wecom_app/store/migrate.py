"""Apply the aerich migrations in ``migrations/`` (``wecom-app migrate``).

aerich writes SQL for the dialect it ran on; our migration files carry the SQL of both
SQLite and PostgreSQL and pick by ``db.capabilities.dialect``, so one migration history
serves the embedded default and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from aerich import Command

from wecom_app.store.db import forget_statements, tortoise_config


def migrations_dir() -> Path:
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "migrations", here.parents[1] / "_migrations"):
        if (candidate / "models").is_dir():
            return candidate
    raise FileNotFoundError("migrations/ not found next to the package")


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns the files applied (empty when up to date)."""
    config = tortoise_config(database_url)
    forget_statements()  # aerich opens its own Tortoise, maybe on another dialect
    async with Command(tortoise_config=config, app="models", location=str(migrations_dir())) as cmd:
        await cmd.init()
        applied: list[str] = await cmd.upgrade(run_in_transaction=True)
    return applied
