"""Benchmark: an employee leaves with 10,000 customers and 500 group chats.

    python bench/transfer.py [--customers 10000] [--chats 500] [--successors 5]

The simulated WeCom holds the org; our directory is seeded as a full sync leaves it.
Then, timed: draft a plan (least-loaded over the successors), submit it, let the
simulator clock pass the 24-hour takeover, and run until the plan is closed — every
result polled, every completed customer carried over (remark, description and corp tags
re-applied for the successor), every successor told, the admin summary sent.

WeCom calls are counted by the simulator and compared with the fewest the API allows
for the same outcome:

    minimum = tokens                      one per 2-hour token lifetime the run spans
            + Σ pairs ⌈customers / 100⌉   transfer_customer: ≤ 100 customers a call
            + Σ pairs ⌈customers / P⌉     one transfer_result pass after the takeover
                                          (P = the result page size; failures also come
                                          by callback, successes only from results)
            + Σ pairs ⌈chats / 100⌉       groupchat/transfer: ≤ 100 chats a call
            + remarks                     one remark call per successor that needs the
                                          predecessor's remark or description
            + tag marks                   one mark_tag call per customer with corp tags
            + messages                    one per successor (each list differs) + 1 summary

(a "pair" is the leaver and one successor). The client paces itself below WeCom's rate
limits; its waits run on the simulator clock, so they cost no wall time. The last line
is ``RESULT transfer calls_ratio=<made/minimum> plan_s=<s> wall_s=<s>``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tests.support.transfer import seed_directory
from wecom_app import tenants
from wecom_app.config import Settings
from wecom_app.kv import MemoryKV
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.api_message import sent_messages
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import FollowRelation, GroupChat, GroupChatMember, SimClock
from wecom_app.simulator.tokens import TOKEN_TTL_S
from wecom_app.simulator.transfer import RESULT_PAGE_SIZE, transfer_desk
from wecom_app.store.db import close_db, init_db
from wecom_app.store.migrate import migrate
from wecom_app.store.models import Corp
from wecom_app.store.transfer import CustomerTransfer, TransferItem
from wecom_app.transfer import PlanOptions, TransferService
from wecom_app.transfer.carryover import Carried
from wecom_app.wecom import CorpTokenProvider, TokenSource, WeComClient
from wecom_app.wecom_access import WeComAccess

CORP_ID = "wwbenchtransfer1"
SECRET = "bench-corp-secret"
DAY = 86400


class SimulatedTimeAccess(WeComAccess):
    """Token providers on the simulator clock: a token cached at submit time is known
    to have expired a simulated day later (on the wall clock it would look fresh, and
    the first call would spend a request on 42001)."""

    def __init__(self, *args: Any, clock: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock
        self.providers: dict[str, CorpTokenProvider] = {}

    async def corp_tokens(self, corp_id: str) -> TokenSource:
        if corp_id not in self.providers:
            self.providers[corp_id] = CorpTokenProvider(
                self.client,
                self.kv,
                self.box,
                corp_id=corp_id,
                corp_secret=SECRET,
                clock=self.clock,
            )
        return self.providers[corp_id]


def build_world(
    customers: int, chats: int, successors: int, refuse: float
) -> tuple[Simulator, SimClock, str, list[str]]:
    clock = SimClock()
    sim = Simulator(clock=clock, seed=42)
    org = sim.add_org(
        generate_org(
            42, customers=3000, employees=40, group_chats=30, corp_id=CORP_ID, now=int(clock())
        )
    )
    sim.enable_self_built_app(CORP_ID, secret=SECRET, agent_id=1000002)
    rng = random.Random(42)
    ranked = sorted(org.employees, key=lambda u: len(org.follows_by_user.get(u, {})))
    leaver = ranked[len(ranked) // 2]
    chosen = [u for u in ranked if u != leaver][:successors]
    tags = list(org.tags)
    now = int(clock())
    added = 0
    while added < customers:
        customer = sim.people.customer()
        org.customers[customer.external_userid] = customer
        org.add_follow(
            FollowRelation(
                userid=leaver,
                external_userid=customer.external_userid,
                createtime=now - rng.randrange(2 * 365 * DAY),
                remark=f"{customer.name}-老客户"[:20] if rng.random() < 0.3 else "",
                description="季度回访" if rng.random() < 0.2 else "",
                tag_ids=rng.sample(tags, rng.randint(1, 2)) if rng.random() < 0.5 else [],
            )
        )
        if rng.random() < refuse:
            transfer_desk(sim).refusing.add(customer.external_userid)
        added += 1
    theirs = list(org.follows_by_user[leaver])
    for number in range(chats):
        chat_id = f"wrbench{number:06d}"
        members = [GroupChatMember(userid=leaver, type=1, join_time=now)]
        members += [GroupChatMember(userid=c, type=2, join_time=now) for c in rng.sample(theirs, 5)]
        org.group_chats[chat_id] = GroupChat(
            chat_id, f"客户群{number}", leaver, now, members=members
        )
    sim.delete_employee(CORP_ID, leaver)
    sim.pop_callbacks()
    return sim, clock, leaver, chosen


async def bench(args: argparse.Namespace, database_url: str) -> None:
    sim, clock, leaver, successors = build_world(
        args.customers, args.chats, args.successors, args.refuse
    )
    key = "bench-secret-key-" + "x" * 32
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": key,
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_CORP_SECRET": SECRET,
            "WECOM_AGENT_ID": "1000002",
            "WECOM_CALLBACK_TOKEN": "bench-callback-token",
            "WECOM_CALLBACK_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
        }
    )
    await init_db(database_url)
    box = SecretBox(key)
    assert settings.self_built is not None
    corp = await tenants.register_self_built(settings.self_built, box)
    await seed_directory(sim.org(CORP_ID), corp)
    corp = await Corp.get(corp_id=CORP_ID)

    async def simulated_sleep(seconds: float) -> None:
        # The client's pacing below WeCom's limits passes on the simulator clock.
        clock.advance(seconds)
        await asyncio.sleep(0)

    client = WeComClient(
        transport=httpx.ASGITransport(app=create_simulator_app(sim)),
        clock=clock,
        sleep=simulated_sleep,
    )
    kv = MemoryKV(clock=clock)
    access = SimulatedTimeAccess(settings, kv, box, client, clock=clock)
    service = TransferService(access, kv, clock=clock)
    before = sum(sim.calls.values())
    started_at = clock()

    wall = time.perf_counter()
    plan, _ = await service.plan(
        corp, leaver, PlanOptions(successors=tuple(successors)), created_by=successors[0]
    )
    plan_s = time.perf_counter() - wall
    submit_started = time.perf_counter()
    phases = [clock()]
    first = await service.submit(plan)
    phases.append(clock())
    submit_s = time.perf_counter() - submit_started
    clock.advance(DAY + 120)
    phases.append(clock())
    track_started = time.perf_counter()
    runs = 0
    while True:
        report = await service.run(plan)
        runs += 1
        await plan.refresh_from_db()
        if plan.status == "done" or runs > 30:
            break
        clock.advance(3600)
    track_s = time.perf_counter() - track_started
    wall_s = time.perf_counter() - wall
    phases.append(clock())

    made = sum(sim.calls.values()) - before
    items = await TransferItem.filter(plan=plan).values("kind", "status", "takeover_userid")
    statuses = Counter((i["kind"], i["status"]) for i in items)
    pairs = Counter(
        i["takeover_userid"] for i in items if i["kind"] == "customer" and i["status"] != "blocked"
    )
    chat_pairs = Counter(i["takeover_userid"] for i in items if i["kind"] == "chat")
    carried = [Carried.from_json(t.carried) for t in await CustomerTransfer.filter(corp=corp)]
    span = clock() - started_at
    minimum = {
        # a token lives 2 h: one per phase (submit; track a day later), more if it is long
        "gettoken": sum(
            max(1, math.ceil((end - start) / TOKEN_TTL_S))
            for start, end in (phases[0:2], phases[2:4])
        ),
        "transfer_customer": sum(math.ceil(n / 100) for n in pairs.values()),
        "transfer_result": sum(math.ceil(n / RESULT_PAGE_SIZE) for n in pairs.values()),
        "groupchat/transfer": sum(math.ceil(n / 100) for n in chat_pairs.values()),
        "remark": sum(1 for c in carried if c.set_remark or c.set_description),
        "mark_tag": sum(1 for c in carried if c.add_tag_ids),
        "message/send": len(set(pairs) | set(chat_pairs)) + 1,
    }
    floor = sum(minimum.values())
    by_path = Counter({p.rsplit("/cgi-bin/", 1)[-1]: n for p, n in sim.calls.items()})
    messages = len(sent_messages(sim))
    print(f"leaver {leaver}: {args.customers} customers, {args.chats} group chats → {successors}")
    print(f"database: {database_url.split('://', 1)[0]}")
    print(f"plan:    {plan_s:7.2f} s   (10,000 customers, least-loaded, rules checked)")
    print(f"submit:  {submit_s:7.2f} s   {first.line()}")
    print(f"track:   {track_s:7.2f} s   {runs} runs, last: {report.line()}")
    print(f"wall:    {wall_s:7.2f} s   simulated time {span / 3600:.1f} h")
    print("outcome: " + ", ".join(f"{k}:{s}={n}" for (k, s), n in sorted(statuses.items())))
    print(f"messages sent: {messages}; plan status: {plan.status}")
    print(f"{'WeCom API':<40} {'made':>7} {'minimum':>8}")
    for name, least in minimum.items():
        made_here = sum(n for p, n in by_path.items() if p.endswith(name))
        print(f"{name:<40} {made_here:>7} {least:>8}")
    print(f"{'total':<40} {made:>7} {floor:>8}")
    ratio = made / floor
    await client.aclose()
    await close_db()
    print(f"RESULT transfer calls_ratio={ratio:.3f} plan_s={plan_s:.2f} wall_s={wall_s:.1f}")


async def _pg(admin: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--successors", type=int, default=5)
    parser.add_argument("--refuse", type=float, default=0.01, help="share of customers who refuse")
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL", "")
    if admin.startswith(("postgres://", "postgresql://")):
        name = f"bench_transfer_{os.getpid()}"
        base = admin.rsplit("/", 1)[0]
        asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
        url = f"{base}/{name}"
        try:
            asyncio.run(migrate(url))
            asyncio.run(bench(args, url))
        finally:
            asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{tmp}/bench.sqlite3"
        asyncio.run(migrate(url))
        asyncio.run(bench(args, url))


if __name__ == "__main__":
    main()
