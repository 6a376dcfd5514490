"""Shared state is shared (issue 15, item 3): Redis required with PostgreSQL, callback
credentials invalidated across processes, WeCom's rate limits counted across processes.

Two objects over one KV store stand for two processes (the ``kv`` fixture is Redis when
``REDIS_URL`` is set); clocks are fake, so nothing here waits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callbacks.endpoints import EndpointResolver, UnknownEndpoint
from tests.conftest import SECRET_KEY, TEST_AES_KEY, FakeClock, make_settings
from wecom_app import tenants
from wecom_app.config import ConfigError, SelfBuiltApp, Settings
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.secretbox import SecretBox
from wecom_app.wecom.shared_limit import SharedRateLimiter, Window

PG = "postgres://app@127.0.0.1:5432/app"


def test_postgresql_without_redis_is_refused_unless_the_operator_says_one_process(
    tmp_path: Path,
) -> None:
    base = {"DATA_DIR": str(tmp_path), "DATABASE_URL": PG, "SECRET_KEY": SECRET_KEY}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(base)
    assert refused.value.variable == "REDIS_URL"
    assert "SINGLE_PROCESS=1" in str(refused.value)
    assert Settings.from_env({**base, "SINGLE_PROCESS": "1"}).single_process
    with_redis = Settings.from_env({**base, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert with_redis.redis_url == "redis://127.0.0.1:6379/0"
    # The embedded default needs neither.
    assert Settings.from_env({"DATA_DIR": str(tmp_path)}).redis_url is None


@pytest.mark.usefixtures("database")
async def test_a_new_self_built_org_is_accepted_by_another_process_within_a_second(
    tmp_path: Path, database: str, kv: MemoryKV | RedisKV
) -> None:
    settings = make_settings(tmp_path, database)
    box = SecretBox(settings.secret_key)
    clock = FakeClock(1000.0)
    here = EndpointResolver(settings, box, clock=clock)
    elsewhere = EndpointResolver(settings, box, clock=clock)
    here.follow(kv)
    elsewhere.follow(kv)
    with pytest.raises(UnknownEndpoint):
        await elsewhere.corp("wwnew")  # cached as unknown for 30 s

    app = SelfBuiltApp(
        corp_id="wwnew",
        corp_secret="secret",
        agent_id="1000002",
        callback_token="token-1",
        callback_aes_key=TEST_AES_KEY,
    )
    await tenants.register_self_built(app, box)
    await tenants.announce_change(kv)  # what Services.tenant_changed does
    here.invalidate("wwnew")

    clock.advance(1.1)
    endpoint = await elsewhere.corp("wwnew")
    assert endpoint.corp_id == "wwnew"


async def test_processes_share_the_per_corp_budget_of_an_api(kv: MemoryKV | RedisKV) -> None:
    clock = FakeClock(1_800_000_000.0)
    windows = (Window("corp", 10.0, 4), Window("ip", 10.0, 100))
    first, second = (
        SharedRateLimiter(kv, egress="203.0.113.7", clock=clock, windows=windows) for _ in range(2)
    )
    waits = [await p.reserve(("wwcorp", "/cgi-bin/user/get")) for p in (first, second) * 3]
    assert waits[:4] == [0.0] * 4
    assert all(w > 0 for w in waits[4:])  # five and six wait, whichever process asks
    # Another API and another corp have their own budgets.
    assert await first.reserve(("wwcorp", "/cgi-bin/user/list")) == 0.0
    assert await second.reserve(("wwother", "/cgi-bin/user/get")) == 0.0


async def test_the_egress_ip_budget_counts_every_corp(kv: MemoryKV | RedisKV) -> None:
    clock = FakeClock(1_800_000_000.0)
    windows = (Window("corp", 10.0, 100), Window("ip", 10.0, 3))
    limiter = SharedRateLimiter(kv, egress="203.0.113.8", clock=clock, windows=windows)
    waits = [await limiter.reserve((f"wwcorp{i}", "/cgi-bin/message/send")) for i in range(4)]
    assert waits[:3] == [0.0] * 3
    assert waits[3] > 0

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    # acquire waits for the next window, then goes.
    assert await limiter.acquire(("wwcorp9", "/cgi-bin/message/send"), sleep) > 0
    assert slept
