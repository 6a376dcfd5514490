"""Building callbacks as WeCom sends them, for tests."""

from __future__ import annotations

import httpx

from tests.conftest import (
    TEST_AES_KEY,
    TEST_CALLBACK_TOKEN,
    TEST_CORP_ID,
    TEST_SUITE_AES_KEY,
    TEST_SUITE_ID,
    TEST_SUITE_TOKEN,
    FakeClock,
)
from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.simulator.callbacks import event_xml, seal

CORP_URL = f"/callbacks/corp/{TEST_CORP_ID}"


def corp_crypto(receive_id: str = TEST_CORP_ID) -> CallbackCrypto:
    return CallbackCrypto(TEST_CALLBACK_TOKEN, TEST_AES_KEY, receive_id)


def suite_crypto(receive_id: str = TEST_SUITE_ID) -> CallbackCrypto:
    return CallbackCrypto(TEST_SUITE_TOKEN, TEST_SUITE_AES_KEY, receive_id)


async def post_event(
    client: httpx.AsyncClient,
    fields: dict[str, str | int | list[str]],
    clock: FakeClock,
    *,
    url: str = CORP_URL,
    crypto: CallbackCrypto | None = None,
) -> httpx.Response:
    signed = seal(crypto or corp_crypto(), event_xml(fields), timestamp=int(clock()))
    return await client.post(url, params=signed.query, content=signed.body.encode())


# Hostile path values for the route fuzz tests (test_sidebar_fuzz, test_console_fuzz):
# below zero, one past an INTEGER id, the most a BIGINT id holds, past it, NUL, traversal,
# long and spaced text.
HOSTILE_PATH_VALUES = [
    "0",
    "-1",
    "2147483648",
    "9" * 18,
    "99999999999999999999",
    "%00",
    "..%2F",
    "..%2F..",
    "好" * 300,
    "a b",
]
