"""WeComClient and token providers against a scripted WeCom over httpx.MockTransport."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import pickle
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET_KEY, FakeClock
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.wecom.client import RetryPolicy, WeComClient
from wecom_app.wecom.errors import (
    AuthCancelled,
    Busy,
    ConcurrencyLimited,
    InvalidCode,
    InvalidCredential,
    PermissionDenied,
    RateLimited,
    SuiteTicketMissing,
    TokenInvalid,
    Unreachable,
    WeComError,
    error_for,
)
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.ratelimit import RateLimit, RateLimiter, TokenBucket
from wecom_app.wecom.redact import redact_text, redact_url
from wecom_app.wecom.tokens import (
    AuthorizedCorpTokenProvider,
    CorpTokenProvider,
    SuiteTokenProvider,
)

BASE = "https://qyapi.example.test"
CORP_ID = "wwcorp0000000001"
CORP_SECRET = "corp-secret-VALUE-do-not-leak"
SUITE_ID = "wwsuite000000001"
SUITE_SECRET = "suite-secret-VALUE-do-not-leak"
SUITE_TICKET = "suite-ticket-VALUE-do-not-leak"
PERMANENT_CODE = "permanent-code-VALUE-do-not-leak"

Handler = Callable[[httpx.Request], Awaitable[dict[str, Any]] | dict[str, Any]]


class FakeWeCom:
    """Routes by path, records every request, issues numbered tokens."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[str, Handler] = {}
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.token_delay_s = 0.0
        self.route("/cgi-bin/gettoken", self.gettoken)

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def issue(self, prefix: str = "tok") -> str:
        self.issued += 1
        token = f"{prefix}-{self.issued}-SECRETVALUE"
        self.valid_tokens.add(token)
        return token

    async def gettoken(self, request: httpx.Request) -> dict[str, Any]:
        if request.url.params.get("corpsecret") != CORP_SECRET:
            return {"errcode": 40001, "errmsg": "invalid secret"}
        await asyncio.sleep(self.token_delay_s)
        return {"errcode": 0, "errmsg": "ok", "access_token": self.issue(), "expires_in": 7200}

    def requires_token(self, answer: dict[str, Any], param: str = "access_token") -> Handler:
        def handler(request: httpx.Request) -> dict[str, Any]:
            if request.url.params.get(param) not in self.valid_tokens:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            return {"errcode": 0, "errmsg": "ok", **answer}

        return handler

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get(request.url.path)
        if handler is None:
            return httpx.Response(404, text="no route")
        result = handler(request)
        if inspect.isawaitable(result):
            result = await result
        return httpx.Response(200, json=result)


class Sleeps:
    """Injected sleep: records each delay and advances the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(round(delay, 6))
        self.clock.advance(delay)
        await asyncio.sleep(0)


@pytest.fixture
def fake() -> FakeWeCom:
    return FakeWeCom()


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(SECRET_KEY)


def make_client(fake: FakeWeCom, clock: FakeClock, sleeps: Sleeps, **options: Any) -> WeComClient:
    options.setdefault("retry", RetryPolicy(jitter=False))
    return WeComClient(
        base_url=BASE,
        transport=httpx.MockTransport(fake.handle),
        clock=clock,
        sleep=sleeps,
        **options,
    )


@pytest.fixture
async def client(fake: FakeWeCom, clock: FakeClock, sleeps: Sleeps) -> Any:
    wecom = make_client(fake, clock, sleeps)
    yield wecom
    await wecom.aclose()


def corp_tokens(client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock) -> CorpTokenProvider:
    return CorpTokenProvider(client, kv, box, corp_id=CORP_ID, corp_secret=CORP_SECRET, clock=clock)


# --- single-flight ---------------------------------------------------------------------


async def test_100_concurrent_callers_with_an_empty_cache_cause_one_fetch(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.token_delay_s = 0.02  # keep the fetch in flight while the others arrive
    tokens = corp_tokens(client, kv, box, clock)

    results = await asyncio.gather(*(tokens.get() for _ in range(100)))

    assert fake.count("/cgi-bin/gettoken") == 1
    assert set(results) == {"tok-1-SECRETVALUE"}
    assert tokens.fetches == 1


async def test_two_processes_sharing_the_kv_fetch_once(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    # Two providers stand in for two worker processes: only the KV lock is shared.
    fake.token_delay_s = 0.05
    first = corp_tokens(client, kv, box, clock)
    second = corp_tokens(client, kv, box, clock)

    results = await asyncio.gather(
        *(first.get() for _ in range(20)), *(second.get() for _ in range(20))
    )

    assert fake.count("/cgi-bin/gettoken") == 1
    assert set(results) == {"tok-1-SECRETVALUE"}
    assert first.fetches + second.fetches == 1


async def test_cached_token_is_sealed_in_the_kv(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    tokens = corp_tokens(client, kv, box, clock)
    token = await tokens.get()

    stored = await kv.get(tokens.cache_key)
    assert stored is not None
    assert token.encode() not in stored
    assert stored.startswith(b"v1:")
    # A second provider (another process) reads it without calling WeCom.
    assert await corp_tokens(client, kv, box, clock).get() == token
    assert fake.count("/cgi-bin/gettoken") == 1


async def test_a_fetch_failure_reaches_every_waiter_and_the_next_call_retries(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.token_delay_s = 0.01
    tokens = CorpTokenProvider(
        client, kv, box, corp_id=CORP_ID, corp_secret="wrong-secret", clock=clock
    )
    results = await asyncio.gather(*(tokens.get() for _ in range(10)), return_exceptions=True)

    assert all(isinstance(r, InvalidCredential) and r.errcode == 40001 for r in results)
    assert fake.count("/cgi-bin/gettoken") == 1
    with pytest.raises(InvalidCredential):
        await tokens.get()
    assert fake.count("/cgi-bin/gettoken") == 2


# --- token rejected early / expired ----------------------------------------------------


@pytest.mark.parametrize("errcode", [40014, 42001, 41001])
async def test_token_rejected_mid_call_is_refetched_once_and_the_call_retried(
    fake: FakeWeCom,
    client: WeComClient,
    kv: KV,
    box: SecretBox,
    clock: FakeClock,
    errcode: int,
) -> None:
    tokens = corp_tokens(client, kv, box, clock)
    first = await tokens.get()
    fake.valid_tokens.discard(first)  # WeCom invalidates it before it expires

    def user_get(request: httpx.Request) -> dict[str, Any]:
        if request.url.params["access_token"] not in fake.valid_tokens:
            return {"errcode": errcode, "errmsg": "token rejected"}
        return {"errcode": 0, "errmsg": "ok", "userid": "zhangsan"}

    fake.route("/cgi-bin/user/get", user_get)

    data = await client.get("/cgi-bin/user/get", {"userid": "zhangsan"}, token=tokens)

    assert data["userid"] == "zhangsan"
    assert fake.count("/cgi-bin/gettoken") == 2
    assert fake.count("/cgi-bin/user/get") == 2
    used = [
        r.url.params["access_token"] for r in fake.requests if r.url.path == "/cgi-bin/user/get"
    ]
    assert used == [first, "tok-2-SECRETVALUE"]
    assert await tokens.get() == "tok-2-SECRETVALUE"


async def test_a_token_rejected_again_after_the_refetch_is_not_retried_forever(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.route("/cgi-bin/user/get", lambda r: {"errcode": 40014, "errmsg": "invalid token"})
    tokens = corp_tokens(client, kv, box, clock)

    with pytest.raises(TokenInvalid) as caught:
        await client.get("/cgi-bin/user/get", {"userid": "x"}, token=tokens)

    assert caught.value.errcode == 40014
    assert fake.count("/cgi-bin/user/get") == 2
    assert fake.count("/cgi-bin/gettoken") == 2


async def test_many_callers_rejected_at_once_refetch_once(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.token_delay_s = 0.01
    tokens = corp_tokens(client, kv, box, clock)
    first = await tokens.get()
    fake.valid_tokens.discard(first)
    fake.route("/cgi-bin/user/get", fake.requires_token({"userid": "u"}))

    results = await asyncio.gather(
        *(client.get("/cgi-bin/user/get", {"userid": "u"}, token=tokens) for _ in range(30))
    )

    assert all(r["userid"] == "u" for r in results)
    assert fake.count("/cgi-bin/gettoken") == 2  # the first fetch and one refetch


async def test_invalidate_keeps_a_newer_token_that_another_caller_fetched(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    tokens = corp_tokens(client, kv, box, clock)
    old = await tokens.get()
    await tokens.invalidate(old)
    new = await tokens.get()
    assert new != old

    await tokens.invalidate(old)  # a slow caller reporting the old rejection

    assert await tokens.get() == new
    assert fake.count("/cgi-bin/gettoken") == 2


async def test_cached_token_expires_before_wecom_expires_it(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    tokens = corp_tokens(client, kv, box, clock)
    first = await tokens.get()

    clock.advance(7200 - 300 - 1)  # expires_in minus the 300 s safety margin, minus 1
    assert await tokens.get() == first
    clock.advance(2)
    second = await tokens.get()

    assert second != first
    assert fake.count("/cgi-bin/gettoken") == 2


async def test_primed_token_is_used_without_a_fetch(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    tokens = corp_tokens(client, kv, box, clock)
    await tokens.prime("handed-over-token", 7200)

    assert await tokens.get() == "handed-over-token"
    assert fake.count("/cgi-bin/gettoken") == 0


# --- suite and authorised-corp tokens --------------------------------------------------


async def test_suite_token_is_fetched_with_suite_credentials_and_ticket(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    bodies: list[dict[str, Any]] = []

    def get_suite_token(request: httpx.Request) -> dict[str, Any]:
        bodies.append(json.loads(request.content))
        # Like WeCom: the success answer of this API carries no errcode at all.
        return {"suite_access_token": fake.issue("suite"), "expires_in": 7200}

    fake.route("/cgi-bin/service/get_suite_token", get_suite_token)

    async def ticket() -> str:
        return SUITE_TICKET

    suite = SuiteTokenProvider(
        client,
        kv,
        box,
        suite_id=SUITE_ID,
        suite_secret=SUITE_SECRET,
        suite_ticket=ticket,
        clock=clock,
    )

    assert await suite.get() == "suite-1-SECRETVALUE"
    assert bodies == [
        {"suite_id": SUITE_ID, "suite_secret": SUITE_SECRET, "suite_ticket": SUITE_TICKET}
    ]
    assert suite.param == "suite_access_token"
    assert suite.scope == SUITE_ID


async def test_suite_token_without_a_ticket_fails_without_calling_wecom(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    async def no_ticket() -> None:
        return None

    suite = SuiteTokenProvider(
        client,
        kv,
        box,
        suite_id=SUITE_ID,
        suite_secret=SUITE_SECRET,
        suite_ticket=no_ticket,
        clock=clock,
    )

    with pytest.raises(SuiteTicketMissing) as caught:
        await suite.get()
    assert caught.value.errcode == 40085
    assert fake.requests == []


async def test_authorized_corp_token_uses_the_suite_token_and_survives_42009(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.route(
        "/cgi-bin/service/get_suite_token",
        lambda r: {"suite_access_token": fake.issue("suite"), "expires_in": 7200},
    )
    corp_bodies: list[dict[str, Any]] = []

    def get_corp_token(request: httpx.Request) -> dict[str, Any]:
        if request.url.params.get("suite_access_token") not in fake.valid_tokens:
            return {"errcode": 42009, "errmsg": "suite_access_token expired"}
        corp_bodies.append(json.loads(request.content))
        return {"access_token": fake.issue("corp"), "expires_in": 7200}

    fake.route("/cgi-bin/service/get_corp_token", get_corp_token)

    async def ticket() -> str:
        return SUITE_TICKET

    suite = SuiteTokenProvider(
        client,
        kv,
        box,
        suite_id=SUITE_ID,
        suite_secret=SUITE_SECRET,
        suite_ticket=ticket,
        clock=clock,
    )
    fake.valid_tokens.discard(await suite.get())  # the suite token dies early
    corp = AuthorizedCorpTokenProvider(
        client,
        kv,
        box,
        suite=suite,
        auth_corpid=CORP_ID,
        permanent_code=PERMANENT_CODE,
        clock=clock,
    )

    assert await corp.get() == "corp-3-SECRETVALUE"
    assert corp_bodies == [{"auth_corpid": CORP_ID, "permanent_code": PERMANENT_CODE}]
    assert fake.count("/cgi-bin/service/get_suite_token") == 2
    assert fake.count("/cgi-bin/service/get_corp_token") == 2
    assert corp.scope == CORP_ID


async def test_cancelled_authorisation_surfaces_as_auth_cancelled(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.route(
        "/cgi-bin/service/get_suite_token",
        lambda r: {"suite_access_token": fake.issue("suite"), "expires_in": 7200},
    )
    fake.route(
        "/cgi-bin/service/get_corp_token",
        lambda r: {"errcode": 40084, "errmsg": "invalid permanent_code"},
    )

    async def ticket() -> str:
        return SUITE_TICKET

    suite = SuiteTokenProvider(
        client, kv, box, suite_id=SUITE_ID, suite_secret=SUITE_SECRET, suite_ticket=ticket
    )
    corp = AuthorizedCorpTokenProvider(
        client, kv, box, suite=suite, auth_corpid=CORP_ID, permanent_code=PERMANENT_CODE
    )

    with pytest.raises(AuthCancelled) as caught:
        await corp.get()
    assert caught.value.api_path == "/cgi-bin/service/get_corp_token"


# --- busy, concurrency limit, rate limit -----------------------------------------------


def scripted(*answers: dict[str, Any]) -> Handler:
    """Answers in order, then the last one forever."""
    remaining = list(answers)

    def handler(request: httpx.Request) -> dict[str, Any]:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


OK = {"errcode": 0, "errmsg": "ok", "value": 42}
BUSY = {"errcode": -1, "errmsg": "system busy"}


async def test_busy_is_retried_with_exponential_backoff(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    fake.route("/cgi-bin/x", scripted(BUSY, BUSY, OK))

    data = await client.get("/cgi-bin/x")

    assert data["value"] == 42
    assert fake.count("/cgi-bin/x") == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_busy_gives_up_after_three_retries(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    fake.route("/cgi-bin/x", scripted(BUSY))

    with pytest.raises(Busy) as caught:
        await client.get("/cgi-bin/x")

    assert caught.value.errcode == -1
    assert fake.count("/cgi-bin/x") == 4
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_jittered_backoff_stays_between_half_and_full_delay() -> None:
    policy = RetryPolicy()
    assert policy.delay(2, lambda: 0.0) == 1.0
    assert policy.delay(2, lambda: 1.0) == 2.0
    assert policy.delay(10, lambda: 1.0) == policy.backoff_max_s


async def test_45033_is_retried_with_backoff(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    fake.route(
        "/cgi-bin/x", scripted({"errcode": 45033, "errmsg": "api concurrent out of limit"}, OK)
    )

    assert (await client.post("/cgi-bin/x", {"a": 1}))["value"] == 42
    assert sleeps.delays == [0.5]


async def test_45009_raises_rate_limited_without_retrying(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    fake.route("/cgi-bin/x", scripted({"errcode": 45009, "errmsg": "api freq out of limit"}, OK))

    with pytest.raises(RateLimited) as caught:
        await client.get("/cgi-bin/x")

    assert not isinstance(caught.value, ConcurrencyLimited)
    assert caught.value.retry_after_s == 60.0
    assert fake.count("/cgi-bin/x") == 1
    assert sleeps.delays == []


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (40014, TokenInvalid),
        (42001, TokenInvalid),
        (42009, TokenInvalid),
        (40082, TokenInvalid),
        (45009, RateLimited),
        (45033, ConcurrencyLimited),
        (-1, Busy),
        (40084, AuthCancelled),
        (48002, PermissionDenied),
        (60011, PermissionDenied),
        (60020, PermissionDenied),
        (40029, InvalidCode),
        (40001, InvalidCredential),
        (84061, WeComError),
        (99999, WeComError),
    ],
)
def test_errcodes_map_to_error_classes(errcode: int, expected: type[WeComError]) -> None:
    error = error_for(errcode, "message from wecom", "/cgi-bin/some/api?access_token=abc")

    assert type(error) is expected
    assert error.errcode == errcode
    assert error.api_path == "/cgi-bin/some/api"
    assert str(errcode) in str(error)
    assert error.explanation in str(error)
    assert "abc" not in str(error)


def test_errors_survive_pickling_for_worker_processes() -> None:
    for error in (
        error_for(48002, "no permission", "/cgi-bin/user/get"),
        Unreachable(-1, "ConnectError", "/cgi-bin/user/get", retry_safe=True),
        SuiteTicketMissing("/cgi-bin/service/get_suite_token"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.errcode, copy.errmsg, copy.api_path) == (
            error.errcode,
            error.errmsg,
            error.api_path,
        )


async def test_non_zero_errcode_in_a_business_api_raises(
    fake: FakeWeCom, client: WeComClient
) -> None:
    fake.route("/cgi-bin/user/get", lambda r: {"errcode": 60111, "errmsg": "userid not found"})

    with pytest.raises(WeComError) as caught:
        await client.get("/cgi-bin/user/get", {"userid": "ghost"})

    assert caught.value.errcode == 60111
    assert caught.value.explanation == "userid not found"


# --- transport failures ----------------------------------------------------------------


async def test_connect_error_is_retried_even_for_post(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    attempts = 0

    def flaky(request: httpx.Request) -> dict[str, Any]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return OK

    fake.route("/cgi-bin/x", flaky)

    assert (await client.post("/cgi-bin/x", {"a": 1}))["value"] == 42
    assert attempts == 2
    assert sleeps.delays == [0.5]


async def test_read_timeout_on_post_is_not_repeated(
    fake: FakeWeCom, client: WeComClient, sleeps: Sleeps
) -> None:
    def slow(request: httpx.Request) -> dict[str, Any]:
        raise httpx.ReadTimeout("timed out", request=request)

    fake.route("/cgi-bin/x", slow)

    with pytest.raises(Unreachable) as caught:
        await client.post("/cgi-bin/x", {"a": 1})

    assert caught.value.retry_safe is False
    assert "ReadTimeout" in caught.value.errmsg
    assert fake.count("/cgi-bin/x") == 1
    assert sleeps.delays == []


async def test_non_json_answer_is_unreachable(fake: FakeWeCom, client: WeComClient) -> None:
    with pytest.raises(Unreachable) as caught:
        await client.post("/cgi-bin/no/such/route", {})
    assert caught.value.errmsg == "HTTP 404"
    assert isinstance(caught.value, Busy)


# --- call counting, pacing, concurrency ------------------------------------------------


async def test_calls_are_counted_per_api_path_including_retries_and_token_fetches(
    fake: FakeWeCom, client: WeComClient, kv: KV, box: SecretBox, clock: FakeClock
) -> None:
    fake.route("/cgi-bin/user/get", fake.requires_token({"userid": "u"}))
    fake.route("/cgi-bin/x", scripted(BUSY, OK))
    tokens = corp_tokens(client, kv, box, clock)

    await client.get("/cgi-bin/user/get", {"userid": "u"}, token=tokens)
    await client.get("/cgi-bin/user/get", {"userid": "u"}, token=tokens)
    await client.get("/cgi-bin/x")

    assert dict(client.calls) == {"/cgi-bin/gettoken": 1, "/cgi-bin/user/get": 2, "/cgi-bin/x": 2}
    assert client.total_calls == 5


def test_token_bucket_serves_a_burst_then_paces(clock: FakeClock) -> None:
    bucket = TokenBucket(rate_per_s=2.0, capacity=3, now=clock())

    assert [bucket.reserve(clock()) for _ in range(5)] == [0.0, 0.0, 0.0, 0.5, 1.0]
    clock.advance(10)  # refills, but never above capacity
    assert [bucket.reserve(clock()) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_default_limits_stay_under_wecom_per_minute_and_per_hour_caps(clock: FakeClock) -> None:
    limiter = RateLimiter(RateLimit(), clock)
    key = (CORP_ID, "/cgi-bin/user/get")
    granted_in_first_minute = 0
    # Take slots as fast as the limiter allows; count those whose wait ends within 60 s.
    while True:
        wait = limiter.reserve(key)
        if wait >= 60:
            break
        granted_in_first_minute += 1

    assert 6_000 <= granted_in_first_minute <= 10_000
    minute, hour = limiter._new_buckets()
    assert hour.capacity + hour.rate_per_s * 3600 < 150_000
    assert minute.capacity + minute.rate_per_s * 60 < 10_000


async def test_client_paces_calls_per_corp_and_api_with_a_fake_clock(
    fake: FakeWeCom, clock: FakeClock, sleeps: Sleeps
) -> None:
    fake.route("/cgi-bin/x", lambda r: OK)
    fake.route("/cgi-bin/y", lambda r: OK)
    client = make_client(fake, clock, sleeps, rate_limit=RateLimit(per_minute=60, minute_burst=2))
    try:
        for _ in range(5):
            await client.get("/cgi-bin/x", scope="corp-a")
        assert sleeps.delays == [1.0, 1.0, 1.0]

        # Another corp, and another API of the same corp, have buckets of their own.
        await client.get("/cgi-bin/x", scope="corp-b")
        await client.get("/cgi-bin/y", scope="corp-a")
        assert sleeps.delays == [1.0, 1.0, 1.0]
    finally:
        await client.aclose()


async def test_concurrent_callers_queue_for_their_slots_in_order(
    fake: FakeWeCom, clock: FakeClock
) -> None:
    # All five arrive at the same instant, so this sleep leaves the clock alone.
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    fake.route("/cgi-bin/x", lambda r: OK)
    client = WeComClient(
        base_url=BASE,
        transport=httpx.MockTransport(fake.handle),
        clock=clock,
        sleep=record,
        rate_limit=RateLimit(per_minute=60, minute_burst=2),
    )
    try:
        await asyncio.gather(*(client.get("/cgi-bin/x", scope="corp-a") for _ in range(5)))
        assert delays == [1.0, 2.0, 3.0]
    finally:
        await client.aclose()


async def test_concurrency_is_capped_per_corp(
    fake: FakeWeCom, clock: FakeClock, sleeps: Sleeps
) -> None:
    in_flight: dict[str, int] = {"corp-a": 0, "corp-b": 0}
    peak: dict[str, int] = {"corp-a": 0, "corp-b": 0}

    async def slow(request: httpx.Request) -> dict[str, Any]:
        corp = request.url.params["corp"]
        in_flight[corp] += 1
        peak[corp] = max(peak[corp], in_flight[corp])
        await asyncio.sleep(0.01)
        in_flight[corp] -= 1
        return OK

    fake.route("/cgi-bin/x", slow)
    client = make_client(fake, clock, sleeps, max_concurrency_per_corp=3)
    try:
        await asyncio.gather(
            *(client.get("/cgi-bin/x", {"corp": "corp-a"}, scope="corp-a") for _ in range(12)),
            *(client.get("/cgi-bin/x", {"corp": "corp-b"}, scope="corp-b") for _ in range(12)),
        )
    finally:
        await client.aclose()

    assert peak == {"corp-a": 3, "corp-b": 3}
    assert fake.count("/cgi-bin/x") == 24


# --- pagination ------------------------------------------------------------------------


async def test_paginate_follows_cursors_until_an_empty_one() -> None:
    pages = {"": Page((1, 2), "c1"), "c1": Page((3,), "c2"), "c2": Page((4, 5), "")}
    asked: list[str] = []

    async def fetch(cursor: str) -> Page[int]:
        asked.append(cursor)
        return pages[cursor]

    assert [item async for item in paginate(fetch, what="numbers")] == [1, 2, 3, 4, 5]
    assert asked == ["", "c1", "c2"]


async def test_paginate_stops_with_a_warning_when_a_cursor_repeats(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A buggy server: c2 leads back to c1, which would loop forever.
    pages = {"": Page((1,), "c1"), "c1": Page((2,), "c2"), "c2": Page((3,), "c1")}
    asked: list[str] = []

    async def fetch(cursor: str) -> Page[int]:
        asked.append(cursor)
        return pages[cursor]

    with caplog.at_level(logging.WARNING, logger="wecom_app.wecom.pagination"):
        items = [item async for item in paginate(fetch, what="loopy/list")]

    assert items == [1, 2, 3]
    assert asked == ["", "c1", "c2"]
    assert "loopy/list" in caplog.text
    assert "cursor already used" in caplog.text


async def test_paginate_stops_when_the_server_returns_the_same_cursor() -> None:
    asked: list[str] = []

    async def fetch(cursor: str) -> Page[str]:
        asked.append(cursor)
        return Page(("x",), "same")

    assert [item async for item in paginate(fetch, what="stuck")] == ["x", "x"]
    assert asked == ["", "same"]


# --- nothing secret in logs, errors or reprs -------------------------------------------


def test_redact_url_and_text() -> None:
    url = f"{BASE}/cgi-bin/gettoken?corpid={CORP_ID}&corpsecret={CORP_SECRET}&x=1"
    assert redact_url(url) == f"{BASE}/cgi-bin/gettoken?corpid={CORP_ID}&corpsecret=***&x=1"
    assert CORP_SECRET not in redact_text(f"bad url ...?access_token={CORP_SECRET}&b=2")
    assert redact_text('{"permanent_code": "abc123"}') == '{"permanent_code": "***"}'
    assert redact_text("contains the-value here", ["the-value"]) == "contains *** here"


async def test_no_token_or_secret_leaks_into_logs_errors_or_reprs(
    fake: FakeWeCom,
    client: WeComClient,
    kv: KV,
    box: SecretBox,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # configure_logging (run by other tests) holds httpx at WARNING; lift it here so
    # httpx's own request lines, which carry the URL, are part of what is checked.
    caplog.set_level(logging.DEBUG, logger="httpx")
    tokens = corp_tokens(client, kv, box, clock)
    first = await tokens.get()
    fake.valid_tokens.discard(first)

    def echoing(request: httpx.Request) -> dict[str, Any]:
        token = request.url.params["access_token"]
        if token not in fake.valid_tokens:
            return {"errcode": 42001, "errmsg": f"access_token expired: {token}"}
        # A server that echoes the credentials it got, in both raw and key=value form.
        return {
            "errcode": 48002,
            "errmsg": f"api forbidden, url {request.url} token {token} code {PERMANENT_CODE}",
        }

    fake.route("/cgi-bin/externalcontact/get", echoing)

    with pytest.raises(PermissionDenied) as denied:
        await client.post(
            "/cgi-bin/externalcontact/get",
            {"permanent_code": PERMANENT_CODE},
            token=tokens,
        )

    def refuse(request: httpx.Request) -> dict[str, Any]:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    fake.route("/cgi-bin/user/get", refuse)
    with pytest.raises(Unreachable) as unreachable:
        await client.get("/cgi-bin/user/get", {"userid": "u"}, token=tokens)

    wrong = CorpTokenProvider(client, kv, box, corp_id="wwother", corp_secret=CORP_SECRET + "x")
    fake.route("/cgi-bin/gettoken", lambda r: {"errcode": 40001, "errmsg": f"bad {r.url}"})
    with pytest.raises(InvalidCredential) as bad_secret:
        await wrong.get()

    secrets = [first, "tok-2-SECRETVALUE", CORP_SECRET, PERMANENT_CODE, "SECRETVALUE"]
    surfaces = [caplog.text, repr(tokens), repr(wrong), repr(client)]
    for error in (denied.value, unreachable.value, bad_secret.value):
        surfaces += [str(error), repr(error), error.errmsg]
    assert "HTTP Request" in caplog.text  # httpx did log the requests...
    # ...for the call whose URL carried the token (redacted: by the client's own hook, or
    # by configure_logging's filter when an earlier test installed it).
    assert re.search(r"HTTP Request: POST \S*/cgi-bin/externalcontact/get", caplog.text)
    for surface in surfaces:
        for secret in secrets:
            assert secret not in surface, (secret, surface)
    assert unreachable.value.__suppress_context__
