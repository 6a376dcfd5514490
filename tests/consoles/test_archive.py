"""The admin console's archive page: what the pull needs from the admin, and keys that
bring parked messages back.

The app pulls from the simulator's archive (``ARCHIVE_SOURCE=simulator``) through the
simulated WeCom it talks to; the admin signs in through the simulator's login.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.consoles.test_admin import form_post
from tests.support.archive import pem, rsa_key
from tests.support.consoles import ConsoleWorld, console_world
from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.archive.puller import record_error
from wecom_app.archive.runtime import runtime_for
from wecom_app.archive.source import ArchiveSdkError, Operation
from wecom_app.kv import KV
from wecom_app.simulator.archive import archive_of
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.store.archive import ArchiveMessage

SECRET = "archive-secret-of-the-console-test"


@pytest.fixture
async def world(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[ConsoleWorld]:
    async with console_world(tmp_path, database, kv, clock, ARCHIVE_SOURCE="simulator") as built:
        yield built
        await runtime_for(built.services).close()


async def test_parked_messages_and_errors_are_shown_and_a_key_upload_brings_them_back(
    world: ConsoleWorld,
) -> None:
    archive = archive_of(world.sim).add_org(TEST_CORP_ID, SECRET, {1: rsa_key(1), 3: rsa_key(3)})
    log = generate_archive(seed=8, count=120, corp_id=TEST_CORP_ID)
    log.load_into(archive, key_versions=[1, 3])  # the admin rotated to version 3 halfway
    box = world.services.secrets
    await set_archive_secret(world.corp_a, SECRET, box)
    await add_key(world.corp_a, 1, pem(rsa_key(1)), box)
    runtime = runtime_for(world.services)
    report = await runtime.pull(world.corp_a)
    assert (report.ok, report.parked) == (60, 60)
    await record_error(
        world.corp_a.pk, ArchiveSdkError(10010, "data expired", operation=Operation.FETCH)
    )

    async with world.signed_in(world.app_a, world.admin_a) as admin:
        status = (await admin.get("/console/api/archive")).json()["status"]
        assert status["cursor_seq"] == 120
        assert status["missing_versions"] == [3]
        assert status["parked_by_version"] == {"3": 60}
        assert status["messages"] == {"ok": 60, "parked": 60}
        assert status["last_error_code"] == 10010
        page = (await admin.get("/console/archive")).text
        assert "60 message(s) are parked: they need the private key of version 3" in page
        assert "SDK error 10010" in page

        stored = await form_post(
            admin, "/console/archive/keys", version="3", pem=pem(rsa_key(3)).decode()
        )
        assert stored.status_code == 303, stored.text[-600:]
        await runtime.wait_idle()  # the retry runs in the background, not in the request

        assert await ArchiveMessage.filter(corp_id=world.corp_a.pk, status="ok").count() == 120
        status = (await admin.get("/console/api/archive")).json()["status"]
        assert status["missing_versions"] == []
        assert status["messages"] == {"ok": 120}
        assert "are parked" not in (await admin.get("/console/archive")).text

    async with world.signed_in("suite", world.admin_b) as other:
        status = (await other.get("/console/api/archive")).json()["status"]
        assert (status["cursor_seq"], status["messages"], status["last_error_code"]) == (0, {}, 0)
