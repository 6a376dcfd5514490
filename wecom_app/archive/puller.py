"""The archive puller: every message after the stored cursor, once, in order.

One puller per tenant at a time: a KV lease (``archive-pull:<corp>``) keeps several
workers or hosts from pulling the same tenant at once, renewed while the pull runs so
a long backlog does not outlive it; correctness does not rest on the lease, though —
the cursor only moves by compare-and-set in the batch's own transaction
(:func:`~wecom_app.archive.writer.store_batch`), and ``(corp, msgid)`` is unique.

A pull is a pipeline over batches of ≤ 1000 records::

    fetch(n+1), fetch(n+2) ─┐
    decode(n+1, n+2)        ├─ while ─ store(n)  (one transaction: messages + media
                            │                     queue + recalls + consent + search
                            │                     index + cursor)

so the network, the decoder processes (RSA on every core) and the database all work
at once: fetching runs up to :data:`AHEAD` batches ahead of storing, each batch's
decoding starts as soon as it is fetched, and batches are stored strictly in order. A
crash anywhere loses at most the batches not yet committed; the next pull fetches them
again after the stored cursor.

Faults (wecom-protocol.md §6): network/system errors and timeouts (10001, 10003) are
retried with exponential backoff; errors an operator must fix (10009 IP not allowed,
10010 data expired, bad secret, …) stop the pull and are recorded on the cursor
(``last_error``, ``last_error_code``) for the console; a message without a key for its
``publickey_ver`` is parked (10007), and one that cannot be decrypted or parsed is kept
as failed — neither ever stops the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from wecom_app.archive import writer
from wecom_app.archive.decode import finish
from wecom_app.archive.decode_pool import DecodePool
from wecom_app.archive.gc_tuning import ingest_gc
from wecom_app.archive.keys import KeyMaterial, load_key_material
from wecom_app.archive.lease import Lease
from wecom_app.archive.listeners import StoredListener
from wecom_app.archive.outcomes import (
    Decoded,
    NeedsDecrypt,
    Outcome,
    Undecoded,
    malformed_outcome,
    raw_record,
    undecoded,
)
from wecom_app.archive.pull_report import PullProgress, PullReport
from wecom_app.archive.source import ArchiveSdkError, ArchiveSource, Disposition
from wecom_app.archive.sources import local_decryptor
from wecom_app.kv import KV
from wecom_app.protocol.archive.chatdata import MAX_CHATDATA_LIMIT, ChatData, ChatDataBatch
from wecom_app.secretbox import SecretBox
from wecom_app.store.archive import ArchiveCursor
from wecom_app.store.models import Corp

log = logging.getLogger(__name__)

# Batches fetched and being decoded ahead of the one being stored: enough that the
# decoder processes always have the next batch queued (measured: one ahead leaves them
# idle while a batch is stored, and the store waiting while they decode).
AHEAD: Final = 2
LEASE_S: Final = 60.0  # a crashed puller's lease frees the tenant after at most this
RENEW_EVERY_S: Final = 15.0


# A fetched batch and its decoding (started), or the exception that ended fetching.
_Ahead = tuple[ChatDataBatch, "asyncio.Future[list[Outcome]]"] | BaseException


@dataclass(frozen=True)
class Backoff:
    """Delays between retries of one call: base·2ⁿ capped, at most ``attempts`` tries."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, retry: int) -> float:
        return float(min(self.cap_s, self.base_s * 2**retry))


async def decrypt_here(source: ArchiveSource, outcome: NeedsDecrypt) -> Decoded | Undecoded:
    """DecryptData through the source (no local decryptor), then finish on the loop."""
    try:
        plaintext = await source.decrypt(outcome.random_key, outcome.raw[4])
    except ArchiveSdkError as exc:
        return undecoded(outcome.raw, "failed", f"decrypt_{exc.code}", str(exc))
    return finish(outcome.raw, plaintext)


class Puller:
    """Pulls one tenant's archive from ``source`` into the database."""

    def __init__(
        self,
        corp: Corp,
        source: ArchiveSource,
        *,
        box: SecretBox,
        kv: KV,
        decoder: DecodePool,
        media_max_bytes: int,
        batch_size: int = MAX_CHATDATA_LIMIT,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_progress: Callable[[PullProgress], None] | None = None,
        hook: StoredListener | None = None,
        lease_s: float = LEASE_S,
        ahead: int = AHEAD,
    ) -> None:
        if not 1 <= batch_size <= MAX_CHATDATA_LIMIT:
            raise ValueError(f"batch_size must be 1..{MAX_CHATDATA_LIMIT}")
        self.corp = corp
        self.source = source
        self.box = box
        self.kv = kv
        self.decoder = decoder
        self.media_max_bytes = media_max_bytes
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self.on_progress = on_progress
        self.hook = hook
        self.lease_s = lease_s
        self.ahead = max(1, ahead)
        # Called once the lease is ours, before the first fetch (the runtime clears
        # the tenant's "pull due" mark there).
        self.on_lease: Callable[[], Awaitable[None]] | None = None
        self._keys: dict[int, KeyMaterial] = {}

    @staticmethod
    def lease_name(corp_pk: int) -> str:
        return f"archive-pull:{corp_pk}"

    async def pull(self, *, max_batches: int | None = None) -> PullReport:
        """Pull until the archive has nothing newer (or ``max_batches`` were stored)."""
        report = PullReport(self.corp.corp_id)
        lease = Lease(self.kv, self.lease_name(self.corp.pk), self.lease_s)
        if not await lease.acquire():
            report.skipped = True
            return report
        renewer = asyncio.create_task(self._renew(lease))
        try:
            if self.on_lease is not None:
                await self.on_lease()
            with ingest_gc():
                await self._pull(report, max_batches)
        finally:
            renewer.cancel()
            try:
                await renewer
            except asyncio.CancelledError:
                pass
            await lease.release()
        return report

    async def _renew(self, lease: Lease) -> None:
        while True:
            await asyncio.sleep(min(RENEW_EVERY_S, self.lease_s / 3))
            if not await lease.renew():
                log.warning("archive lease of corp %s was lost", self.corp.corp_id)
                return

    async def _pull(self, report: PullReport, max_batches: int | None) -> None:
        started = time.monotonic()
        cursor = await writer.ensure_cursor(self.corp.pk)
        report.started_seq = report.seq = cursor.seq
        self._keys = await load_key_material(self.corp.pk, self.box)
        seq = cursor.seq
        ahead: asyncio.Queue[_Ahead] = asyncio.Queue(maxsize=self.ahead)
        producer = asyncio.create_task(self._produce(seq, max_batches, ahead))
        try:
            while True:
                waited = time.monotonic()
                item = await ahead.get()
                if isinstance(item, BaseException):
                    raise item
                batch, decoding = item
                outcomes = await decoding
                report.wait_s += time.monotonic() - waited
                top = batch.highest_seq
                if top is None:
                    break
                storing = time.monotonic()
                await self._store(report, batch, outcomes, seq, top)
                report.store_s += time.monotonic() - storing
                seq = top
                report.seq = seq
                if self.on_progress is not None:
                    self.on_progress(
                        PullProgress(
                            seq,
                            report.stored,
                            report.parked,
                            report.failed,
                            report.duplicates,
                            report.batches,
                            time.monotonic() - started,
                        )
                    )
                if max_batches is not None and report.batches >= max_batches:
                    report.more = True
                    break
        except ArchiveSdkError as exc:
            report.error, report.error_code = str(exc), exc.code
            await self._record_error(exc)
            log.warning("archive pull of corp %s stopped: %s", self.corp.corp_id, exc.code)
        except writer.CursorMoved:
            log.info("archive cursor of corp %s moved under us; stopping", self.corp.corp_id)
            report.skipped = True
        finally:
            await self._stop_producer(producer, ahead)
            report.elapsed_s = time.monotonic() - started
        if not report.error and not report.skipped:
            await ArchiveCursor.filter(corp_id=self.corp.pk).update(
                last_pull_at=datetime.now(UTC), last_error="", last_error_code=0
            )

    async def _produce(
        self, seq: int, max_batches: int | None, ahead: asyncio.Queue[_Ahead]
    ) -> None:
        """Fetch batch after batch and start decoding each at once, up to ``self.ahead``
        batches ahead of the one being stored (a fetch needs the previous batch's last
        seq, not its decoding, so the decoder processes never wait for a store).

        Ends after the empty batch (passed on: it ends the pull), after ``max_batches``,
        or with the fetch's exception, passed on in order.
        """
        fetched = 0
        try:
            while max_batches is None or fetched < max_batches:
                batch = await self._fetch(seq)
                fetched += 1
                decoding = asyncio.ensure_future(self.decode(list(batch)))
                await ahead.put((batch, decoding))
                top = batch.highest_seq
                if top is None:
                    return
                seq = top
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store loop raises it after the batches before it
            await ahead.put(exc)

    async def _stop_producer(
        self, producer: asyncio.Task[None], ahead: asyncio.Queue[_Ahead]
    ) -> None:
        producer.cancel()
        try:
            await producer
        except (asyncio.CancelledError, Exception) as exc:  # already failing or done
            log.debug("prefetch of corp %s ended: %r", self.corp.corp_id, exc)
        while not ahead.empty():
            item = ahead.get_nowait()
            if isinstance(item, BaseException):
                continue
            decoding = item[1]
            decoding.cancel()
            try:
                await decoding
            except (asyncio.CancelledError, Exception) as exc:
                log.debug("decoding ahead for corp %s ended: %r", self.corp.corp_id, exc)

    async def _fetch(self, seq: int) -> ChatDataBatch:
        retry = 0
        while True:
            try:
                return await self.source.fetch(seq, self.batch_size)
            except ArchiveSdkError as exc:
                if exc.disposition is Disposition.SHRINK and self.batch_size > 1:
                    # 301058: at most log2(limit) smaller asks, no sleep, then surfaced
                    self.batch_size = max(1, self.batch_size // 2)
                    log.info(
                        "archive fetch of corp %s too large; limit now %d",
                        self.corp.corp_id,
                        self.batch_size,
                    )
                    continue
                if exc.disposition is not Disposition.RETRY or retry + 1 >= self.backoff.attempts:
                    raise
                delay = self.backoff.delay(retry)
                log.info(
                    "archive fetch of corp %s failed (%s); retrying in %.1f s",
                    self.corp.corp_id,
                    exc.code,
                    delay,
                )
                retry += 1
                await self._sleep(delay)

    async def decode(self, records: Sequence[ChatData]) -> list[Outcome]:
        """Decode records in the pool with this tenant's keys (loaded at pull start)."""
        raws = [raw_record(r) for r in records]
        return await self.decoder.decode(self._keys, local_decryptor(self.source), raws)

    async def _store(
        self,
        report: PullReport,
        batch: ChatDataBatch,
        outcomes: list[Outcome],
        seq_from: int,
        seq_to: int,
    ) -> None:
        rows: list[Decoded | Undecoded] = []
        for outcome in outcomes:
            if isinstance(outcome, NeedsDecrypt):
                outcome = await self._decrypt_here(outcome)
            rows.append(outcome)
        rows.extend(malformed_outcome(bad, seq_from) for bad in batch.malformed)
        stored = await writer.store_batch(
            self.corp,
            rows,
            cursor_from=seq_from,
            cursor_to=seq_to,
            now=datetime.now(UTC),
            media_max_bytes=self.media_max_bytes,
            hook=self.hook,
        )
        report.batches += 1
        report.ok += len(stored.messages)
        report.parked += stored.parked
        report.failed += stored.failed
        report.stored += stored.stored
        report.duplicates += stored.duplicates
        report.media += stored.media
        report.recalls += stored.recalls
        report.parked_versions.update(
            r.publickey_ver for r in rows if isinstance(r, Undecoded) and r.status == "parked"
        )

    async def _decrypt_here(self, outcome: NeedsDecrypt) -> Decoded | Undecoded:
        return await decrypt_here(self.source, outcome)

    async def _record_error(self, exc: ArchiveSdkError) -> None:
        await record_error(self.corp.pk, exc)


async def record_error(corp_pk: int, exc: ArchiveSdkError) -> None:
    """Surface an SDK error on the tenant's cursor (the console shows it)."""
    await writer.ensure_cursor(corp_pk)
    await ArchiveCursor.filter(corp_id=corp_pk).update(
        last_error=str(exc)[:2000],
        last_error_code=exc.code,
        last_pull_at=datetime.now(UTC),
    )
