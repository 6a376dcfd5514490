"""SIGKILL the puller at random points, over and over: no gap, no duplicate, nothing lost.

The puller runs as an operator runs it (``python -m wecom_app.cli archive pull``) in a
subprocess, against the simulator's archive served over HTTP, on its own database (a
SQLite file, or a fresh PostgreSQL database when ``DATABASE_URL`` is set). Each run is
killed with SIGKILL after a random delay — during start-up, mid-fetch, mid-decode or
mid-commit — and restarted on the same database. Runs alternate between decoding in
the puller process and in its process pool (whose workers must die with it).

After every kill the stored seqs are exactly 1..cursor (the cursor only moves with the
messages it covers); at the end the stored archive equals the simulator's log: the
same msgids in the same seq order, none twice, all decrypted.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SECRET_KEY, _pg_admin, _with_database, postgres_admin_url
from tests.support.archive import (
    ARCHIVE_SECRET,
    CORP_ID,
    HttpArchive,
    generated,
    pem,
    rsa_key,
    seal_all,
)
from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.archive import SimArchive
from wecom_app.store.archive import ArchiveCursor, ArchiveMessage
from wecom_app.store.db import close_db, init_db
from wecom_app.store.migrate import migrate
from wecom_app.store.models import Corp

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MESSAGES = 8000  # ≥ 53 batches: ingestion outlasts every kill below
BATCH = 150  # many commit points per run
RUNS = 10
POOL_RUNS = frozenset({3, 7})  # runs that decode in a process pool (slower to start)
EARLY_KILLS = frozenset({0, 5})  # runs killed at a random time, start-up included


@contextmanager
def _database(tmp_path: Path) -> Iterator[str]:
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite://{tmp_path / 'pull.sqlite3'}"
        return
    name = f"wecom_pull_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin, name)
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _prepare(database_url: str) -> None:
    await migrate(database_url)
    await init_db(database_url)
    try:
        box = SecretBox(SECRET_KEY)
        corp = await Corp.create(corp_id=CORP_ID, mode="self_built")
        await set_archive_secret(corp, ARCHIVE_SECRET, box)
        for version in (1, 2):
            await add_key(corp, version, pem(rsa_key(version)), box)
    finally:
        await close_db()


async def _state(database_url: str) -> tuple[int, list[tuple[int, str, str]]]:
    await init_db(database_url)
    try:
        cursor = await ArchiveCursor.filter(corp__corp_id=CORP_ID).first()
        rows = (
            await ArchiveMessage.filter(corp__corp_id=CORP_ID)
            .order_by("seq", "id")
            .values("seq", "msgid", "status")
        )
        return (cursor.seq if cursor else 0), [
            (int(r["seq"]), str(r["msgid"]), str(r["status"])) for r in rows
        ]
    finally:
        await close_db()


def _env(tmp_path: Path, database_url: str, archive_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WECOM_", "DATABASE_", "REDIS_", "ARCHIVE_"))
    }
    # No REDIS_URL: a killed puller's lease would block the next run until it expires;
    # what is under test is the database's guarantee, which holds without the lease.
    env.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            # Without Redis on PostgreSQL the operator must say so; the database's
            # guarantee under test holds across these processes regardless.
            "SINGLE_PROCESS": "1",
            "ARCHIVE_SOURCE": "simulator",
            "ARCHIVE_SIMULATOR_URL": archive_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _pull(env: dict[str, str], workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "wecom_app.cli",
        "archive",
        "pull",
        "--corp",
        CORP_ID,
        "--batch-size",
        str(BATCH),
        "--workers",
        str(workers),
        "--progress-every",
        "0",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)


def _progress_lines(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text(errors="replace").splitlines() if " stored " in line)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("PULL_CRASH_SEED", "20261122")))
    log = tmp_path / "pull.log"
    sim = SimArchive()
    org = sim.add_org(CORP_ID, ARCHIVE_SECRET, {1: rsa_key(1), 2: rsa_key(2)})
    archive = generated(97, MESSAGES)
    archive.load_into(org, key_versions=[1, 2])
    seal_all(org)
    expected = [(seq, m.msgid) for seq, m in enumerate(archive.messages, start=1)]

    with _database(tmp_path) as database_url, HttpArchive(sim) as server:
        asyncio.run(_prepare(database_url))
        env = _env(tmp_path, database_url, server.url)
        kills_mid_ingest = 0
        previous = 0
        for run in range(RUNS):
            workers = 2 if run in POOL_RUNS else 0
            lines = _progress_lines(log)
            proc = _pull(env, workers, log)
            if run in EARLY_KILLS:
                time.sleep(rng.uniform(0.2, 2.5))
            else:
                # Once this run has committed 1-3 batches (progress lines), kill it a
                # random moment later: mid-fetch, mid-decode or mid-commit. Counting
                # batches rather than seconds keeps each run's share of the archive
                # the same however fast ingestion is, so the kills land mid-ingest
                # on a fast machine too (a fixed delay let a quick run finish early).
                target = lines + rng.randint(1, 3)
                deadline = time.monotonic() + 60
                while _progress_lines(log) < target and proc.poll() is None:
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.1))
            children = _children(proc.pid)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

            cursor, rows = asyncio.run(_state(database_url))
            seqs = [seq for seq, _, _ in rows]
            # The invariant a crash must never break: stored is exactly 1..cursor.
            assert seqs == list(range(1, cursor + 1)), f"run {run}: gap or duplicate"
            assert [(s, m) for s, m, _ in rows] == expected[:cursor], f"run {run}"
            assert cursor >= previous
            if previous < cursor < MESSAGES:
                kills_mid_ingest += 1
            previous = cursor
            # Decoder workers die with their puller (no orphans left to pile up).
            deadline = time.monotonic() + 5
            while any(Path(f"/proc/{c}").exists() for c in children):
                assert time.monotonic() < deadline, f"run {run}: orphaned {children}"
                time.sleep(0.05)
            if cursor == MESSAGES:
                break

        assert kills_mid_ingest >= 3, "the kills should land while messages are stored"
        final = _pull(env, 0, log)
        assert final.wait(timeout=120) == 0, log.read_text()[-3000:]

        cursor, rows = asyncio.run(_state(database_url))
        assert cursor == MESSAGES
        assert [(s, m) for s, m, _ in rows] == expected
        assert len({m for _, m, _ in rows}) == MESSAGES
        assert {status for _, _, status in rows} == {"ok"}
