"""SQLite WAL checkpoints on a thread of their own, off the writer's path.

In WAL mode every commit appends pages to the ``-wal`` file; a *checkpoint* copies them
back into the database file and, with ``synchronous=NORMAL``, is the one moment SQLite
calls ``fsync``. By default the connection that commits runs it (every 1000 pages), so
every few hundred callbacks one inbox commit also waits for two ``fsync`` calls and a
few MB of copying, and every request of that batch waits with it: measured, that was
more than half the time of an inbox insert.

Here a thread with its own connection runs a ``PASSIVE`` checkpoint every
``interval_s`` (it never blocks a writer or a reader), and the writers' own automatic
checkpoint is kept only as a safety net at :data:`AUTOCHECKPOINT_PAGES`, for when this
thread falls behind or the process runs no checkpointer (short CLI commands).
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

# The writers' automatic checkpoint, in pages (4 KiB): 64 MiB of WAL.
AUTOCHECKPOINT_PAGES = 16384
# After a checkpoint resets the WAL, SQLite truncates its file to this size; a limit as
# large as the WAL grows to lets the file be reused instead of shrunk and regrown.
JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL every ``interval_s`` on a daemon thread."""

    def __init__(self, path: str, interval_s: float = 0.5) -> None:
        self.path = path
        self.interval_s = interval_s
        self.checkpoints = 0  # completed PASSIVE checkpoints (for tests and metrics)
        self.last_result = (0, 0, 0)  # the newest (busy, wal_pages, checkpointed_pages)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: ``(busy, wal_pages, checkpointed_pages)``."""
        busy, wal_pages, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.last_result = (int(busy), int(wal_pages), int(done))
        self.checkpoints += 1
        return self.last_result

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("WAL checkpointer not started: %s", exc)
            return
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            while not self._stop.wait(self.interval_s):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error as exc:
                    # Busy or locked (a writer's own checkpoint, a schema change): the
                    # next round catches up; the writers' safety net bounds the WAL.
                    log.debug("WAL checkpoint skipped: %s", exc)
        finally:
            conn.close()
