"""The sidebar's profile API under 50 concurrent employees, beside a bare endpoint.

Seeds an org (simulator generator: employees, customers, follow relations, tags, group
chats, and generated archived conversations for every relation) into a fresh SQLite
database (and PostgreSQL + Redis when reachable), then starts side by side, each under
uvicorn with one worker process:

1. a bare Starlette endpoint answering a fixed JSON body as large as a real profile;
2. the app (``wecom-app serve``) on SQLite, in-process KV — the embedded default;
3. the same app with all the sidebar's routes moved to the front of the routing table
   (``bench/sidebar_app.py``). Starlette tries every pattern in order; ``create_app``
   once listed the sidebar after ~80 console routes (this run showed the cost: about a
   fifth of the throughput) and now tries the profile route first, so the two should
   match within noise;
4. the app with both caches off (``WECOM_APP_SIDEBAR_CACHE_SECONDS=0``,
   ``WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS=0``): every request checks access and
   builds the profile from the store (customer, relations, notes, reminders, timeline,
   insights, messages: three statements) — the cost of a cache miss;
5. the app on PostgreSQL + Redis, when both are reachable.

Fifty keep-alive connections play fifty employees (each request carries its
employee's signed session cookie); each employee reopens, at random, one of the
customers they are chatting with (``--working-set``, 8 by default) — the sidebar
reloads the profile whenever the employee switches chats. Profiles are cached for
30 s and access decisions for 5 s (the defaults), so the figure for the default setup
includes the cache misses of every first open and every expiry (a round of a target
typically begins after its access decisions from the last one have expired); the "no
caches" run builds every profile from the store. Rounds are interleaved across the
targets so that noise on this shared machine hits them alike; each figure is the
median round. Every answer must be 200 (checked).

    python bench/sidebar.py [--requests 6000] [--rounds 3] [--customers 3000]

Last line: ``RESULT sidebar ratio=<app/bare rps> p99_ms=<app p99>`` (the default setup).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.callbacks import PG_ADMIN, free_port, psql_admin, wait_ready
from bench.loadgen import LoadResult, run_load

CORP_ID = "wwbenchsidebar01"
SEED = 7
EMPLOYEES = 50
BARE_APP = """
import os
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(os.environ["BARE_BODY"], "rb").read()

async def profile(request):
    return Response(BODY, media_type="application/json")

app = Starlette(routes=[Route("/sidebar/api/customers/{external_userid}", profile)])
"""


def build_get(host: str, port: int, path: str, cookie: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
        f"Cookie: {cookie}\r\n\r\n"
    ).encode()


@dataclass
class Target:
    label: str
    port: int
    process: subprocess.Popen[bytes]
    results: list[LoadResult] = field(default_factory=list)

    @property
    def median(self) -> LoadResult:
        return sorted(self.results, key=lambda r: r.rps)[len(self.results) // 2]


def app_env(workdir: Path, database_url: str, secret_key: str, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        DATA_DIR=str(workdir / "data"),
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        WECOM_CORP_ID=CORP_ID,
        WECOM_CORP_SECRET="bench-secret",
        WECOM_AGENT_ID="1000002",
        WECOM_CALLBACK_TOKEN="bench-token",
        WECOM_CALLBACK_AES_KEY="".join(secrets.choice(string.ascii_letters) for _ in range(43)),
        # No WeCom here: the profiles are fresh, so nothing should call it.
        WECOM_API_BASE=f"http://127.0.0.1:{free_port()}",
        INBOX_WORKER="off",
        LOG_LEVEL="WARNING",
        **extra,
    )
    env.pop("REDIS_URL", None)
    return env


async def seed(
    database_url: str, secret_key: str, customers: int
) -> tuple[int, dict[str, list[str]]]:
    """The org into the store; returns the tenant's key and each bench employee's customers."""
    from tests.support.sidebar_devdata import seed_org
    from wecom_app.config import SelfBuiltApp
    from wecom_app.secretbox import SecretBox
    from wecom_app.simulator.generator import generate_org
    from wecom_app.store.db import close_db, init_db
    from wecom_app.tenants import register_self_built

    org = generate_org(SEED, customers=customers, employees=80, corp_id=CORP_ID)
    await init_db(database_url)
    try:
        corp = await register_self_built(
            SelfBuiltApp(
                corp_id=CORP_ID,
                corp_secret="bench-secret",
                agent_id="1000002",
                callback_token="bench-token",
                callback_aes_key="x" * 43,
            ),
            SecretBox(secret_key),
        )
        summary = await seed_org(corp, org, now=int(time.time()), messages_per_relation=16)
    finally:
        await close_db()
    print(
        f"seeded {database_url.split('://')[0]}: {summary.employees} employees, "
        f"{summary.customers} customers, {summary.relations} relations, "
        f"{summary.group_chats} group chats, {summary.messages} archived messages"
    )
    sellers = sorted(
        ((u, list(by)) for u, by in org.follows_by_user.items() if by),
        key=lambda item: -len(item[1]),
    )
    return corp.id, dict(sellers[:EMPLOYEES])


def seed_in_subprocess(
    database_url: str, secret_key: str, customers: int
) -> tuple[int, dict[str, list[str]]]:
    """Seed from a child process: Tortoise binds its SQL to the first dialect a process
    initialises, so SQLite and PostgreSQL are never seeded from one process."""
    out = subprocess.run(
        [sys.executable, __file__, "--seed", database_url, "--customers", str(customers)],
        env=dict(os.environ, SECRET_KEY=secret_key),
        check=True,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    print(lines[0])
    data = json.loads(lines[-1])
    return int(data["corp_pk"]), {k: list(v) for k, v in data["who"].items()}


def cookies(secret_key: str, corp_pk: int, employees: list[str]) -> dict[str, str]:
    from sidebar.config import SidebarConfig
    from sidebar.session import SESSION_COOKIE, Sessions
    from wecom_app.config import Settings

    settings = Settings.from_env(
        {"DATABASE_URL": "sqlite://:memory:", "SECRET_KEY": secret_key, "DATA_DIR": "/tmp"}
    )
    sessions = Sessions(secret_key, SidebarConfig.from_settings(settings))
    return {u: f"{SESSION_COOKIE}={sessions.issue(corp_pk, CORP_ID, u)[1]}" for u in employees}


def requests_for(
    port: int, who: dict[str, list[str]], jar: dict[str, str], count: int, seed: int = 0
) -> list[bytes]:
    """``count`` profile requests: employee after employee, each opening one of the
    customers they are chatting with (their working set) at random."""
    rng = random.Random(seed)
    employees = list(who)
    out = []
    for index in range(count):
        userid = employees[index % len(employees)]
        customer = rng.choice(who[userid])
        out.append(build_get("127.0.0.1", port, f"/sidebar/api/customers/{customer}", jar[userid]))
    return out


def start_app(label: str, env: dict[str, str], *, sidebar_first: bool = False) -> Target:
    port = free_port()
    subprocess.run(
        [sys.executable, "-m", "wecom_app.cli", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    argv = [sys.executable, "-m", "wecom_app.cli", "serve", "--port", str(port), "--no-worker"]
    if sidebar_first:
        argv = [
            sys.executable,
            str(Path(__file__).with_name("sidebar_app.py")),
            "--port",
            str(port),
        ]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    wait_ready(port, process)
    return Target(label, port, process)


def start_bare(workdir: Path, body: bytes) -> Target:
    port = free_port()
    (workdir / "bare_sidebar.py").write_text(BARE_APP)
    (workdir / "profile.json").write_bytes(body)
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_sidebar:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = dict(os.environ, PYTHONPATH=str(workdir), BARE_BODY=str(workdir / "profile.json"))
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    wait_ready(port, process)
    return Target("bare", port, process)


def sample_profile(port: int, who: dict[str, list[str]], jar: dict[str, str]) -> bytes:
    import http.client

    userid = next(iter(who))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/sidebar/api/customers/{who[userid][0]}", headers={"Cookie": jar[userid]})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"profile answered {response.status}: {body[:200]!r}")
    return body


def report(target: Target, baseline: Target | None) -> None:
    m = target.median
    ratio = f" ratio={m.rps / baseline.median.rps:.2f}" if baseline else ""
    statuses = {}
    for result in target.results:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    print(
        f"{target.label:<22} rps={m.rps:7.0f} p50_ms={m.p50_ms:6.2f} "
        f"p99_ms={m.percentile_ms(0.99):6.2f}{ratio}  statuses={statuses}  "
        f"(rounds rps: {', '.join(f'{r.rps:.0f}' for r in target.results)})"
    )


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def forget_cached_profiles(url: str) -> None:
    """Profiles cached in Redis by an earlier run (same ids, another database)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="wecom:sidebar:*"):
        client.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000, help="per round and target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=EMPLOYEES)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument(
        "--working-set",
        type=int,
        default=8,
        help="customers each employee is chatting with (and so reopens)",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--seed", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        corp_pk, who = asyncio.run(seed(args.seed, os.environ["SECRET_KEY"], args.customers))
        print(json.dumps({"corp_pk": corp_pk, "who": who}))
        return
    secret_key = secrets.token_urlsafe(40)
    targets: list[Target] = []
    pg_name = f"bench_sidebar_{secrets.token_hex(4)}"
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        try:
            sqlite_url = f"sqlite://{workdir / 'bench.sqlite3'}"
            env = app_env(workdir, sqlite_url, secret_key)
            subprocess.run(
                [sys.executable, "-m", "wecom_app.cli", "migrate"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            corp_pk, everyone = seed_in_subprocess(sqlite_url, secret_key, args.customers)
            who = {u: customers[: args.working_set] for u, customers in everyone.items()}
            jar = cookies(secret_key, corp_pk, list(who))
            app = start_app("app/sqlite", env)
            targets.append(app)
            body = sample_profile(app.port, who, jar)
            print(f"a profile is {len(body)} bytes; the bare endpoint answers as many")
            bare = start_bare(workdir, body)
            targets.insert(0, bare)
            targets.append(start_app("app/sqlite routes first", env, sidebar_first=True))
            uncached_env = app_env(
                workdir,
                sqlite_url,
                secret_key,
                WECOM_APP_SIDEBAR_CACHE_SECONDS="0",
                WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS="0",
            )
            targets.append(start_app("app/sqlite no caches", uncached_env))
            if not args.no_postgres and psql_admin(f'CREATE DATABASE "{pg_name}"'):
                pg_url = (
                    "postgres://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0] + "/" + pg_name
                )
                pg_env = app_env(workdir, pg_url, secret_key)
                if redis_reachable(redis_url):
                    pg_env["REDIS_URL"] = redis_url
                    forget_cached_profiles(redis_url)
                subprocess.run(
                    [sys.executable, "-m", "wecom_app.cli", "migrate"],
                    env=pg_env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                pg_corp, _ = seed_in_subprocess(pg_url, secret_key, args.customers)
                assert pg_corp == corp_pk, "the cookies name the tenant by its key"
                label = "app/postgres+redis" if "REDIS_URL" in pg_env else "app/postgres"
                targets.append(start_app(label, pg_env))
            else:
                print("postgres: not reachable (or --no-postgres), skipped")
            for target in targets:  # warm up: jieba's dictionary, connections, first opens
                requests = requests_for(target.port, who, jar, 1500, seed=1)
                asyncio.run(run_load("127.0.0.1", target.port, requests, args.concurrency, b""))
            for _ in range(args.rounds):
                for number, target in enumerate(targets):
                    requests = requests_for(target.port, who, jar, args.requests, seed=number + 2)
                    target.results.append(
                        asyncio.run(
                            run_load("127.0.0.1", target.port, requests, args.concurrency, b"")
                        )
                    )
            for target in targets:
                report(target, None if target is bare else bare)
            failed = [t.label for t in targets for r in t.results if set(r.statuses) != {200}]
            if failed:
                print(f"NOT ALL 200: {sorted(set(failed))}")
        finally:
            for target in targets:
                target.process.terminate()
                target.process.wait(timeout=10)
            psql_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            if redis_reachable(redis_url):
                forget_cached_profiles(redis_url)
    m = app.median
    print(f"RESULT sidebar ratio={m.rps / bare.median.rps:.2f} p99_ms={m.percentile_ms(0.99):.1f}")


if __name__ == "__main__":
    main()
