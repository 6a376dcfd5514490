"""Full sync of a 20,000-customer org from the simulator: WeCom calls against the
minimum the API allows, wall time, and memory — with a 5,000-customer org as the
memory baseline in the same run.

Each size runs in a fresh child process: a seeded org is generated, the simulator is
mounted in-process (``httpx.ASGITransport``, so the figures are our code and the
database, not a network), the app's services sync the org's self-built tenant into a
fresh SQLite database (``--pg``: PostgreSQL too), and the child reports

- ``calls``: every HTTP request our WeCom client sent (token fetch and retries included);
- ``minimum``: the fewest calls WeCom's APIs allow for that org
  (:func:`wecom_app.simulator.costs.minimum_sync_calls`):

      1 gettoken + 1 department/list + 1 user/list per department
      + 1 get_follow_user_list
      + Σ over batches of 100 customer-contact members (userid order)
            max(1, ceil(relations of the batch / 100))      batch/get_by_user pages
      + 1 get_corp_tag_list
      + max(1, ceil(chats / 1000)) groupchat/list pages + 1 groupchat/get per chat

- ``ratio`` = calls / minimum (aim ≤ 1.1);
- ``wall_s`` of the sync alone; ``peak_rss_mb`` of the child (``ru_maxrss``, which also
  holds the simulator's in-memory org); ``sync_rss_growth_mb``: the most the resident
  set grew during the sync (sampled after every stored page). Streaming pages keeps the
  growth flat from 5,000 to 20,000 customers; holding the customers would not.

    python bench/sync.py [--customers 20000] [--baseline 5000] [--employees 300] [--pg]

Last line: ``RESULT sync calls_ratio=<x> wall_s=<s> peak_rss_mb=<m>`` (the big org, SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORP_ID = "wwbenchsync00001"
SECRET = "bench-corp-secret-" + "x" * 24
CALLBACK_TOKEN = "bench-callback-token"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def rss_mb() -> float:
    """The resident set now (``/proc``), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def child(customers: int, employees: int, seed: int, database_url: str) -> dict[str, Any]:
    import httpx

    from wecom_app import sync
    from wecom_app.config import Settings
    from wecom_app.services import Services
    from wecom_app.simulator.api import create_simulator_app
    from wecom_app.simulator.costs import minimum_sync_calls
    from wecom_app.simulator.generator import generate_org
    from wecom_app.simulator.simulator import Simulator
    from wecom_app.store.directory import Customer, FollowRelation
    from wecom_app.store.migrate import migrate

    generated = time.perf_counter()
    sim = Simulator(seed=seed)
    org = sim.add_org(generate_org(seed, customers=customers, employees=employees, corp_id=CORP_ID))
    sim.enable_self_built_app(
        CORP_ID, secret=SECRET, callback_token=CALLBACK_TOKEN, callback_aes_key=AES_KEY
    )
    generated = time.perf_counter() - generated
    data_dir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    settings = Settings.from_env(
        {
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-key-" + "y" * 32,
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_CORP_SECRET": SECRET,
            "WECOM_AGENT_ID": "1000002",
            "WECOM_CALLBACK_TOKEN": CALLBACK_TOKEN,
            "WECOM_CALLBACK_AES_KEY": AES_KEY,
        }
    )
    await migrate(settings.database_url)
    services = Services(
        settings,
        run_worker=False,
        transport=httpx.ASGITransport(app=create_simulator_app(sim)),
    )
    async with services:
        start_rss = rss_mb()
        high_rss = start_rss

        def sample(progress: sync.SyncProgress) -> None:
            nonlocal high_rss
            high_rss = max(high_rss, rss_mb())

        calls_before = services.wecom.client.total_calls
        started = time.perf_counter()
        run = await sync.run_sync(services, CORP_ID, progress=sample)
        wall = time.perf_counter() - started
        calls = services.wecom.client.total_calls - calls_before
        assert run.status == "done", run.error
        # The stored directory is the org: every relation and customer, once.
        relations = sum(len(by) for by in org.follows_by_user.values())
        assert await FollowRelation.filter(status="active").count() == relations
        assert await Customer.filter(status="active").count() == len(org.customers)
        by_path = dict(services.wecom.client.calls)
    minimum = minimum_sync_calls(org)
    return {
        "customers": customers,
        "relations": relations,
        "employees": employees,
        "departments": len(org.departments),
        "chats": minimum.chat_gets,
        "generate_s": round(generated, 2),
        "wall_s": round(wall, 2),
        "calls": calls,
        "minimum": minimum.total,
        "minimum_parts": minimum.__dict__,
        "by_path": by_path,
        "ratio": round(calls / minimum.total, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "sync_rss_growth_mb": round(high_rss - start_rss, 1),
    }


def run_child(customers: int, employees: int, seed: int, database_url: str) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--customers",
        str(customers),
        "--employees",
        str(employees),
        "--seed",
        str(seed),
        "--database-url",
        database_url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"child for {customers} customers failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def pg_database() -> tuple[str, str] | None:
    import asyncpg

    name = f"bench_sync_{secrets.token_hex(4)}"

    async def create() -> None:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping it")
        return None
    return name, PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_pg(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def describe(label: str, r: dict[str, Any]) -> None:
    print(
        f"{label:<22} {r['customers']:>7,} customers {r['relations']:>7,} relations "
        f"{r['chats']:>5,} chats | calls {r['calls']:>6,} minimum {r['minimum']:>6,} "
        f"ratio {r['ratio']:.3f} | sync {r['wall_s']:>6.2f} s | "
        f"peak RSS {r['peak_rss_mb']:.0f} MiB, grew {r['sync_rss_growth_mb']:.1f} MiB in the sync"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=5_000)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pg", action="store_true", help="also sync into PostgreSQL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(child(args.customers, args.employees, args.seed, args.database_url))
        print(json.dumps(result))
        return

    runs: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-db-") as tmp:
        for size in (args.baseline, args.customers):
            url = f"sqlite://{Path(tmp) / f'sync-{size}.sqlite3'}"
            runs.append((f"SQLite {size:,}", run_child(size, args.employees, args.seed, url)))
    if args.pg:
        created = pg_database()
        if created is not None:
            name, url = created
            try:
                runs.append(
                    ("PostgreSQL", run_child(args.customers, args.employees, args.seed, url))
                )
            finally:
                drop_pg(name)
    print()
    for label, result in runs:
        describe(label, result)
    big = runs[1][1]
    base = runs[0][1]
    print("\ncalls of the big run by API:")
    for path, count in sorted(big["by_path"].items(), key=lambda kv: -kv[1]):
        print(f"  {count:>6,}  {path}")
    print("minimum, by part:", ", ".join(f"{k} {v}" for k, v in big["minimum_parts"].items()))
    print(
        f"memory: the sync grew the process by {base['sync_rss_growth_mb']:.1f} MiB for "
        f"{base['customers']:,} customers and {big['sync_rss_growth_mb']:.1f} MiB for "
        f"{big['customers']:,} (pages are streamed, not held)"
    )
    print(
        f"RESULT sync calls_ratio={big['ratio']:.3f} wall_s={big['wall_s']:.2f} "
        f"peak_rss_mb={big['peak_rss_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
