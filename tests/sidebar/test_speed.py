"""The sidebar's fast paths keep their promises: inline SQLite reads see what is
committed (and a transaction's own writes), cached profiles follow every change and
expire on time, concurrent misses share one build, remembered sessions still expire.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from tortoise.transactions import in_transaction

from sidebar import profile, sql
from sidebar.config import SidebarConfig
from sidebar.service import SidebarService
from sidebar.session import SESSION_COOKIE, Sessions, session_cookie
from tests.conftest import SECRET_KEY, make_settings
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV, MemoryKV
from wecom_app.store.db import db, dialect
from wecom_app.store.directory import Customer
from wecom_app.store.models import Corp

# -- inline SQLite reads ----------------------------------------------------------------

CORPS = "SELECT corp_id FROM corps ORDER BY corp_id"


async def test_reads_see_commits_at_once_and_a_transaction_its_own_writes(
    database: str,
) -> None:
    await Corp.create(corp_id="wwspeedtest00001", mode="self_built")
    conn = db()
    if dialect(conn) != "sqlite":
        assert sql.inline_reader(conn) is None  # asyncpg has no thread to avoid
        assert await sql.fetch(CORPS) == [{"corp_id": "wwspeedtest00001"}]
        return
    assert sql.inline_reader(conn) is not None
    inline, fallback = sql.stats["inline"], sql.stats["fallback"]
    assert await sql.fetch(CORPS) == [{"corp_id": "wwspeedtest00001"}]
    assert sql.stats["inline"] == inline + 1
    async with in_transaction():
        await Corp.create(corp_id="wwspeedtest00002", mode="self_built")
        # Inside the transaction: through its connection, so its own write shows.
        assert [r["corp_id"] for r in await sql.fetch(CORPS)] == [
            "wwspeedtest00001",
            "wwspeedtest00002",
        ]
        assert sql.stats["inline"] == inline + 1
    await Corp.create(corp_id="wwspeedtest00003", mode="self_built")
    assert await sql.fetch_rows(CORPS) == [
        ("wwspeedtest00001",),
        ("wwspeedtest00002",),
        ("wwspeedtest00003",),
    ]
    assert sql.stats["fallback"] == fallback


async def test_a_read_over_its_budget_moves_to_the_worker_thread(database: str) -> None:
    conn = db()
    reader = sql.inline_reader(conn)
    if reader is None:
        pytest.skip("inline reads are SQLite's")
    count = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT COUNT(*) AS c FROM n"
    )
    fallback = sql.stats["fallback"]
    reader.budget_s = 0.0
    try:
        assert await sql.fetch(count) == [{"c": 300000}]  # the same answer, from the thread
        assert await sql.fetch_rows(count) == [(300000,)]
    finally:
        reader.budget_s = sql.INLINE_BUDGET_S
    assert sql.stats["fallback"] == fallback + 2


# -- the profile cache ------------------------------------------------------------------


class SteppingClock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def world(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[SidebarWorld]:
    async with sidebar_world(tmp_path, database, kv, customers=12, employees=4) as built:
        yield built


async def _grant(service: SidebarService, world: SidebarWorld, userid: str, customer: str) -> Any:
    grant = await service.customer_grant(world.corp.id, world.corp.corp_id, userid, customer)
    assert grant is not None
    return grant


def _pair(world: SidebarWorld) -> tuple[str, str]:
    userid = world.sellers()[0]
    return userid, world.followed_by(userid)[0]


async def _rename(world: SidebarWorld, customer: str, name: str) -> None:
    await Customer.filter(corp_id=world.corp.id, external_userid=customer).update(name=name)


async def test_a_change_bumped_by_another_process_shows_at_once(world: SidebarWorld) -> None:
    userid, customer = _pair(world)
    client = world.client_for(userid)
    url = f"/sidebar/api/customers/{customer}"
    first = (await client.get(url)).json()["customer"]["name"]
    await _rename(world, customer, "改名之后")
    # Nothing said it changed: the cached profile is served (for up to 30 s).
    assert (await client.get(url)).json()["customer"]["name"] == first
    # Another process (same KV store) records a change to this customer.
    other = SidebarService(world.services)
    await other.bump(world.corp.id, customer)
    assert (await client.get(url)).json()["customer"]["name"] == "改名之后"


async def test_a_profile_built_by_another_process_is_reused(
    world: SidebarWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    userid, customer = _pair(world)
    other = SidebarService(world.services)
    body = await other.profile_bytes(
        world.corp.id, world.corp.corp_id, await _grant(other, world, userid, customer), customer
    )
    builds = 0
    original = profile.build

    async def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal builds
        builds += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(profile, "build", counting)
    answer = await world.client_for(userid).get(f"/sidebar/api/customers/{customer}")
    assert answer.status_code == 200
    assert answer.content == body
    assert builds == 0


async def test_cached_profiles_expire_after_the_cache_seconds(
    tmp_path: Path, database: str
) -> None:
    """Changes made elsewhere (callbacks, the puller) show within the cache's time, in
    this process's memory as in the KV store."""
    clock = SteppingClock()
    async with sidebar_world(
        tmp_path, database, MemoryKV(clock=clock), customers=12, employees=4
    ) as world:
        service = world.sidebar
        service.monotonic = clock
        userid, customer = _pair(world)
        client = world.client_for(userid)
        url = f"/sidebar/api/customers/{customer}"
        first = (await client.get(url)).json()["customer"]["name"]
        await _rename(world, customer, "过期之后")
        clock.now += service.config.cache_seconds - 1
        assert (await client.get(url)).json()["customer"]["name"] == first
        clock.now += 2
        assert (await client.get(url)).json()["customer"]["name"] == "过期之后"


async def test_concurrent_misses_share_one_build(
    world: SidebarWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    userid, customer = _pair(world)
    service = world.sidebar
    grant = await _grant(service, world, userid, customer)
    builds = 0
    original = profile.build

    async def slow(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.05)
        if builds == 1:
            raise RuntimeError("the first build fails")
        return await original(*args, **kwargs)

    monkeypatch.setattr(profile, "build", slow)
    bodies = await asyncio.gather(
        *(
            service.profile_bytes(world.corp.id, world.corp.corp_id, grant, customer)
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    # The first build failed for its caller only: the others built again, each of them
    # (they were waiting on it), and nothing was left pending.
    assert sum(isinstance(b, RuntimeError) for b in bodies) == 1
    assert sum(isinstance(b, bytes) for b in bodies) == 3
    assert not service._building
    builds = 1  # no failure this time
    await service.bump(world.corp.id, customer)
    again = await asyncio.gather(
        *(
            service.profile_bytes(world.corp.id, world.corp.corp_id, grant, customer)
            for _ in range(5)
        )
    )
    assert builds == 2  # one build for five concurrent requests
    assert len(set(again)) == 1


def test_profiles_kept_in_memory_are_bounded(
    world: SidebarWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sidebar.service

    monkeypatch.setattr(sidebar.service, "MAX_LOCAL_PROFILES", 3)
    service = SidebarService(world.services)
    now = service.monotonic()
    service._keep_profile((1, "a", "u", "f"), ("0", now - 1, b"old"))
    service._keep_profile((1, "b", "u", "f"), ("0", now + 30, b"b"))
    service._keep_profile((1, "c", "u", "f"), ("0", now + 30, b"c"))
    service._keep_profile((1, "d", "u", "f"), ("0", now + 30, b"d"))  # the expired one goes
    assert sorted(k[1] for k in service._profiles) == ["b", "c", "d"]
    service._keep_profile((1, "e", "u", "f"), ("0", now + 30, b"e"))  # none expired: all go
    assert list(service._profiles) == [(1, "e", "u", "f")]


async def test_concurrent_settings_misses_share_one_read(database: str) -> None:
    from sidebar.tenant import TenantSettings, TenantSettingsCache

    corp = await Corp.create(corp_id="wwspeedtest00009", mode="self_built")
    cache = TenantSettingsCache()
    reads = 0
    original = cache._load

    async def slow(corp_pk: int) -> TenantSettings:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.02)
        return await original(corp_pk)

    cache._load = slow  # type: ignore[method-assign]
    found = await asyncio.gather(*(cache.get(corp.id) for _ in range(20)))
    assert reads == 1
    assert len({id(f) for f in found}) == 1
    assert not cache._loading
    # A save made while a read is under way is not overwritten by what that read saw.
    other = await Corp.create(corp_id="wwspeedtest00010", mode="self_built")
    fresh = TenantSettingsCache()
    reading = asyncio.ensure_future(fresh.get(other.id))
    await asyncio.sleep(0)
    await fresh.save(other.id, TenantSettings(successor_view=False))
    await reading
    assert other.id not in fresh._cache  # whatever it read, it did not keep it
    assert not (await fresh.get(other.id)).successor_view


# -- sessions -------------------------------------------------------------------------


def test_a_remembered_session_still_expires_and_a_tampered_one_is_refused(
    tmp_path: Path,
) -> None:
    now = [1_700_000_000.0]
    config = SidebarConfig.from_settings(make_settings(tmp_path, "sqlite://:memory:"))
    sessions = Sessions(SECRET_KEY, config, clock=lambda: now[0])
    session, token = sessions.issue(7, "wwcorp", "zhangsan")
    assert sessions.decode(token) == session
    assert sessions.decode(token) == session  # remembered
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert sessions.decode(forged) is None
    now[0] += config.session_seconds + 1
    assert sessions.decode(token) is None  # remembered, but too old now


def test_the_session_cookie_is_read_as_starlette_reads_cookies() -> None:
    headers = [
        (b"host", b"sidebar.test"),
        (b"cookie", b"a=1; wecom_sidebar=first; b=2"),
        (b"cookie", b"c=3"),
        (b"cookie", b'wecom_sidebar="second"; wecom_sidebar_oauth=x'),
    ]
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": headers})
    assert session_cookie(request) == request.cookies.get(SESSION_COOKIE) == "second"
    bare = Request({"type": "http", "method": "GET", "path": "/", "headers": headers[:1]})
    assert session_cookie(bare) is None
    other = Request({"type": "http", "method": "GET", "path": "/", "headers": headers[2:3]})
    assert session_cookie(other) is None


def test_the_profile_route_is_tried_first(tmp_path: Path) -> None:
    """Starlette tries routes in order; the sidebar's profile API is the hottest path."""
    from starlette.routing import Route

    from wecom_app.app import create_app

    first = create_app(make_settings(tmp_path, "sqlite://:memory:")).router.routes[0]
    assert isinstance(first, Route)
    assert first.path == "/sidebar/api/customers/{external_userid}"
    assert first.methods == {"GET", "HEAD"}


async def test_serve_freezes_what_startup_built() -> None:
    """``wecom-app serve`` moves startup's objects out of the full collections' way once
    the app has started (and still runs the app's own startup and shutdown)."""
    import gc
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette

    from wecom_app.cli import freeze_after_startup

    steps: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        steps.append("start")
        yield
        steps.append("stop")

    app = Starlette(lifespan=lifespan)
    freeze_after_startup(app)
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            assert steps == ["start"]
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert steps == ["start", "stop"]
