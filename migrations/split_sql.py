"""Write a dual-dialect migration for the tables not yet created by earlier migrations.

    python migrations/gen_sql.py sqlite:///tmp/s.db > /tmp/sqlite.sql
    python migrations/gen_sql.py postgres://postgres@127.0.0.1:5432/scratch > /tmp/pg.sql
    python migrations/split_sql.py /tmp/sqlite.sql /tmp/pg.sql migrations/models/N_name.py \
        "docstring" table_a table_b ...

Only CREATE statements of the named tables (and their indexes and comments) are kept;
changes to existing tables are written by hand.
"""

from __future__ import annotations

import re
import sys


def statements_for(sql: str, tables: set[str]) -> str:
    out = []
    for statement in (s.strip() for s in re.split(r";\s*\n", sql) if s.strip()):
        found = re.search(
            r'(?:TABLE IF NOT EXISTS|ON|COMMENT ON TABLE|COMMENT ON COLUMN) "(\w+)"', statement
        )
        if found and found.group(1) in tables:
            out.append(statement.rstrip(";") + ";")
    return "\n".join(out)


TEMPLATE = '''"""{doc}

Generated with ``migrations/gen_sql.py`` for each dialect, then reviewed.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
{sqlite}
"""

_POSTGRES = """
{postgres}
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
{drops}
"""


MODELS_STATE = (
{state}
)
'''


def models_state() -> str:
    """aerich's compressed description of the current models (it diffs against it)."""
    import asyncio

    from aerich.utils import compress_dict, get_models_describe
    from tortoise import Tortoise

    from wecom_app.store.db import tortoise_config

    async def describe() -> str:
        await Tortoise.init(config=tortoise_config("sqlite://:memory:"))
        try:
            return str(compress_dict(get_models_describe("models")))
        finally:
            await Tortoise.close_connections()

    text = asyncio.run(describe())
    return "\n".join(f'    "{text[i : i + 72]}"' for i in range(0, len(text), 72))


def main() -> None:
    sqlite_path, pg_path, out_path, doc, *names = sys.argv[1:]
    tables = set(names)
    drops = "\n".join(f'DROP TABLE IF EXISTS "{t}";' for t in reversed(names))
    with open(sqlite_path) as sqlite_file, open(pg_path) as pg_file:
        sqlite_sql, pg_sql = sqlite_file.read(), pg_file.read()
    with open(out_path, "w") as handle:
        handle.write(
            TEMPLATE.format(
                doc=doc,
                sqlite=statements_for(sqlite_sql, tables),
                postgres=statements_for(pg_sql, tables),
                drops=drops,
                state=models_state(),
            )
        )


if __name__ == "__main__":
    main()
