"""SIGKILL the real server mid-stream: every callback answered ``success`` is in the inbox.

The server runs as WeCom sees it (``python -m wecom_app.cli serve`` on a free port) on
its own database: a SQLite file, or a fresh PostgreSQL database when ``DATABASE_URL``
is set. A client streams distinct callbacks concurrently; the server is killed at a
different point in each run and restarted on the same database. After each kill the
database must hold every acknowledged callback. At the end, WeCom's retries of the
unacknowledged ones are delivered, and every event must be stored exactly once.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    SECRET_KEY,
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_CORP_ID,
    _pg_admin,
    _with_database,
    postgres_admin_url,
)
from tests.support.callbacks import CORP_URL, corp_crypto
from wecom_app.protocol.events import dedup_key
from wecom_app.protocol.xml import parse_xml
from wecom_app.simulator.callbacks import event_xml, seal, self_built_event
from wecom_app.store.db import close_db, init_db
from wecom_app.store.models import InboxEvent

REPO = Path(__file__).resolve().parents[2]
SENDERS = 16
# Kill after this many acknowledgements: at once, early, and deep into the stream.
KILL_POINTS = (1, 40, 150)

pytestmark = pytest.mark.slow


@dataclass
class Ledger:
    """What the client saw: events sent, and those answered ``success``."""

    messages: dict[str, bytes] = field(default_factory=dict)  # user id -> document
    acked: set[str] = field(default_factory=set)

    def key(self, user: str) -> str:
        return dedup_key(parse_xml(self.messages[user]))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _crash_database(tmp_path: Path) -> Iterator[str]:
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite://{tmp_path / 'crash.sqlite3'}"
        return
    name = f"wecom_crash_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin, name)
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _server_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WECOM_", "DATABASE_", "CALLBACK_", "INBOX_"))
    }
    env.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "WECOM_CORP_ID": TEST_CORP_ID,
            "WECOM_CORP_SECRET": "corp-secret-for-tests",
            "WECOM_AGENT_ID": "1000002",
            "WECOM_CALLBACK_TOKEN": TEST_CALLBACK_TOKEN,
            "WECOM_CALLBACK_AES_KEY": TEST_AES_KEY,
            "CALLBACK_REPLAY_WINDOW": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wecom_app.cli", "serve", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(self.base + "/healthz", timeout=0.5).text == "ok":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not healthy in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log_file.close()


def _event(user: str) -> bytes:
    fields = self_built_event(
        TEST_CORP_ID, "change_contact", "create_user", create_time=1_700_000_000, UserID=user
    )
    fields["Name"] = f"员工 {user}"
    return event_xml(fields)


async def _post(http: httpx.AsyncClient, base: str, message: bytes) -> bool:
    signed = seal(corp_crypto(), message)
    response = await http.post(
        base + CORP_URL, params=signed.query, content=signed.body.encode(), timeout=5.0
    )
    return response.status_code == 200 and response.text == ""


async def _stream_and_kill(server: Server, ledger: Ledger, run: int, kill_after: int) -> int:
    """Send distinct callbacks from concurrent senders; SIGKILL after ``kill_after`` acks."""
    counter = iter(range(1_000_000))
    killed = asyncio.Event()
    acked_here = 0

    async def sender(http: httpx.AsyncClient) -> None:
        nonlocal acked_here
        while not killed.is_set():
            user = f"r{run}-{next(counter):06d}"
            ledger.messages[user] = _event(user)
            try:
                ok = await _post(http, server.base, ledger.messages[user])
            except httpx.HTTPError:
                # Unacknowledged (WeCom would retry it). After the kill this sender is
                # done; before it, a slow answer on a loaded machine is just a miss.
                if killed.is_set():
                    return
                if server.proc.poll() is not None:
                    raise AssertionError("the server died before it was killed") from None
                continue
            if ok:
                ledger.acked.add(user)
                acked_here += 1
                if acked_here >= kill_after and not killed.is_set():
                    server.kill()  # requests of the other senders are in flight now
                    killed.set()

    limits = httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS)
    async with httpx.AsyncClient(limits=limits) as http:
        await asyncio.wait_for(asyncio.gather(*(sender(http) for _ in range(SENDERS))), 60)
    return acked_here


async def _stored_keys(database_url: str) -> list[str]:
    await init_db(database_url)
    try:
        rows = await InboxEvent.filter(scope=TEST_CORP_ID).values_list("dedup_key", flat=True)
        return [str(r) for r in rows]
    finally:
        await close_db()


async def _redeliver(server: Server, ledger: Ledger, users: list[str]) -> list[bool]:
    limits = httpx.Limits(max_connections=SENDERS)
    async with httpx.AsyncClient(limits=limits) as http:
        semaphore = asyncio.Semaphore(SENDERS)

        async def one(user: str) -> bool:
            async with semaphore:
                return await _post(http, server.base, ledger.messages[user])

        return await asyncio.gather(*(one(u) for u in users))


def test_acknowledged_callbacks_survive_sigkill(tmp_path: Path) -> None:
    ledger = Ledger()
    log = tmp_path / "server.log"
    with _crash_database(tmp_path) as database_url:
        env = _server_env(tmp_path, database_url)
        if not database_url.startswith("sqlite"):
            subprocess.run(
                [sys.executable, "-m", "wecom_app.cli", "migrate"],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                timeout=60,
            )

        for run, kill_after in enumerate(KILL_POINTS):
            server = Server(env, log)
            try:
                server.wait_healthy()
                acked_here = asyncio.run(_stream_and_kill(server, ledger, run, kill_after))
            finally:
                server.kill()
            assert server.proc.returncode == -signal.SIGKILL
            assert acked_here >= kill_after

            stored = _stored_keys_now(database_url)
            assert len(stored) == len(set(stored))
            missing = sorted(u for u in ledger.acked if ledger.key(u) not in set(stored))
            assert not missing, f"run {run}: acknowledged but lost after SIGKILL: {missing[:10]}"

        unacked = sorted(set(ledger.messages) - ledger.acked)
        assert unacked, "every kill should leave requests in flight"

        # WeCom retries what was not acknowledged (and, harmlessly, some that were).
        server = Server(env, log)
        try:
            server.wait_healthy()
            retried = unacked + sorted(ledger.acked)[:50]
            assert all(asyncio.run(_redeliver(server, ledger, retried)))
        finally:
            server.kill()

        stored = _stored_keys_now(database_url)
        expected = {ledger.key(u) for u in ledger.messages}
        assert len(stored) == len(expected)
        assert set(stored) == expected


def _stored_keys_now(database_url: str) -> list[str]:
    return asyncio.run(_stored_keys(database_url))
