"""No log line carries a secret, a token or a decrypted body, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import TEST_AES_KEY, TEST_CALLBACK_TOKEN, FakeClock
from tests.support.callbacks import post_event
from wecom_app.logs import _QUIET, RedactingFilter, configure_logging, redact
from wecom_app.runtime import Runtime
from wecom_app.simulator.callbacks import self_built_event


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back for other tests."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in (*_QUIET, "")}
    handlers = {handler: list(handler.filters) for handler in root.handlers}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in list(root.handlers):
        if handler in handlers:
            handler.filters[:] = handlers[handler]
        else:
            root.removeHandler(handler)


def test_redact_masks_credentials_in_urls_and_json() -> None:
    line = (
        "GET /cgi-bin/user/get?access_token=AbC123&userid=zhang "
        '{"permanent_code": "PC-9", "corpsecret":"s3cr3t"}'
    )
    cleaned = redact(line)
    for secret in ("AbC123", "PC-9", "s3cr3t"):
        assert secret not in cleaned
    assert "userid=zhang" in cleaned


async def test_debug_logging_of_a_callback_leaks_nothing(
    client: httpx.AsyncClient,
    clock: FakeClock,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("DEBUG")
    root = logging.getLogger()
    caplog.handler.addFilter(RedactingFilter())
    caplog.set_level(logging.DEBUG)
    # caplog's own set_level overrides ours for the root; re-apply the library floors.
    configure_logging("DEBUG")
    secret_marker = "客户私密内容-7731"
    fields = self_built_event(
        "wwtestcorp000001", "change_contact", "create_user", UserID="u1", Name=secret_marker
    )
    response = await post_event(client, fields, clock)
    assert response.text == ""
    assert runtime.worker is not None
    await runtime.worker.drain()
    # A refused callback logs its reason; make sure it logs nothing else.
    await client.post("/callbacks/corp/wwtestcorp000001", params={"msg_signature": "x"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "expected some log output at DEBUG"
    for leaked in (secret_marker, TEST_CALLBACK_TOKEN, TEST_AES_KEY, "corp-secret-for-tests"):
        assert leaked not in text
    assert root.level == logging.DEBUG
