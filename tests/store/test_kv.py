"""One behavioural suite for both KV implementations (in-process and Redis).

Every test runs against :class:`MemoryKV` and :class:`RedisKV`. The Redis case skips
only when ``REDIS_URL`` is unset; when it is set, an unreachable Redis fails the run.
Each Redis test uses its own key prefix and deletes its keys afterwards.

The KV protocol has no way to observe a lock except through ``get("lock:" + name)``
(the key both implementations use), so the ownership tests read that key.

Nothing here waits for a TTL to pass: ``pair.advance(seconds)`` moves time on. For
:class:`MemoryKV` that is its injected clock; for Redis it reads each key's remaining
time back (``PTTL``) and sets what is left (``PEXPIRE``, or deletes the key when nothing
is), so what is tested is the TTL our code gave Redis, not Redis's own expiry. Lock
waits are observed by the attempts a waiter makes, and blocking timeouts by a clock
that moves on each time the lock looks at it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FakeClock
from wecom_app import kv as kv_module
from wecom_app.kv import LockTimeout, MemoryKV, RedisKV

KVImpl = MemoryKV | RedisKV

# Time only moves when a test advances it, so TTLs can be long: a stalled event loop
# on a busy machine cannot expire a key a test still expects to read.
TTL = 30.0
PAST_TTL = 31.0


@dataclass
class KVPair:
    """The store under test and a second handle on the same data (another process)."""

    kv: KVImpl
    other: KVImpl
    kind: str
    clock: FakeClock | None = None  # MemoryKV's; Redis keeps its own time

    async def advance(self, seconds: float) -> None:
        """Move time on by ``seconds`` for every key of this store."""
        if self.clock is not None:
            self.clock.advance(seconds)
            return
        assert isinstance(self.kv, RedisKV)
        redis = self.kv._redis
        async for key in redis.scan_iter(match=self.kv.prefix + "*", count=500):
            left = await redis.pttl(key)
            if left < 0:  # -1: no TTL, -2: gone meanwhile
                continue
            remaining = left - int(seconds * 1000)
            if remaining <= 0:
                await redis.delete(key)
            else:
                await redis.pexpire(key, remaining)


class TickingTime:
    """Stands in for ``time`` in :mod:`wecom_app.kv`: each look moves ``step`` on."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0
        self.looks = 0

    def monotonic(self) -> float:
        self.looks += 1
        self.now += self.step
        return self.now


def refusals(store: KVImpl, monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[None]:
    """One item per attempt of ``store``'s locks that found the lock taken."""
    refused: asyncio.Queue[None] = asyncio.Queue()
    target: Any = store._redis if isinstance(store, RedisKV) else store
    name = "set" if isinstance(store, RedisKV) else "set_if_absent"
    original = getattr(target, name)

    async def counting(*args: Any, **kwargs: Any) -> Any:
        result = await original(*args, **kwargs)
        if not result:
            refused.put_nowait(None)
        return result

    monkeypatch.setattr(target, name, counting)
    return refused


def _redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


@pytest.fixture(params=["memory", "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[KVPair]:
    if request.param == "memory":
        clock = FakeClock()
        store = MemoryKV(clock=clock)
        yield KVPair(store, store, "memory", clock)
        return
    url = _redis_url()
    if url is None:
        pytest.skip("REDIS_URL is not set")
    prefix = f"wecom-test:kv:{secrets.token_hex(6)}:"
    first = RedisKV(url, prefix=prefix)
    second = RedisKV(url, prefix=prefix)
    # Fail loudly (not skip) when REDIS_URL is set but Redis does not answer.
    assert await first.ping(), f"REDIS_URL={url} is set but Redis does not answer"
    try:
        yield KVPair(first, second, "redis")
    finally:
        await first.delete_prefix()
        await first.close()
        await second.close()


# --- get / set / delete ---------------------------------------------------------------


async def test_get_missing_is_none(pair: KVPair) -> None:
    assert await pair.kv.get("nothing-here") is None


async def test_set_then_get_returns_bytes(pair: KVPair) -> None:
    await pair.kv.set("text", "héllo")
    await pair.kv.set("raw", b"\x00\xffbytes")
    assert await pair.kv.get("text") == "héllo".encode()
    assert await pair.kv.get("raw") == b"\x00\xffbytes"
    # Another handle (another process on Redis) sees the same data.
    assert await pair.other.get("text") == "héllo".encode()


async def test_set_overwrites(pair: KVPair) -> None:
    await pair.kv.set("k", "one")
    await pair.kv.set("k", "two")
    assert await pair.kv.get("k") == b"two"


async def test_delete(pair: KVPair) -> None:
    await pair.kv.set("k", "v")
    await pair.kv.set("keep", "v")
    await pair.kv.delete("k")
    assert await pair.kv.get("k") is None
    assert await pair.kv.get("keep") == b"v"
    await pair.kv.delete("k")  # deleting a missing key is not an error
    assert await pair.kv.get("k") is None


async def test_ttl_expiry(pair: KVPair) -> None:
    await pair.kv.set("short", "v", ttl=TTL)
    await pair.kv.set("forever", "v")
    assert await pair.kv.get("short") == b"v"
    await pair.advance(TTL - 1)
    assert await pair.kv.get("short") == b"v"  # not before its time
    await pair.advance(PAST_TTL - (TTL - 1))
    assert await pair.kv.get("short") is None
    assert await pair.kv.get("forever") == b"v"


async def test_set_without_ttl_clears_an_earlier_ttl(pair: KVPair) -> None:
    await pair.kv.set("k", "old", ttl=TTL)
    await pair.kv.set("k", "new")
    await pair.advance(PAST_TTL)
    assert await pair.kv.get("k") == b"new"


# --- set_if_absent --------------------------------------------------------------------


async def test_set_if_absent(pair: KVPair) -> None:
    assert await pair.kv.set_if_absent("once", "first") is True
    assert await pair.kv.set_if_absent("once", "second") is False
    assert await pair.other.set_if_absent("once", "third") is False
    assert await pair.kv.get("once") == b"first"


async def test_set_if_absent_after_expiry_sets_again(pair: KVPair) -> None:
    assert await pair.kv.set_if_absent("marker", "a", ttl=TTL) is True
    assert await pair.kv.set_if_absent("marker", "b", ttl=TTL) is False
    await pair.advance(PAST_TTL)
    assert await pair.kv.set_if_absent("marker", "c", ttl=TTL) is True
    assert await pair.kv.get("marker") == b"c"


async def test_set_if_absent_has_exactly_one_winner_under_contention(pair: KVPair) -> None:
    handles = [pair.kv, pair.other] * 25
    results = await asyncio.gather(
        *(h.set_if_absent("race", f"w{i}") for i, h in enumerate(handles))
    )
    assert sum(results) == 1
    winner = results.index(True)
    assert await pair.kv.get("race") == f"w{winner}".encode()


# --- incr -----------------------------------------------------------------------------


async def test_incr_counts_from_one(pair: KVPair) -> None:
    assert await pair.kv.incr("n") == 1
    assert await pair.kv.incr("n") == 2
    assert await pair.other.incr("n") == 3
    assert await pair.kv.get("n") == b"3"


async def test_incr_concurrent_is_atomic(pair: KVPair) -> None:
    handles = [pair.kv, pair.other] * 50
    values = await asyncio.gather(*(h.incr("hits") for h in handles))
    assert sorted(values) == list(range(1, 101))


async def test_incr_ttl_is_set_by_the_first_increment_only(pair: KVPair) -> None:
    """A rate-limit window: later increments must not extend the window."""
    window = 60.0
    assert await pair.kv.incr("window", ttl=window) == 1
    await pair.advance(window * 0.6)
    assert await pair.kv.incr("window", ttl=window) == 2
    # Had the second incr reset the TTL, the key would live until ~1.6 x window.
    await pair.advance(window * 0.55)
    assert await pair.kv.get("window") is None
    assert await pair.kv.incr("window", ttl=window) == 1


async def test_incr_without_ttl_does_not_expire(pair: KVPair) -> None:
    assert await pair.kv.incr("plain") == 1
    await pair.advance(PAST_TTL)
    assert await pair.kv.get("plain") == b"1"


# --- locks ----------------------------------------------------------------------------


async def test_lock_mutual_exclusion_across_concurrent_tasks(pair: KVPair) -> None:
    inside = 0
    most_inside = 0
    entered: list[int] = []

    async def critical(i: int, store: KVImpl) -> None:
        nonlocal inside, most_inside
        async with store.lock("mutex", timeout=5, blocking_timeout=10):
            inside += 1
            most_inside = max(most_inside, inside)
            entered.append(i)
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(critical(i, (pair.kv, pair.other)[i % 2]) for i in range(12)))
    assert most_inside == 1
    assert sorted(entered) == list(range(12))
    # Released: nothing left behind.
    assert await pair.kv.get("lock:mutex") is None


async def test_lock_protects_read_modify_write(pair: KVPair) -> None:
    """Without the lock this loses updates (read, yield, write)."""
    await pair.kv.set("balance", "0")

    async def add_one(store: KVImpl) -> None:
        async with store.lock("balance", timeout=5, blocking_timeout=10):
            current = int(await store.get("balance") or b"0")
            await asyncio.sleep(0.002)
            await store.set("balance", str(current + 1))

    await asyncio.gather(*(add_one((pair.kv, pair.other)[i % 2]) for i in range(12)))
    assert await pair.kv.get("balance") == b"12"


async def test_lock_is_released_when_the_body_raises(pair: KVPair) -> None:
    with pytest.raises(RuntimeError):
        async with pair.kv.lock("boom", timeout=5):
            raise RuntimeError("inside")
    assert await pair.kv.get("lock:boom") is None
    async with pair.other.lock("boom", timeout=5, blocking_timeout=0.2):
        pass


async def test_lock_timeout_when_blocking_timeout_passes(
    pair: KVPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pair.kv.lock("busy", timeout=10):
        holder = await pair.kv.get("lock:busy")
        refused = refusals(pair.other, monkeypatch)
        ticking = TickingTime(step=0.1)
        monkeypatch.setattr(kv_module, "time", ticking)
        with pytest.raises(LockTimeout):
            async with pair.other.lock("busy", timeout=10, blocking_timeout=0.3):
                raise AssertionError("acquired a lock someone else holds")
        monkeypatch.undo()
        # It kept trying until its clock passed the blocking timeout (0.3 s in looks of
        # 0.1 s), then gave up, leaving the holder's lock as it was.
        assert refused.qsize() >= 3
        assert ticking.now >= 0.3
        assert await pair.kv.get("lock:busy") == holder
    # The failed attempt did not disturb the holder's release: free again now.
    async with pair.other.lock("busy", timeout=10, blocking_timeout=0.2):
        pass


async def test_lock_zero_blocking_timeout_fails_fast(
    pair: KVPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pair.kv.lock("fast", timeout=10):
        refused = refusals(pair.other, monkeypatch)
        with pytest.raises(LockTimeout):
            async with pair.other.lock("fast", timeout=10, blocking_timeout=0):
                pass
        assert refused.qsize() == 1  # one attempt, no waiting for a second


async def test_lock_waiter_gets_it_when_the_holder_releases(
    pair: KVPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def holder() -> None:
        async with pair.kv.lock("handover", timeout=10):
            order.append("holder in")
            held.set()
            await release.wait()
            order.append("holder out")

    async def waiter() -> None:
        async with pair.other.lock("handover", timeout=10, blocking_timeout=5):
            order.append("waiter in")

    holding = asyncio.create_task(holder())
    await asyncio.wait_for(held.wait(), 5)
    refused = refusals(pair.other, monkeypatch)
    waiting = asyncio.create_task(waiter())
    for _ in range(2):  # the waiter found it taken twice: it waits, it does not get in
        await asyncio.wait_for(refused.get(), 5)
    assert order == ["holder in"]
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, waiting), 5)
    assert order == ["holder in", "holder out", "waiter in"]


async def test_lock_auto_expires_after_timeout(pair: KVPair) -> None:
    """A holder that dies (never releases) blocks others only until ``timeout``."""
    abandoned = pair.kv.lock("crashy", timeout=TTL)
    await abandoned.__aenter__()  # never exited: the holder "crashed"
    assert await pair.kv.get("lock:crashy") is not None
    with pytest.raises(LockTimeout):
        async with pair.other.lock("crashy", timeout=10, blocking_timeout=0):
            pass
    await pair.advance(TTL - 1)
    with pytest.raises(LockTimeout):  # still within its timeout
        async with pair.other.lock("crashy", timeout=10, blocking_timeout=0):
            pass
    await pair.advance(PAST_TTL - (TTL - 1))
    async with pair.other.lock("crashy", timeout=10, blocking_timeout=0):
        held_by_new_owner = await pair.other.get("lock:crashy")
    assert held_by_new_owner is not None
    # The crashed holder's late release (its token is long gone) must be harmless.
    async with pair.other.lock("crashy", timeout=10, blocking_timeout=0.2):
        await abandoned.__aexit__(None, None, None)
        assert await pair.other.get("lock:crashy") is not None


async def test_expired_owner_does_not_release_the_new_owners_lock(pair: KVPair) -> None:
    first_in = asyncio.Event()
    second_in = asyncio.Event()
    first_done = asyncio.Event()
    tokens: dict[str, bytes | None] = {}

    async def slow_first() -> None:
        async with pair.kv.lock("job", timeout=TTL):
            tokens["first"] = await pair.kv.get("lock:job")
            first_in.set()
            await second_in.wait()  # outlives its lease; "second" took over meanwhile
        first_done.set()

    async def second() -> None:
        await first_in.wait()
        await pair.advance(PAST_TTL)  # the first owner's lease runs out
        async with pair.other.lock("job", timeout=10, blocking_timeout=0):
            tokens["second"] = await pair.other.get("lock:job")
            second_in.set()
            await first_done.wait()  # the first owner has run its release by now
            tokens["after_release"] = await pair.other.get("lock:job")
            # Nobody else may get in while the second owner still holds it.
            with pytest.raises(LockTimeout):
                async with pair.kv.lock("job", timeout=10, blocking_timeout=0):
                    pass

    await asyncio.wait_for(asyncio.gather(slow_first(), second()), 10)
    assert tokens["first"] is not None
    assert tokens["second"] is not None
    assert tokens["first"] != tokens["second"]
    assert tokens["after_release"] == tokens["second"]
    assert await pair.kv.get("lock:job") is None  # the second owner released its own lock


async def test_distinct_lock_names_do_not_block_each_other(pair: KVPair) -> None:
    async with (
        pair.kv.lock("a", timeout=10),
        pair.other.lock("b", timeout=10, blocking_timeout=0.1),
    ):
        assert await pair.kv.get("lock:a") is not None
        assert await pair.kv.get("lock:b") is not None


async def test_ping(pair: KVPair) -> None:
    assert await pair.kv.ping() is True


# --- implementation-specific ----------------------------------------------------------


async def test_redis_prefixes_isolate_deployments_and_delete_prefix_cleans_up() -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("REDIS_URL is not set")
    tag = secrets.token_hex(6)
    mine = RedisKV(url, prefix=f"wecom-test:kv:{tag}:a:")
    theirs = RedisKV(url, prefix=f"wecom-test:kv:{tag}:b:")
    try:
        await mine.set("shared-name", "mine")
        await theirs.set("shared-name", "theirs")
        assert await mine.get("shared-name") == b"mine"
        assert await theirs.get("shared-name") == b"theirs"
        for i in range(600):  # more than one SCAN page
            await mine.set(f"bulk:{i}", "x")
        await mine.delete_prefix()
        assert await mine.get("shared-name") is None
        assert await mine.get("bulk:599") is None
        assert await theirs.get("shared-name") == b"theirs"
    finally:
        await mine.delete_prefix()
        await theirs.delete_prefix()
        await mine.close()
        await theirs.close()


async def test_memory_kv_expiry_follows_its_injected_clock() -> None:
    now = [1000.0]
    kv = MemoryKV(clock=lambda: now[0])
    await kv.set("k", "v", ttl=30)
    assert await kv.incr("n", ttl=30) == 1
    now[0] += 29.9
    assert await kv.get("k") == b"v"
    assert await kv.incr("n", ttl=30) == 2
    now[0] += 0.2
    assert await kv.get("k") is None
    assert await kv.get("n") is None


async def test_memory_kv_close_forgets_everything() -> None:
    kv = MemoryKV()
    await kv.set("k", "v")
    await kv.close()
    assert await kv.get("k") is None


# --- leases: renew and release only what we own ------------------------------------------


async def test_renew_extends_only_the_owners_lease(pair: KVPair) -> None:
    assert await pair.kv.set_if_absent("lease", "mine", ttl=30)
    assert await pair.other.renew("lease", "theirs", 60) is False
    assert await pair.kv.renew("lease", "mine", 60) is True
    assert await pair.kv.get("lease") == b"mine"
    assert await pair.kv.renew("missing", "mine", 60) is False
    assert await pair.kv.get("missing") is None


async def test_release_deletes_only_the_owners_lease(pair: KVPair) -> None:
    assert await pair.kv.set_if_absent("lease", "mine", ttl=30)
    assert await pair.other.release("lease", "theirs") is False
    assert await pair.kv.get("lease") == b"mine"
    assert await pair.kv.release("lease", "mine") is True
    assert await pair.kv.get("lease") is None
    assert await pair.other.set_if_absent("lease", "theirs", ttl=30)


async def test_an_expired_lease_cannot_be_renewed() -> None:
    now = [0.0]
    store = MemoryKV(clock=lambda: now[0])
    assert await store.set_if_absent("lease", "mine", ttl=10)
    now[0] = 11.0
    assert await store.renew("lease", "mine", 10) is False
    assert await store.set_if_absent("lease", "theirs", ttl=10)
