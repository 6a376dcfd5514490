"""The decoder's process pool: workers that die with their parent, one pool per process."""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Final

from wecom_app.archive.decode import decode_records
from wecom_app.archive.gc_tuning import tune_worker
from wecom_app.archive.keys import KeyMaterial
from wecom_app.archive.outcomes import KeyRefs, LocalDecryptor, Outcome, RawRecord
from wecom_app.text.tokenise import initialise as initialise_tokeniser

_PR_SET_PDEATHSIG: Final = 1


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel kill this worker when its parent dies (even by SIGKILL).

    Otherwise a killed puller leaves its idle workers behind, waiting forever. (The
    signal follows the parent *thread* that started the worker: workers are started
    from the event loop's thread, which lives as long as the process.)
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _worker_init(parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    # Ctrl-C goes to the whole process group; the parent decides what stops, and the
    # pool is shut down by it, so a worker must not die mid-task with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    initialise_tokeniser()
    tune_worker()


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class DecodePool:
    """Decodes batches on ``workers`` processes (0: in a thread of this process).

    A batch is cut into ``chunk``-record pieces so every worker gets work and results
    stream back while the last pieces are still running; results keep record order.
    """

    def __init__(
        self, workers: int | None = None, *, chunk: int = 125, threads: bool = False
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.chunk = max(1, chunk)
        # Threads instead of processes: kept to measure the choice (bench/archive.py
        # --threads); RSA releases the GIL, normalising and jieba do not.
        self.threads = threads
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> Executor:
        with self._lock:
            if self._executor is None and self.threads:
                initialise_tokeniser()
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="decode")
            if self._executor is None:
                # spawn, not fork: the parent runs an event loop and driver threads
                # (aiosqlite, asyncpg) whose locks a forked child would inherit held.
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def worker_pids(self) -> list[int]:
        """Process ids of the workers started so far (benchmarks read their memory)."""
        executor = self._executor
        if not isinstance(executor, ProcessPoolExecutor):
            return []
        processes = getattr(executor, "_processes", None) or {}
        return [int(pid) for pid in processes]

    async def decode(
        self,
        keys: Mapping[int, KeyMaterial],
        decryptor: LocalDecryptor | None,
        records: Sequence[RawRecord],
    ) -> list[Outcome]:
        if not records:
            return []
        refs: KeyRefs = {v: (k.fingerprint, k.pem) for v, k in keys.items()}
        if self.workers <= 0:
            return await asyncio.to_thread(decode_records, refs, decryptor, records)
        pool = self._pool()
        loop = asyncio.get_running_loop()
        pieces = [records[i : i + self.chunk] for i in range(0, len(records), self.chunk)]
        futures = [
            loop.run_in_executor(pool, decode_records, refs, decryptor, piece) for piece in pieces
        ]
        out: list[Outcome] = []
        for part in await asyncio.gather(*futures):
            out.extend(part)
        return out

    async def warm_up(self) -> None:
        """Start the workers (and load jieba in each) before the first batch."""
        if self.workers <= 0:
            await asyncio.to_thread(initialise_tokeniser)
            return
        pool = self._pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(pool, decode_records, {}, None, []) for _ in range(self.workers))
        )

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_shared: DecodePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> DecodePool:
    """One pool per process (its workers are costly to start), closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DecodePool()
            atexit.register(_shared.close)
        return _shared
