"""Callback receiver throughput and latency against a bare endpoint, same run.

Starts side by side (1) a bare Starlette endpoint that reads the body and answers an
empty 200 (what a self-built app's callback URL answers, Doc 90238), (2) the app on
SQLite and (3) the app on PostgreSQL (when reachable), each under uvicorn with one
worker process, then drives them in interleaved rounds with the same kind of encrypted
callbacks over 50 keep-alive connections, so that noise on this shared 2-core machine
hits all of them alike; each figure is the median round. Every
callback is distinct, and afterwards the inbox must hold exactly the callbacks that
were answered (durability is checked, not assumed). The inbox worker is off
so the receive path is measured alone.

    python bench/callbacks.py [--requests 10000] [--rounds 3] [--concurrency 50]

Last line: ``RESULT callbacks ratio=<app/bare> rps=<app> p99_ms=<app>`` (SQLite run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import LoadResult, build_post, run_load
from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.simulator.callbacks import event_xml, seal, self_built_event

CORP_ID = "wwbench000000001"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ACK = b""  # a self-built app's callback answer (callbacks.receiver.answer_for)
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def receive(request):
    await request.body()
    return PlainTextResponse("")

app = Starlette(routes=[Route("/callbacks/corp/{corp_id}", receive, methods=["POST"])])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


class Callbacks:
    """Distinct, validly signed callbacks for the bench corp (an event per customer)."""

    def __init__(self, token: str, aes_key: str) -> None:
        self.crypto = CallbackCrypto(token, aes_key, CORP_ID)
        self.counter = 0

    def batch(self, port: int, count: int) -> list[bytes]:
        now = int(time.time())
        out = []
        for _ in range(count):
            self.counter += 1
            fields = self_built_event(
                CORP_ID,
                "change_external_contact",
                "add_external_contact",
                create_time=now,
                UserID=f"user{self.counter % 50}",
                ExternalUserID=f"wmbench{self.counter:09d}",
                State="bench",
            )
            signed = seal(self.crypto, event_xml(fields), timestamp=now)
            query = "&".join(f"{k}={v}" for k, v in signed.query.items())
            path = f"/callbacks/corp/{CORP_ID}?{query}"
            out.append(build_post("127.0.0.1", port, path, signed.body.encode()))
        return out


@dataclass
class Target:
    label: str
    port: int
    process: subprocess.Popen[bytes]
    database_url: str = ""
    results: list[LoadResult] = field(default_factory=list)

    @property
    def median(self) -> LoadResult:
        return sorted(self.results, key=lambda r: r.rps)[len(self.results) // 2]

    @property
    def answered_success(self) -> int:
        return sum(len(r.ok_indices) for r in self.results)


def start_bare(workdir: Path) -> Target:
    port = free_port()
    (workdir / "bare_app.py").write_text(BARE_APP)
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = dict(os.environ, PYTHONPATH=str(workdir))
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    wait_ready(port, process)
    return Target("bare", port, process)


def start_app(label: str, database_url: str, token: str, key: str, workdir: Path) -> Target:
    port = free_port()
    env = dict(
        os.environ,
        DATA_DIR=str(workdir / "data"),
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(40),
        WECOM_CORP_ID=CORP_ID,
        WECOM_CORP_SECRET="bench-secret",
        WECOM_AGENT_ID="1000002",
        WECOM_CALLBACK_TOKEN=token,
        WECOM_CALLBACK_AES_KEY=key,
        INBOX_WORKER="off",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "wecom_app.cli", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    argv = [sys.executable, "-m", "wecom_app.cli", "serve", "--port", str(port), "--no-worker"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    wait_ready(port, process)
    return Target(label, port, process, database_url)


def count_inbox(database_url: str) -> int:
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url[len("sqlite://") :]) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])
    out = subprocess.run(
        [
            "psql",
            database_url.replace("postgres://", "postgresql://", 1),
            "-tAc",
            "SELECT COUNT(*) FROM inbox",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def psql_admin(statement: str) -> bool:
    try:
        subprocess.run(["psql", PG_ADMIN, "-qc", statement], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def report(target: Target, baseline: Target | None) -> None:
    m = target.median
    ratio = f" ratio={m.rps / baseline.median.rps:.2f}" if baseline else ""
    print(
        f"{target.label:<14} rps={m.rps:7.0f} p50_ms={m.p50_ms:6.2f} "
        f"p99_ms={m.percentile_ms(0.99):6.2f}{ratio}  "
        f"(rounds rps: {', '.join(f'{r.rps:.0f}' for r in target.results)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    token = secrets.token_urlsafe(16)
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(43))
    callbacks = Callbacks(token, key)
    pg_name = f"bench_callbacks_{secrets.token_hex(4)}"
    targets: list[Target] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        try:
            bare = start_bare(workdir)
            targets.append(bare)
            sqlite_app = start_app(
                "app/sqlite", f"sqlite://{workdir / 'bench.sqlite3'}", token, key, workdir
            )
            targets.append(sqlite_app)
            if psql_admin(f'CREATE DATABASE "{pg_name}"'):
                pg_url = "postgres://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
                targets.append(
                    start_app("app/postgres", f"{pg_url}/{pg_name}", token, key, workdir)
                )
            else:
                print("postgres: not reachable, skipped")
            for target in targets:  # warm up
                asyncio.run(
                    run_load(
                        "127.0.0.1",
                        target.port,
                        callbacks.batch(target.port, 500),
                        args.concurrency,
                        ACK,
                    )
                )
            for _ in range(args.rounds):
                for target in targets:
                    requests = callbacks.batch(target.port, args.requests)
                    target.results.append(
                        asyncio.run(
                            run_load("127.0.0.1", target.port, requests, args.concurrency, ACK)
                        )
                    )
            for target in targets:
                report(target, None if target is bare else bare)
            for target in targets[1:]:
                stored = count_inbox(target.database_url) - 500  # minus the warm-up
                ok = target.answered_success
                print(
                    f"durability {target.label}: answered success={ok} stored={stored} "
                    f"{'OK' if stored == ok else 'MISMATCH'}"
                )
        finally:
            for target in targets:
                target.process.terminate()
                target.process.wait(timeout=10)
            psql_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    app = sqlite_app.median
    print(
        f"RESULT callbacks ratio={app.rps / bare.median.rps:.2f} rps={app.rps:.0f} "
        f"p99_ms={app.percentile_ms(0.99):.1f}"
    )


if __name__ == "__main__":
    main()
