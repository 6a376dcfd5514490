"""Media of archived messages: chunked, resumable, verified, capped — apart from text.

The puller only *queues* media (``archive_media`` rows, status ``pending``) in the
transaction that stores the message; this downloader works the queue on its own
schedule, lease and source handle, so a large video never delays text.

Per file, GetMediaData is called with the index buffer of the last chunk (≤ 512 KB a
call). After each chunk the bytes are flushed and fsync'ed to ``<path>.part``, *then*
``index_buf`` and ``bytes_done`` are committed: after a crash the row never claims
more than the file holds, so a resume truncates the file to ``bytes_done`` and asks
WeCom for the next chunk of the stored index buffer. At the end the md5 of the whole
file is checked against the message's ``md5sum`` and the file is renamed into place
(``settings.media_dir/<corp>/<aa>/<sha256 of sdkfileid>.<ext>``).

Outcomes per item: ``done``; ``too_large`` (over ``MEDIA_MAX_BYTES``, announced or
actual; nothing kept); ``failed`` for SDK errors that fail the file (10005 bad
sdkfileid, 10010 data expired), an md5 mismatch twice, or too many transient errors;
transient errors (10001, 10003, timeouts, disk) back off and retry. An error an
operator must fix (IP allow-list, certificate, …) stops the run and leaves the queue.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wecom_app.archive.source import ArchiveSdkError, ArchiveSource, Disposition, MediaChunk
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.files import private_dir, private_file
from wecom_app.store.models import Corp

log = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 8
MAX_CHECKSUM_FAILURES: Final = 2


@dataclass
class MediaReport:
    done: int = 0
    failed: int = 0
    too_large: int = 0
    retry_later: int = 0
    bytes: int = 0
    stopped: str = ""  # an error an operator must fix stopped the run


class MediaStopped(Exception):
    """An error that is about the whole archive connection, not one file."""


def backoff_s(attempts: int) -> float:
    """5 s, 10 s, 20 s, … capped at one hour."""
    return float(min(3600, 5 * 2 ** max(0, attempts - 1)))


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _append(path: Path, data: bytes, keep: int | None) -> None:
    """Write ``data`` after the first ``keep`` bytes (``None``: a new file), durably."""
    private_dir(path.parent)
    if keep is None or not path.exists():
        private_file(path)
    mode = "r+b" if keep is not None and path.exists() else "wb"
    with path.open(mode) as handle:
        if mode == "r+b":
            handle.truncate(keep)
            handle.seek(keep or 0)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class MediaDownloader:
    """Works one tenant's media queue with one source (its *media* handle)."""

    def __init__(
        self,
        corp: Corp,
        source: ArchiveSource,
        *,
        media_dir: Path,
        max_bytes: int,
        clock: Callable[[], float] = time.time,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.corp = corp
        self.source = source
        self.media_dir = Path(media_dir)
        self.max_bytes = max_bytes
        self.clock = clock
        self.max_attempts = max_attempts

    def path_of(self, item: ArchiveMedia) -> Path:
        return self.media_dir / item.path

    async def due(self, limit: int) -> list[ArchiveMedia]:
        return (
            await ArchiveMedia.filter(
                corp_id=self.corp.pk,
                status__in=("pending", "downloading"),
                next_attempt_at__lte=self.clock(),
            )
            .order_by("id")
            .limit(limit)
        )

    async def run(self, *, limit: int = 100, budget_s: float | None = None) -> MediaReport:
        """Download due items, oldest first, until ``limit`` or ``budget_s`` runs out."""
        report = MediaReport()
        started = time.monotonic()
        for item in await self.due(limit):
            if budget_s is not None and time.monotonic() - started > budget_s:
                break
            try:
                await self.download(item, report)
            except MediaStopped as exc:
                report.stopped = str(exc)
                break
        return report

    async def download(self, item: ArchiveMedia, report: MediaReport | None = None) -> str:
        """Fetch one item to the end (or to its next state); returns the new status."""
        report = report if report is not None else MediaReport()
        final = self.path_of(item)
        part = final.with_name(final.name + ".part")
        item.attempts += 1
        item.status = "downloading"
        await item.save(update_fields=["attempts", "status", "updated_at"])

        resume = (
            item.bytes_done > 0
            and item.index_buf != ""
            and part.exists()
            and part.stat().st_size >= item.bytes_done
        )
        if not resume:
            item.bytes_done, item.index_buf = 0, ""
        keep: int | None = item.bytes_done if resume else None
        try:
            while True:
                chunk = await self.source.fetch_media_chunk(item.sdkfileid, item.index_buf)
                if item.bytes_done + len(chunk.data) > self.max_bytes:
                    await asyncio.to_thread(part.unlink, missing_ok=True)
                    return await self._finish(
                        item,
                        "too_large",
                        f"larger than MEDIA_MAX_BYTES {self.max_bytes}",
                        report,
                    )
                if (
                    not chunk.is_finish
                    and not chunk.data
                    and chunk.next_index_buf == item.index_buf
                ):
                    return await self._fail(item, part, "GetMediaData made no progress", report)
                await asyncio.to_thread(_append, part, chunk.data, keep)
                keep = item.bytes_done + len(chunk.data)
                await self._progress(item, chunk)
                report.bytes += len(chunk.data)
                if chunk.is_finish:
                    break
        except ArchiveSdkError as exc:
            return await self._sdk_error(item, part, exc, report)
        except OSError as exc:  # disk full, permissions: the file is fine, we are not
            return await self._later(item, f"storage error: {exc}", report)
        if not part.exists():  # an empty file: nothing was written yet
            await asyncio.to_thread(_append, part, b"", None)
        actual = await asyncio.to_thread(_md5_of, part)
        if item.md5sum and actual != item.md5sum.lower():
            return await self._checksum_failed(item, part, actual, report)
        await asyncio.to_thread(os.replace, part, final)
        item.index_buf = ""
        return await self._finish(item, "done", "", report)

    async def _progress(self, item: ArchiveMedia, chunk: MediaChunk) -> None:
        item.bytes_done += len(chunk.data)
        item.index_buf = chunk.next_index_buf
        await item.save(update_fields=["bytes_done", "index_buf", "updated_at"])

    async def _finish(
        self, item: ArchiveMedia, status: str, error: str, report: MediaReport
    ) -> str:
        item.status, item.error = status, error[:2000]
        if status != "done":
            item.index_buf = ""
        await item.save(update_fields=["status", "error", "index_buf", "updated_at"])
        if status == "done":
            report.done += 1
        elif status == "too_large":
            report.too_large += 1
        else:
            report.failed += 1
        return status

    async def _fail(self, item: ArchiveMedia, part: Path, error: str, report: MediaReport) -> str:
        await asyncio.to_thread(part.unlink, missing_ok=True)
        item.bytes_done = 0
        await item.save(update_fields=["bytes_done"])
        return await self._finish(item, "failed", error, report)

    async def _later(self, item: ArchiveMedia, error: str, report: MediaReport) -> str:
        if item.attempts >= self.max_attempts:
            return await self._finish(item, "failed", f"gave up: {error}", report)
        item.status = "pending"
        item.error = error[:2000]
        item.next_attempt_at = self.clock() + backoff_s(item.attempts)
        await item.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
        report.retry_later += 1
        return item.status

    async def _sdk_error(
        self, item: ArchiveMedia, part: Path, exc: ArchiveSdkError, report: MediaReport
    ) -> str:
        disposition = exc.disposition
        if disposition is Disposition.FAIL:
            log.info("archive media %s failed: SDK %s", item.id, exc.code)
            return await self._fail(item, part, str(exc), report)
        if disposition is Disposition.RETRY:
            return await self._later(item, str(exc), report)
        # Not about this file (IP allow-list, certificate, secret): leave it queued.
        item.status = "pending"
        item.error = str(exc)[:2000]
        item.attempts = max(0, item.attempts - 1)  # not the file's fault
        await item.save(update_fields=["status", "error", "attempts", "updated_at"])
        raise MediaStopped(str(exc)) from exc

    async def _checksum_failed(
        self, item: ArchiveMedia, part: Path, actual: str, report: MediaReport
    ) -> str:
        error = f"md5 {actual} does not match the message's {item.md5sum}"
        await asyncio.to_thread(part.unlink, missing_ok=True)
        item.bytes_done, item.index_buf = 0, ""
        await item.save(update_fields=["bytes_done", "index_buf"])
        if item.attempts >= MAX_CHECKSUM_FAILURES:
            return await self._finish(item, "failed", error, report)
        return await self._later(item, error, report)
