"""Fixtures of the console tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.consoles import ConsoleWorld, console_world
from wecom_app.kv import KV


@pytest.fixture
async def world(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[ConsoleWorld]:
    """Two tenants with their admins, the app in front (see ``console_world``)."""
    async with console_world(tmp_path, database, kv, clock) as built:
        yield built
