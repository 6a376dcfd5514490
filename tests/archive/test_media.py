"""Archive media: chunked GetMediaData, resumable after a crash, md5-checked, size-capped.

Media is queued by the puller and fetched by :class:`MediaDownloader` through the
simulator's ``/finance/mediadata`` (chunks of ``chunk_size``, an opaque index buffer).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.support.archive import World, make_world
from wecom_app.archive.media import MediaDownloader, backoff_s
from wecom_app.archive.source import MediaChunk
from wecom_app.store.archive import ArchiveMedia

pytestmark = pytest.mark.usefixtures("database")

CHUNK = 64 * 1024


def blob(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def image_message(
    msgid: str, fileid: str, data: bytes, *, md5: str | None = None, size: int | None = None
) -> dict[str, Any]:
    return {
        "msgid": msgid,
        "action": "send",
        "from": "wmCustomerAAAAAAAAAAAAAAAAAA01",
        "tolist": ["zhangwei"],
        "roomid": "",
        "msgtime": 1_709_514_000_000,
        "msgtype": "image",
        "image": {
            "sdkfileid": fileid,
            "md5sum": md5 if md5 is not None else hashlib.md5(data).hexdigest(),
            "filesize": len(data) if size is None else size,
        },
    }


async def media_world(files: dict[str, bytes], **messages: dict[str, Any]) -> World:
    world = await make_world(chunk_size=CHUNK)
    for index, (fileid, data) in enumerate(files.items()):
        world.org.add_media(data, fileid)
        world.org.append(messages.get(fileid) or image_message(f"m{index}", fileid, data))
    await world.pull()
    return world


def downloader(world: World, tmp_path: Path, source: Any = None, **kwargs: Any) -> MediaDownloader:
    kwargs.setdefault("max_bytes", 10 * 1024 * 1024)
    return MediaDownloader(world.corp, source or world.source(), media_dir=tmp_path, **kwargs)


async def test_files_are_fetched_in_chunks_and_verified(tmp_path: Path) -> None:
    files = {
        "f-small": blob(1000, 1),
        "f-big": blob(5 * CHUNK + 123, 2),
        "f-exact": blob(2 * CHUNK, 3),
    }
    world = await media_world(files)
    source = world.source()
    calls: list[tuple[str, str]] = []
    fetch = source.fetch_media_chunk

    async def counting(sdkfileid: str, index_buf: str) -> MediaChunk:
        calls.append((sdkfileid, index_buf))
        chunk = await fetch(sdkfileid, index_buf)
        assert len(chunk.data) <= CHUNK
        return chunk

    source.fetch_media_chunk = counting  # type: ignore[method-assign]
    report = await downloader(world, tmp_path, source).run()
    await source.close()

    assert report.done == 3
    assert report.failed == 0
    assert report.bytes == sum(len(d) for d in files.values())
    for item in await ArchiveMedia.filter(corp_id=world.corp.pk):
        assert item.status == "done"
        assert item.error == ""
        assert item.index_buf == ""
        path = tmp_path / item.path
        assert path.read_bytes() == files[item.sdkfileid]
        assert item.bytes_done == len(files[item.sdkfileid])
        assert not path.with_name(path.name + ".part").exists()
    assert sum(1 for f, _ in calls if f == "f-big") == 6
    assert next(i for f, i in calls if f == "f-big") == ""  # the first call has no index


async def test_a_crash_mid_file_resumes_from_the_stored_index(tmp_path: Path) -> None:
    data = blob(6 * CHUNK + 77, 4)
    world = await media_world({"f-video": data})
    source = world.source()
    fetch = source.fetch_media_chunk
    served = 0

    async def dies_after_three(sdkfileid: str, index_buf: str) -> MediaChunk:
        nonlocal served
        if served == 3:
            raise asyncio.CancelledError  # the process is killed here
        served += 1
        return await fetch(sdkfileid, index_buf)

    source.fetch_media_chunk = dies_after_three  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await downloader(world, tmp_path, source).run()
    item = await ArchiveMedia.get(corp_id=world.corp.pk, sdkfileid="f-video")
    assert item.status == "downloading"
    assert item.bytes_done == 3 * CHUNK
    assert item.index_buf
    part = tmp_path / (item.path + ".part")
    assert part.stat().st_size == 3 * CHUNK
    # The crash came after the bytes were written but before the row said so:
    with part.open("ab") as handle:
        handle.write(b"written but never committed")

    resumed: list[str] = []

    async def recording(sdkfileid: str, index_buf: str) -> MediaChunk:
        resumed.append(index_buf)
        return await fetch(sdkfileid, index_buf)

    source.fetch_media_chunk = recording  # type: ignore[method-assign]
    report = await downloader(world, tmp_path, source).run()
    await source.close()

    assert report.done == 1
    assert len(resumed) == 4
    assert resumed[0] == item.index_buf
    item = await ArchiveMedia.get(id=item.id)
    assert item.status == "done"
    assert item.attempts == 2
    assert (tmp_path / item.path).read_bytes() == data


async def test_bad_fileid_or_expired_data_fail_only_that_file(tmp_path: Path) -> None:
    files = {"f-1": blob(3000, 5), "f-2": blob(3000, 6), "f-3": blob(3000, 7)}
    world = await media_world(files)
    world.org.fail_next("mediadata", 10005)
    report = await downloader(world, tmp_path).run()
    assert report.failed == 1
    assert report.done == 2
    items = {m.sdkfileid: m for m in await ArchiveMedia.filter(corp_id=world.corp.pk)}
    assert items["f-1"].status == "failed"
    assert "10005" in items["f-1"].error
    assert {items["f-2"].status, items["f-3"].status} == {"done"}

    world2 = await _again(world, {"f-4": blob(3000, 8), "f-5": blob(3000, 9)})
    world2.org.fail_next("mediadata", 10010)
    report = await downloader(world2, tmp_path).run()
    assert report.failed == 1
    assert report.done == 1
    assert (await ArchiveMedia.get(corp_id=world.corp.pk, sdkfileid="f-4")).status == "failed"


async def _again(world: World, files: dict[str, bytes]) -> World:
    for index, (fileid, data) in enumerate(files.items()):
        world.org.add_media(data, fileid)
        world.org.append(image_message(f"again{index}", fileid, data))
    await world.pull()
    return world


async def test_transient_errors_back_off_and_then_succeed(tmp_path: Path) -> None:
    data = blob(3 * CHUNK, 10)
    world = await media_world({"f-1": data})
    clock = FakeClock()
    world.org.fail_next("mediadata", 10001)
    report = await downloader(world, tmp_path, clock=clock).run()
    assert report.retry_later == 1
    assert report.done == 0
    item = await ArchiveMedia.get(corp_id=world.corp.pk)
    assert item.status == "pending"
    assert item.next_attempt_at == clock() + backoff_s(1)

    report = await downloader(world, tmp_path, clock=clock).run()
    assert report.done == 0
    assert report.retry_later == 0
    clock.advance(backoff_s(1))
    report = await downloader(world, tmp_path, clock=clock).run()
    assert report.done == 1
    assert (tmp_path / item.path).read_bytes() == data


async def test_too_large_files_are_not_kept(tmp_path: Path) -> None:
    announced = blob(5000, 11)
    hidden = blob(4 * CHUNK, 12)
    world = await make_world(chunk_size=CHUNK)
    world.org.add_media(announced, "f-announced")
    world.org.append(image_message("m1", "f-announced", announced))
    world.org.add_media(hidden, "f-hidden")
    world.org.append(image_message("m2", "f-hidden", hidden, size=100))  # says 100 bytes
    await world.pull(media_max_bytes=4000)

    first = await ArchiveMedia.get(corp_id=world.corp.pk, sdkfileid="f-announced")
    assert first.status == "too_large"  # decided when queued: never fetched
    report = await downloader(world, tmp_path, max_bytes=2 * CHUNK).run()
    assert report.too_large == 1
    second = await ArchiveMedia.get(corp_id=world.corp.pk, sdkfileid="f-hidden")
    assert second.status == "too_large"
    assert "MEDIA_MAX_BYTES" in second.error
    assert _files(tmp_path) == []  # nothing kept, not even a partial file


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_a_checksum_mismatch_is_retried_once_then_failed(tmp_path: Path) -> None:
    data = blob(2000, 13)
    world = await media_world(
        {"f-1": data}, **{"f-1": image_message("m0", "f-1", data, md5="0" * 32)}
    )
    clock = FakeClock()
    report = await downloader(world, tmp_path, clock=clock).run()
    assert report.retry_later == 1
    clock.advance(3600)
    report = await downloader(world, tmp_path, clock=clock).run()
    assert report.failed == 1
    item = await ArchiveMedia.get(corp_id=world.corp.pk)
    assert item.status == "failed"
    assert "md5" in item.error
    assert not (tmp_path / item.path).exists()
    assert not (tmp_path / (item.path + ".part")).exists()


async def test_an_error_about_the_connection_stops_the_run_and_keeps_the_queue(
    tmp_path: Path,
) -> None:
    files = {"f-1": blob(2000, 14), "f-2": blob(2000, 15)}
    world = await media_world(files)
    world.org.fail_next("mediadata", 10009)  # IP not allowed: every file would fail
    report = await downloader(world, tmp_path).run()
    assert report.stopped
    assert "10009" in report.stopped
    assert report.failed == 0
    items = await ArchiveMedia.filter(corp_id=world.corp.pk).order_by("id")
    assert [i.status for i in items] == ["pending", "pending"]
    assert [i.attempts for i in items] == [0, 0]
    report = await downloader(world, tmp_path).run()
    assert report.done == 2
