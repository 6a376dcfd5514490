"""WeCom's archive-service codes met by the puller (301052, 301053, 301058).

301052/301053 mean the corp's chat-archive service is expired or off: the pull stops at
once with a status an admin can act on, and nothing is retried. 301058 means the request
asked for too much: the puller asks again for fewer messages and loses nothing.
"""

from __future__ import annotations

import pytest

from tests.support.archive import make_world, stored
from wecom_app.store.archive import ArchiveCursor

pytestmark = pytest.mark.usefixtures("database")


@pytest.mark.parametrize(("code", "words"), [(301052, "expired"), (301053, "not enabled")])
async def test_an_archive_service_that_is_off_stops_the_pull_without_retrying(
    code: int, words: str
) -> None:
    world = await make_world(count=50)
    world.org.fail_next("chatdata", code, times=5)

    report = await world.pull(batch_size=20)

    assert report.error_code == code
    assert report.stored == 0
    assert world.sleeps == []  # no backoff loop: only an admin can fix it
    remaining = 0
    while world.org.take_fault("chatdata"):
        remaining += 1
    assert remaining == 4  # exactly one call was made
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.last_error_code == code
    assert words in cursor.last_error
    assert "admin" in cursor.last_error


async def test_a_too_large_request_is_asked_again_for_fewer_messages() -> None:
    world = await make_world(count=50)
    world.org.fail_next("chatdata", 301058, times=2)

    report = await world.pull(batch_size=40)

    assert report.error_code == 0
    assert world.sleeps == []
    assert [m.seq for m in await stored(world.corp)] == list(range(1, 51))
    assert report.batches > 3  # 40 → 20 → 10 per batch


async def test_too_large_even_for_one_message_is_surfaced() -> None:
    world = await make_world(count=5)
    world.org.fail_next("chatdata", 301058, times=10)

    report = await world.pull(batch_size=4)

    assert report.error_code == 301058
    assert report.stored == 0
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.last_error_code == 301058
