"""Verifying a suite's command and data URLs the way WeCom does (issue 14, item 1),
and the answer each kind of callback URL owes WeCom (item 7).

WeCom encrypts the GET that verifies a suite's URLs with the provider's own corp id as
the receive id (wecom-protocol.md §1). The GETs here are encrypted with wechatpy's
WeCom crypto, not ours, so a mistake shared by our crypto and our receiver cannot hide.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import to_text

from tests.conftest import (
    TEST_CORP_ID,
    TEST_PROVIDER_CORP_ID,
    TEST_SUITE_AES_KEY,
    TEST_SUITE_ID,
    TEST_SUITE_TOKEN,
    FakeClock,
    make_settings,
)
from tests.support.callbacks import post_event, suite_crypto
from wecom_app.app import create_app
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.callbacks import accepted_answer, self_built_event, suite_command
from wecom_app.simulator.simulator import Simulator
from wecom_app.store.models import Corp


def wecom_verification(receive_id: str, echo: str, timestamp: int) -> dict[str, str]:
    """The query of WeCom's URL-verification GET, built with wechatpy."""
    key = WeChatCrypto(TEST_SUITE_TOKEN, TEST_SUITE_AES_KEY, receive_id).key
    echostr = to_text(PrpCrypto(key).encrypt(echo, receive_id))
    nonce = str(secrets.randbelow(10**9))
    signature = _get_signature(TEST_SUITE_TOKEN, str(timestamp), nonce, echostr)
    return {
        "msg_signature": signature,
        "timestamp": str(timestamp),
        "nonce": nonce,
        "echostr": echostr,
    }


async def test_suite_urls_verify_with_the_provider_corp_id(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for url in ("/callbacks/suite", "/callbacks/data"):
        query = wecom_verification(TEST_PROVIDER_CORP_ID, "1616140317555161061", int(clock()))
        answer = await client.get(url, params=query)
        assert (answer.status_code, answer.text) == (200, "1616140317555161061"), url
        # Another corp's id is still refused.
        query = wecom_verification("wwsomeoneelse00", "42", int(clock()))
        refused = await client.get(url, params=query)
        assert (refused.status_code, refused.text) == (403, "bad_receive_id"), url


async def test_posts_keep_their_receive_ids(client: httpx.AsyncClient, clock: FakeClock) -> None:
    """The provider corp id is for URL verification only: a command POST sealed with it
    is refused, one sealed with the suite id is taken."""
    ticket = suite_command(TEST_SUITE_ID, "suite_ticket", timestamp=int(clock()), SuiteTicket="t")
    crypto = suite_crypto(TEST_PROVIDER_CORP_ID)
    wrong = await post_event(client, ticket, clock, url="/callbacks/suite", crypto=crypto)
    assert (wrong.status_code, wrong.text) == (403, "bad_receive_id")
    ok = await post_event(client, ticket, clock, url="/callbacks/suite", crypto=suite_crypto())
    assert ok.status_code == 200


@asynccontextmanager
async def app_with(
    tmp_path: Path, database: str, kv: MemoryKV | RedisKV, clock: FakeClock, **env: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, database, **env)
    svc = Services(settings, clock=clock, kv=kv, run_worker=False, manage_db=False)
    async with Runtime(svc) as runtime:
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            yield http


async def test_without_the_setting_the_provider_corp_id_is_refused(
    tmp_path: Path, database: str, kv: MemoryKV | RedisKV, clock: FakeClock
) -> None:
    async with app_with(tmp_path, database, kv, clock, WECOM_PROVIDER_CORP_ID="") as http:
        query = wecom_verification(TEST_PROVIDER_CORP_ID, "7", int(clock()))
        answer = await http.get("/callbacks/suite", params=query)
        assert (answer.status_code, answer.text) == (403, "bad_receive_id")


def simulated_suite(provider: str, clock: Callable[[], float]) -> Simulator:
    sim = Simulator(clock=clock, seed=5)
    sim.add_suite(
        TEST_SUITE_ID,
        token=TEST_SUITE_TOKEN,
        aes_key=TEST_SUITE_AES_KEY,
        provider_corp_id=provider,
    )
    return sim


async def test_the_simulator_verifies_suite_urls_like_wecom(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    sim = simulated_suite(TEST_PROVIDER_CORP_ID, clock)
    assert await sim.verify_suite_urls(client) == {
        "/callbacks/suite": True,
        "/callbacks/data": True,
    }
    # A provider whose corp id the app was not told about cannot save the URLs.
    other = simulated_suite("wwanotherprovider", clock)
    assert await other.verify_suite_urls(client) == {
        "/callbacks/suite": False,
        "/callbacks/data": False,
    }


async def test_the_simulator_wants_the_plain_echo_and_nothing_else(clock: FakeClock) -> None:
    """WeCom fails a URL that answers the echo quoted or with a newline."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="wrong\n")

    sim = simulated_suite(TEST_PROVIDER_CORP_ID, clock)
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://x") as c:
        assert set((await sim.verify_suite_urls(c)).values()) == {False}


async def test_each_callback_url_answers_as_wecom_documents(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    """Suite command URL: the literal ``success`` (Doc 90600). Self-built and data
    callbacks: an empty 200 (Doc 90238), which WeCom takes as "no passive reply"."""
    ticket = suite_command(TEST_SUITE_ID, "suite_ticket", timestamp=int(clock()), SuiteTicket="a")
    suite = await post_event(client, ticket, clock, url="/callbacks/suite", crypto=suite_crypto())
    assert (suite.status_code, suite.text) == (200, "success")
    corp = await post_event(
        client, self_built_event(TEST_CORP_ID, "change_contact", "create_user", UserID="u0"), clock
    )
    assert (corp.status_code, corp.content, corp.headers["content-length"]) == (200, b"", "0")
    await Corp.create(corp_id="wwdatacorp000001", mode="suite", status="active")
    runtime.resolver.invalidate()
    data = await post_event(
        client,
        self_built_event("wwdatacorp000001", "change_contact", "create_user", UserID="u1"),
        clock,
        url="/callbacks/data",
        crypto=suite_crypto("wwdatacorp000001"),
    )
    assert (data.status_code, data.content) == (200, b"")


def test_the_simulator_takes_answers_as_wecom_does() -> None:
    assert accepted_answer("success", command=True)
    assert not accepted_answer("", command=True)
    assert accepted_answer("", command=False)
    assert accepted_answer("<xml><Encrypt><![CDATA[x]]></Encrypt></xml>", command=False)
    assert not accepted_answer("ok", command=False)
