"""Print the schema SQL of the current models for one dialect (a migration-writing aid).

    python migrations/gen_sql.py sqlite:///tmp/x.db
    python migrations/gen_sql.py postgres://postgres@127.0.0.1:5432/scratch

Paste the output of both into a new migration's ``_SQLITE`` / ``_POSTGRES`` strings
(only the statements that changed), and review it like code.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise import Tortoise, connections
from tortoise.utils import get_schema_sql

from wecom_app.store.db import tortoise_config


async def main(url: str) -> None:
    await Tortoise.init(config=tortoise_config(url))
    print(get_schema_sql(connections.get("default"), safe=True))
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
