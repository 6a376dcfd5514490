"""The inbox worker: applying events, ordering, retries, leases, concurrency, and the CLI."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from callbacks import inbox as inbox_writer
from callbacks.registry import HandlerContext, HandlerRegistry
from callbacks.worker import InboxWorker, backoff_seconds
from tests.conftest import (
    SECRET_KEY,
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_CORP_ID,
    TEST_SUITE_ID,
    FakeClock,
    _truncate_all,
)
from tests.support.callback_wire import ON_POSTGRES, CountingRegistry
from tests.support.callbacks import post_event, suite_crypto
from wecom_app import cli
from wecom_app.protocol.events import Event, dedup_key
from wecom_app.protocol.xml import parse_xml
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.callbacks import event_xml, self_built_event, suite_command
from wecom_app.store import inbox
from wecom_app.store.db import close_db, init_db
from wecom_app.store.inbox import NewInboxRow
from wecom_app.store.models import Corp, Employee, InboxEvent

Fields = dict[str, str | int | list[str]]
T0 = 1_700_000_000


def contact(change: str, user: str, at: int, **extra: str | list[str]) -> Fields:
    fields = self_built_event(TEST_CORP_ID, "change_contact", change, create_time=at, UserID=user)
    fields.update(extra)
    return fields


async def send(client: httpx.AsyncClient, clock: FakeClock, *events: Fields) -> None:
    for fields in events:
        response = await post_event(client, fields, clock)
        assert (response.status_code, response.text) == (200, "")


async def employee(userid: str) -> Employee:
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    return await Employee.get(corp=corp, userid=userid)


async def statuses() -> list[str]:
    return [row.status for row in await InboxEvent.all().order_by("id")]


def new_row(fields: Fields, *, received_at: float, scope: str = TEST_CORP_ID) -> NewInboxRow:
    message = event_xml(fields)
    document = parse_xml(message)
    return NewInboxRow(
        scope=scope,
        dedup_key=dedup_key(document),
        source="corp",
        corp_id=scope,
        name=str(fields.get("Event", "")),
        change_type=str(fields.get("ChangeType", "")),
        payload=message.decode(),
        received_at=received_at,
    )


# --- change_contact → Employee ---------------------------------------------------------


async def test_create_update_delete_user_maintain_the_employee(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    worker = runtime.build_worker()
    await send(
        client,
        clock,
        contact(
            "create_user",
            "zhangsan",
            T0,
            Name="张三",
            Department="1,2",
            MainDepartment="1",
            Position="sales",
            Status="1",
            OpenUserID="woAAA",
        ),
    )
    assert await worker.drain() == 1
    created = await employee("zhangsan")
    assert (created.name, created.departments, created.main_department) == ("张三", ["1", "2"], "1")
    assert (created.position, created.open_userid, created.status) == ("sales", "woAAA", "active")
    assert (created.resigned_at, created.last_event_time) == (None, T0)

    # update_user carries only what changed; the rest is kept.
    await send(client, clock, contact("update_user", "zhangsan", T0 + 10, Position="manager"))
    assert await worker.drain() == 1
    updated = await employee("zhangsan")
    assert (updated.name, updated.position, updated.departments) == ("张三", "manager", ["1", "2"])
    assert updated.last_event_time == T0 + 10

    await send(client, clock, contact("delete_user", "zhangsan", T0 + 20))
    assert await worker.drain() == 1
    gone = await employee("zhangsan")
    assert gone.status == "resigned"
    assert gone.resigned_at == datetime.fromtimestamp(T0 + 20, tz=UTC)
    assert gone.name == "张三"  # history stays readable after they leave
    assert await statuses() == ["done", "done", "done"]
    assert services.metrics.inbox_applied.value("done") == 3
    assert await Employee.all().count() == 1


async def test_department_lists_sent_as_items_are_kept(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    await send(client, clock, contact("create_user", "lisi", T0, Department=["3", "4"]))
    assert await runtime.build_worker().drain() == 1
    assert (await employee("lisi")).departments == ["3", "4"]


async def test_a_userid_change_moves_the_same_employee(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    worker = runtime.build_worker()
    await send(client, clock, contact("create_user", "old-id", T0, Name="王五"))
    await send(client, clock, contact("update_user", "old-id", T0 + 1, NewUserID="new-id"))
    await send(client, clock, contact("update_user", "new-id", T0 + 2, Position="cto"))
    assert await worker.drain() == 3
    moved = await employee("new-id")
    assert (moved.name, moved.position) == ("王五", "cto")
    assert await Employee.all().count() == 1


async def test_an_older_update_never_overwrites_a_newer_one(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    worker = runtime.build_worker()
    await send(client, clock, contact("create_user", "zhangsan", T0, Name="v0"))
    await send(client, clock, contact("update_user", "zhangsan", T0 + 10, Name="v10"))
    assert await worker.drain() == 2
    # A delayed retry of an older update arrives after the newer one was applied.
    await send(client, clock, contact("update_user", "zhangsan", T0 + 5, Name="v5"))
    assert await worker.drain() == 1
    current = await employee("zhangsan")
    assert (current.name, current.last_event_time) == ("v10", T0 + 10)
    assert await statuses() == ["done", "done", "done"]  # stale is applied as a no-op


async def test_a_late_create_does_not_revive_a_deleted_employee(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    worker = runtime.build_worker()
    await send(client, clock, contact("delete_user", "zhaoliu", T0 + 30))
    await send(client, clock, contact("create_user", "zhaoliu", T0 + 20, Name="赵六"))
    await send(client, clock, contact("update_user", "zhaoliu", T0 + 25, Status="1"))
    assert await worker.drain() == 3
    current = await employee("zhaoliu")
    assert current.status == "resigned"
    assert current.resigned_at == datetime.fromtimestamp(T0 + 30, tz=UTC)
    assert current.last_event_time == T0 + 30


async def test_a_late_delete_does_not_resign_a_newer_hire(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    worker = runtime.build_worker()
    await send(client, clock, contact("create_user", "sunqi", T0 + 100, Name="孙七"))
    assert await worker.drain() == 1
    await send(client, clock, contact("delete_user", "sunqi", T0 + 50))
    assert await worker.drain() == 1
    current = await employee("sunqi")
    assert (current.status, current.resigned_at) == ("active", None)


async def test_events_of_a_corp_that_is_not_a_tenant_are_skipped(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    fields = suite_command(
        TEST_SUITE_ID,
        "change_contact",
        timestamp=T0,
        AuthCorpId="wwnotatenant0001",
        ChangeType="create_user",
        UserID="x",
    )
    response = await post_event(
        client, fields, clock, url="/callbacks/suite", crypto=suite_crypto()
    )
    assert response.text == "success"
    assert await runtime.build_worker().drain() == 1
    [row] = await InboxEvent.all()
    assert row.status == "skipped"
    assert "wwnotatenant0001" in row.last_error
    assert await Employee.all().count() == 0
    assert services.metrics.inbox_applied.value("skipped") == 1


# --- unknown events --------------------------------------------------------------------


async def test_unknown_events_are_kept_whole_with_status_no_handler(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    fields = self_built_event(
        TEST_CORP_ID,
        "an_event_from_the_future",
        "with_a_new_change",
        create_time=T0,
        Custom="值 & <stuff>",
    )
    fields["Nested"] = ["a", "b", "c"]
    await send(client, clock, fields)
    clock.advance(3)
    assert await runtime.build_worker().drain() == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.last_error) == ("no_handler", 1, "")
    assert (row.name, row.change_type) == ("an_event_from_the_future", "with_a_new_change")
    assert row.payload == event_xml(fields).decode()
    assert row.applied_at == clock()
    assert services.metrics.inbox_applied.value("no_handler") == 1
    assert await runtime.build_worker().drain() == 0


async def test_a_stored_payload_that_no_longer_parses_fails_without_retrying(
    runtime: Runtime, clock: FakeClock
) -> None:
    row = new_row(contact("create_user", "x", T0), received_at=clock())
    broken = row._replace(payload="<xml><oops></xml>")
    assert await inbox.insert_rows([broken]) == [True]
    assert await runtime.build_worker().drain() == 1
    [stored] = await InboxEvent.all()
    assert stored.status == "failed"
    assert stored.last_error.startswith("unparseable payload")


# --- failures, backoff, replay ---------------------------------------------------------


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert backoff_seconds(9) == 512.0
    assert backoff_seconds(10) == backoff_seconds(50) == 600.0


class Flaky:
    """A handler that writes, then fails until told to succeed."""

    def __init__(self) -> None:
        self.calls = 0
        self.succeed = False

    async def __call__(self, ctx: HandlerContext, event: Event) -> None:
        self.calls += 1
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        await Employee.create(corp=corp, userid=f"written-{self.calls}")
        if not self.succeed:
            raise RuntimeError(f"boom {self.calls}")


async def test_a_failing_handler_retries_with_backoff_then_fails_and_replay_revives_it(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    flaky = Flaky()
    registry = HandlerRegistry()
    registry.on("change_contact", transactional=True)(flaky)
    worker = InboxWorker(registry, runtime.handler_context(), services.metrics, max_attempts=3)
    await send(client, clock, contact("create_user", "zhangsan", T0))

    assert await worker.drain() == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "RuntimeError: boom 1")
    assert row.next_attempt_at == clock() + 2
    assert await Employee.all().count() == 0  # the failed attempt's writes rolled back

    clock.advance(1.9)
    assert await worker.drain() == 0  # not due yet
    clock.advance(0.1)
    assert await worker.drain() == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.last_error) == ("pending", 2, "RuntimeError: boom 2")
    assert row.next_attempt_at == clock() + 4

    clock.advance(4)
    assert await worker.drain() == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "RuntimeError: boom 3")
    assert row.applied_at == clock()
    assert services.metrics.inbox_applied.value("retry") == 2
    assert services.metrics.inbox_applied.value("failed") == 1

    clock.advance(10_000)
    assert await worker.drain() == 0  # failed is final until an operator replays it
    assert flaky.calls == 3

    assert await inbox.replay(status="failed", now=clock()) == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts) == ("pending", 0)
    flaky.succeed = True
    assert await worker.drain() == 1
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts) == ("done", 1)
    assert [e.userid for e in await Employee.all()] == ["written-4"]
    assert await Employee.all().count() == 1


async def test_replay_by_id_touches_only_those_rows(services: Services, clock: FakeClock) -> None:
    rows = [new_row(contact("create_user", f"u{i}", T0), received_at=clock()) for i in range(3)]
    assert await inbox.insert_rows(rows) == [True, True, True]
    await InboxEvent.all().update(status="failed", attempts=8)
    ids = [r.id for r in await InboxEvent.all().order_by("id")]
    assert await inbox.replay([ids[0], ids[2]], now=clock()) == 2
    after = {r.id: (r.status, r.attempts) for r in await InboxEvent.all()}
    assert after == {ids[0]: ("pending", 0), ids[1]: ("failed", 8), ids[2]: ("pending", 0)}
    assert await inbox.replay(now=clock()) == 0  # neither ids nor status: nothing


# --- concurrency and leases ------------------------------------------------------------


async def test_concurrent_workers_never_apply_an_event_twice(
    services: Services, runtime: Runtime, clock: FakeClock
) -> None:
    counting = CountingRegistry()

    async def write(ctx: HandlerContext, event: Event) -> None:
        await asyncio.sleep(0)  # let the other workers run between claim and commit
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        user = event.fields["UserID"]
        assert isinstance(user, str)
        await Employee.create(corp=corp, userid=user)  # a second apply would collide

    counting.on("change_contact", effect=write)
    rows = [
        new_row(contact("create_user", f"u{i:03d}", T0), received_at=clock()) for i in range(90)
    ]
    assert all(await inbox.insert_rows(rows))
    workers = [
        InboxWorker(counting.registry, runtime.handler_context(), services.metrics, batch_size=4)
        for _ in range(3)
    ]

    applied = await asyncio.gather(*(w.drain() for w in workers))

    assert sum(applied) == 90
    assert sum(1 for n in applied if n > 0) >= 2, applied  # the work really was shared
    assert counting.calls == {f"u{i:03d}": 1 for i in range(90)}
    assert set(await statuses()) == {"done"}
    assert {r.attempts for r in await InboxEvent.all()} == {1}
    assert await Employee.all().count() == 90


async def test_an_expired_lease_passes_the_row_on_and_the_late_commit_rolls_back(
    services: Services, runtime: Runtime, clock: FakeClock
) -> None:
    who: dict[str, str] = {}

    def registry_for(name: str) -> HandlerRegistry:
        async def handler(ctx: HandlerContext, event: Event) -> None:
            who.setdefault("order", "")
            who["order"] += name
            corp = await Corp.get(corp_id=TEST_CORP_ID)
            await Employee.create(corp=corp, userid=f"applied-by-{name}")

        registry = HandlerRegistry()
        registry.on("change_contact", transactional=True)(handler)
        return registry

    slow = InboxWorker(registry_for("A"), runtime.handler_context(), services.metrics)
    fast = InboxWorker(registry_for("B"), runtime.handler_context(), services.metrics)
    assert await inbox.insert_rows([new_row(contact("create_user", "x", T0), received_at=clock())])

    [claimed_by_slow] = await inbox.claim(10, slow.lease_seconds, clock())
    clock.advance(slow.lease_seconds + 1)  # the slow worker stalls past its lease
    assert await fast.drain() == 1  # …so another worker takes the row over and applies it
    await slow.apply(claimed_by_slow)  # the slow one finally gets to it

    assert who["order"] == "BA"
    assert [e.userid for e in await Employee.all()] == ["applied-by-B"]
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts, row.claim_token) == ("done", 2, "")
    assert services.metrics.inbox_applied.value("done") == 1


async def test_finish_reports_a_lost_lease(services: Services, clock: FakeClock) -> None:
    assert await inbox.insert_rows([new_row(contact("create_user", "x", T0), received_at=clock())])
    [first] = await inbox.claim(1, 10, clock())
    assert await inbox.claim(1, 10, clock()) == []  # leased: nobody else gets it
    clock.advance(11)
    [second] = await inbox.claim(1, 10, clock())
    assert first.id == second.id
    assert first.claim_token != second.claim_token
    assert await inbox.finish(first, "done", clock()) is False
    assert await inbox.retry_later(first, clock() + 5, "late") is False
    assert await inbox.finish(second, "done", clock()) is True
    [row] = await InboxEvent.all()
    assert (row.status, row.last_error) == ("done", "")


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="SQLite runs one transaction at a time on one connection; the sequential "
    "lease test above covers it",
)
async def test_a_slow_worker_in_flight_loses_its_lease_on_postgres(
    services: Services, runtime: Runtime, clock: FakeClock
) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()
    outcomes: list[str] = []

    async def slow_handler(ctx: HandlerContext, event: Event) -> None:
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        await Employee.create(corp=corp, userid="applied-by-slow")
        entered.set()
        await release.wait()

    async def fast_handler(ctx: HandlerContext, event: Event) -> None:
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        await Employee.create(corp=corp, userid="applied-by-fast")

    slow_registry, fast_registry = HandlerRegistry(), HandlerRegistry()
    slow_registry.on("change_contact", transactional=True)(slow_handler)
    fast_registry.on("change_contact", transactional=True)(fast_handler)
    slow = InboxWorker(slow_registry, runtime.handler_context(), services.metrics)
    fast = InboxWorker(fast_registry, runtime.handler_context(), services.metrics)
    assert await inbox.insert_rows([new_row(contact("create_user", "x", T0), received_at=clock())])

    async def run_slow() -> None:
        outcomes.append(f"slow applied {await slow.run_once()}")

    slow_task = asyncio.create_task(run_slow())
    await asyncio.wait_for(entered.wait(), 5)
    clock.advance(slow.lease_seconds + 1)
    assert await asyncio.wait_for(fast.drain(), 5) == 1
    release.set()
    await asyncio.wait_for(slow_task, 5)

    assert [e.userid for e in await Employee.all()] == ["applied-by-fast"]
    [row] = await InboxEvent.all()
    assert (row.status, row.attempts) == ("done", 2)
    assert services.metrics.inbox_applied.value("done") == 1


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Iterator[str]:
    """Environment for ``wecom-app`` commands against the (emptied) session database."""
    for name in list(os.environ):
        if name.startswith(("WECOM_", "CALLBACK_", "INBOX_")) or name == "REDIS_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("SINGLE_PROCESS", "1")  # one command at a time, no Redis
    asyncio.run(_reset(database_url))
    yield database_url
    asyncio.run(_reset(database_url))


async def _reset(database_url: str) -> None:
    await init_db(database_url)
    try:
        await _truncate_all()
    finally:
        await close_db()


async def _seed(database_url: str, statuses_by_user: dict[str, str]) -> dict[str, int]:
    await init_db(database_url)
    try:
        rows = [
            new_row(contact("create_user", user, T0), received_at=float(T0))
            for user in statuses_by_user
        ]
        assert all(await inbox.insert_rows(rows))
        ids: dict[str, int] = {}
        for row in await InboxEvent.all():
            user = row.payload.split("<UserID><![CDATA[")[1].split("]]>")[0]
            status = statuses_by_user[user]
            error = "RuntimeError: boom" if status == "failed" else ""
            attempts = 8 if status == "failed" else 0
            await InboxEvent.filter(id=row.id).update(
                status=status, last_error=error, attempts=attempts
            )
            ids[user] = row.id
        return ids
    finally:
        await close_db()


async def _inbox_state(database_url: str) -> dict[int, tuple[str, int]]:
    await init_db(database_url)
    try:
        return {r.id: (r.status, r.attempts) for r in await InboxEvent.all()}
    finally:
        await close_db()


def test_cli_inbox_list_and_replay(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    ids = asyncio.run(
        _seed(cli_env, {"ann": "done", "bob": "failed", "cid": "failed", "dee": "pending"})
    )

    assert cli.main(["inbox", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "done=1  failed=2  pending=1"
    assert out[1].split() == ["id", "status", "tries", "corp", "event", "error"]
    body = out[2:]
    assert [int(line.split()[0]) for line in body] == sorted(ids.values(), reverse=True)
    bob = next(line for line in body if int(line.split()[0]) == ids["bob"])
    assert bob.split()[1:5] == ["failed", "8", TEST_CORP_ID, "change_contact:create_user"]
    assert bob.endswith("RuntimeError: boom")

    assert cli.main(["inbox", "list", "--status", "failed", "--limit", "1"]) == 0
    failed_only = capsys.readouterr().out.splitlines()[2:]
    assert [int(line.split()[0]) for line in failed_only] == [ids["cid"]]

    assert cli.main(["inbox", "replay"]) == 2
    assert "give inbox ids or --status" in capsys.readouterr().err

    assert cli.main(["inbox", "replay", str(ids["bob"])]) == 0
    assert capsys.readouterr().out.strip() == "1 inbox events queued again"
    state = asyncio.run(_inbox_state(cli_env))
    assert state[ids["bob"]] == ("pending", 0)
    assert state[ids["cid"]] == ("failed", 8)

    assert cli.main(["inbox", "replay", "--status", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "1 inbox events queued again"
    state = asyncio.run(_inbox_state(cli_env))
    assert state == {
        ids["ann"]: ("done", 0),
        ids["bob"]: ("pending", 0),
        ids["cid"]: ("pending", 0),
        ids["dee"]: ("pending", 0),
    }


def test_cli_inbox_list_of_an_empty_inbox(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inbox", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "inbox is empty"
    assert len(out) == 2  # the header, no rows


def test_cli_worker_burst_applies_what_is_due(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WECOM_CORP_ID", TEST_CORP_ID)
    monkeypatch.setenv("WECOM_CORP_SECRET", "corp-secret-for-tests")
    monkeypatch.setenv("WECOM_AGENT_ID", "1000002")
    monkeypatch.setenv("WECOM_CALLBACK_TOKEN", TEST_CALLBACK_TOKEN)
    monkeypatch.setenv("WECOM_CALLBACK_AES_KEY", TEST_AES_KEY)
    asyncio.run(_seed(cli_env, {"ann": "pending", "bob": "pending"}))

    assert cli.main(["worker", "--burst"]) == 0
    assert capsys.readouterr().out.strip() == "applied 2 inbox events"

    async def check() -> list[tuple[str, str]]:
        await init_db(cli_env)
        try:
            assert {r.status for r in await InboxEvent.all()} == {"done"}
            return sorted((e.userid, e.status) for e in await Employee.all())
        finally:
            await close_db()

    assert asyncio.run(check()) == [("ann", "active"), ("bob", "active")]
    assert cli.main(["worker", "--burst"]) == 0
    assert capsys.readouterr().out.strip() == "applied 0 inbox events"


async def test_batch_insert_tells_new_rows_from_duplicates(
    services: Services, clock: FakeClock
) -> None:
    """One batch holding old keys, new keys and a key twice: each row is classed right,
    whatever the order, and only the new keys are stored (the SQLite path inserts
    without RETURNING and finds which rows were its own by id)."""
    old = [new_row(contact("create_user", f"old{i}", T0), received_at=clock()) for i in range(3)]
    assert await inbox.insert_rows([old[0], old[2]]) == [True, True]
    clock.advance(5)
    fresh = [new_row(contact("create_user", f"new{i}", T0), received_at=clock()) for i in range(3)]
    batch = [fresh[0], old[0], fresh[1], old[1], fresh[0], old[2], fresh[2]]
    assert await inbox.insert_rows(batch) == [True, False, True, True, False, False, True]
    assert await InboxEvent.all().count() == 6
    # A batch of only known keys stores nothing and says so for each.
    assert await inbox.insert_rows([old[1], fresh[2], old[1]]) == [False, False, False]
    assert await InboxEvent.all().count() == 6


@pytest.mark.parametrize("in_flight", [1, 2])
async def test_writer_commits_batches_side_by_side_without_storing_a_key_twice(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, in_flight: int
) -> None:
    """PostgreSQL commits two batches at once; SQLite one. Either way each key is
    stored once and answered new exactly once, whichever batch carried its copies."""
    if in_flight > 1 and not ON_POSTGRES:
        pytest.skip("SQLite has one writer connection: one batch at a time")
    running = peak = 0
    insert = inbox.insert_rows

    async def slow_insert(rows: list[NewInboxRow]) -> list[bool]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await asyncio.sleep(0.02)  # a commit that takes a while
            return await insert(rows)
        finally:
            running -= 1

    monkeypatch.setattr(inbox_writer, "insert_rows", slow_insert)
    writer = inbox_writer.InboxWriter(max_batch=10, max_in_flight=in_flight)
    writer.start()
    try:
        rows = [
            new_row(contact("create_user", f"w{i}", T0), received_at=clock()) for i in range(40)
        ]
        copies = rows + rows[::3]  # every third callback arrives twice, in another batch
        results = await asyncio.gather(*(writer.submit(row) for row in copies))
    finally:
        await writer.stop()
    assert peak == in_flight
    new: dict[str, int] = {}
    for row, is_new in zip(copies, results, strict=True):
        new[row.dedup_key] = new.get(row.dedup_key, 0) + int(is_new)
    assert set(new.values()) == {1}
    assert await InboxEvent.all().count() == 40
