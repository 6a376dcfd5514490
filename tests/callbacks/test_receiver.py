"""The callback receiver: happy paths, URL verification, and every refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_CORP_ID, TEST_SUITE_ID, VECTORS, FakeClock, make_settings
from tests.support.callbacks import CORP_URL, corp_crypto, post_event, suite_crypto
from wecom_app.app import create_app
from wecom_app.kv import MemoryKV, RedisKV
from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.callbacks import (
    SignedCallback,
    event_xml,
    seal,
    self_built_event,
    suite_command,
    url_verification,
)
from wecom_app.store import inbox
from wecom_app.store.models import Corp, InboxEvent

Fields = dict[str, str | int | list[str]]
Mutation = Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]]


def contact_event(
    user: str = "zhangsan", change: str = "create_user", ts: int = 1_700_000_000
) -> Fields:
    return self_built_event(TEST_CORP_ID, "change_contact", change, create_time=ts, UserID=user)


async def rows() -> list[InboxEvent]:
    return await InboxEvent.all().order_by("id")


async def test_a_callback_is_stored_then_answered_success(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    response = await post_event(client, contact_event(), clock)
    assert response.status_code == 200
    assert response.text == ""
    stored = await rows()
    assert len(stored) == 1
    row = stored[0]
    assert (row.scope, row.corp_id, row.source) == (TEST_CORP_ID, TEST_CORP_ID, "corp")
    assert (row.name, row.change_type, row.status) == ("change_contact", "create_user", "pending")
    assert "<UserID><![CDATA[zhangsan]]></UserID>" in row.payload


async def test_a_retry_answers_success_and_stores_nothing_new(
    client: httpx.AsyncClient, clock: FakeClock, services: Services
) -> None:
    event = contact_event()
    for _ in range(3):  # WeCom re-encrypts each attempt
        response = await post_event(client, event, clock)
        assert response.text == ""
    assert len(await rows()) == 1
    assert services.metrics.callbacks_received.value("corp") == 1
    assert services.metrics.callbacks_duplicate.value("corp") == 2


async def test_distinct_events_in_the_same_second_are_all_kept(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for user in ("a", "b", "c"):
        for change in ("create_user", "update_user"):
            assert (await post_event(client, contact_event(user, change), clock)).text == ""
    assert len(await rows()) == 6


async def test_url_verification_echoes_the_plain_text(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    query = url_verification(corp_crypto(), "5927782489442352469", timestamp=int(clock()))
    response = await client.get(CORP_URL, params=query)
    assert response.status_code == 200
    assert response.text == "5927782489442352469"


async def test_url_verification_with_a_bad_signature_is_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    query = url_verification(corp_crypto(), "123", timestamp=int(clock()))
    query["msg_signature"] = "0" * 40
    response = await client.get(CORP_URL, params=query)
    assert (response.status_code, response.text) == (403, "bad_signature")


async def test_suite_command_callbacks_use_the_suite_id_as_receive_id(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ticket = suite_command(TEST_SUITE_ID, "suite_ticket", timestamp=int(clock()), SuiteTicket="t1")
    ok = await post_event(client, ticket, clock, url="/callbacks/suite", crypto=suite_crypto())
    assert ok.text == "success"
    wrong = await post_event(
        client, ticket, clock, url="/callbacks/suite", crypto=suite_crypto("wwsomeoneelse")
    )
    assert (wrong.status_code, wrong.text) == (403, "bad_receive_id")
    [row] = await rows()
    assert (row.scope, row.corp_id, row.name) == (TEST_SUITE_ID, "", "suite_ticket")


async def test_suite_customer_events_are_scoped_to_the_authorising_corp(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    event = suite_command(
        TEST_SUITE_ID,
        "change_external_contact",
        timestamp=int(clock()),
        AuthCorpId="wwcustomercorp01",
        ChangeType="add_external_contact",
        UserID="zhangsan",
        ExternalUserID="wmABC",
    )
    response = await post_event(client, event, clock, url="/callbacks/suite", crypto=suite_crypto())
    assert response.text == "success"
    [row] = await rows()
    assert (row.scope, row.corp_id, row.change_type) == (
        "wwcustomercorp01",
        "wwcustomercorp01",
        "add_external_contact",
    )


async def test_data_callbacks_accept_only_installed_corps(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    fields = self_built_event("wwinstalled00001", "change_contact", "update_user", UserID="u")
    crypto = suite_crypto("wwinstalled00001")
    refused = await post_event(client, fields, clock, url="/callbacks/data", crypto=crypto)
    assert (refused.status_code, refused.text) == (403, "bad_receive_id")
    await Corp.create(corp_id="wwinstalled00001", mode="suite")
    runtime.resolver.invalidate()
    accepted = await post_event(client, fields, clock, url="/callbacks/data", crypto=crypto)
    assert accepted.text == ""
    # URL verification of the data URL happens before any corp installs: suite id.
    query = url_verification(suite_crypto(), "hello", timestamp=int(clock()))
    assert (await client.get("/callbacks/data", params=query)).text == "hello"


async def test_a_payload_claiming_another_corp_is_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    fields = self_built_event("wwanothercorp001", "change_contact", "create_user", UserID="u")
    response = await post_event(client, fields, clock)
    assert (response.status_code, response.text) == (403, "corp_mismatch")
    assert await rows() == []


async def _post_raw(
    client: httpx.AsyncClient, query: dict[str, str], body: bytes, url: str = CORP_URL
) -> httpx.Response:
    return await client.post(url, params=query, content=body)


def _signed(
    clock: FakeClock, message: bytes = b"", crypto: CallbackCrypto | None = None
) -> SignedCallback:
    message = message or event_xml(contact_event())
    return seal(crypto or corp_crypto(), message, timestamp=int(clock()))


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (lambda q, b: ({**q, "msg_signature": "f" * 40}, b), 403, "bad_signature"),
        (lambda q, b: ({k: v for k, v in q.items() if k != "nonce"}, b), 400, "missing_nonce"),
        (
            lambda q, b: ({k: v for k, v in q.items() if k != "timestamp"}, b),
            400,
            "missing_timestamp",
        ),
        (lambda q, b: ({**q, "timestamp": "abc"}, b), 400, "bad_timestamp"),
        # str.isdigit() says yes to a superscript one; int() says no (found by fuzzing)
        (lambda q, b: ({**q, "timestamp": "\u00b9"}, b), 400, "bad_timestamp"),
        (lambda q, b: (q, b"<xml><Encrypt>"), 400, "bad_xml"),
        (lambda q, b: (q, b"not xml at all"), 400, "bad_xml"),
        (lambda q, b: (q, b"<xml><ToUserName>x</ToUserName></xml>"), 400, "missing_encrypt"),
        (
            lambda q, b: (q, b'<!DOCTYPE x [<!ENTITY a "a">]><xml><Encrypt>&a;</Encrypt></xml>'),
            400,
            "bad_xml",
        ),
        (lambda q, b: (q, b"<xml>" + b"x" * 70_000 + b"</xml>"), 413, "body_too_large"),
    ],
    ids=[
        "signature",
        "no-nonce",
        "no-timestamp",
        "bad-timestamp",
        "superscript-timestamp",
        "truncated-xml",
        "not-xml",
        "no-encrypt",
        "entity",
        "oversize",
    ],
)
async def test_bad_requests_get_a_4xx_and_store_nothing(
    client: httpx.AsyncClient,
    clock: FakeClock,
    services: Services,
    mutate: Mutation,
    status: int,
    reason: str,
) -> None:
    signed = _signed(clock)
    query, body = mutate(dict(signed.query), signed.body.encode())
    response = await _post_raw(client, query, body)
    assert (response.status_code, response.text) == (status, reason)
    assert await rows() == []
    assert services.metrics.callbacks_rejected.value(reason) == 1


async def test_a_stale_timestamp_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    signed = _signed(clock)
    clock.advance(301)
    response = await _post_raw(client, signed.query, signed.body.encode())
    assert (response.status_code, response.text) == (400, "stale_timestamp")


async def test_an_unknown_corp_is_404(client: httpx.AsyncClient, clock: FakeClock) -> None:
    signed = _signed(clock)
    response = await _post_raw(
        client, signed.query, signed.body.encode(), "/callbacks/corp/wwnobody"
    )
    assert (response.status_code, response.text) == (404, "unknown_endpoint")


async def test_a_wrong_receive_id_is_refused(client: httpx.AsyncClient, clock: FakeClock) -> None:
    signed = _signed(clock, crypto=corp_crypto("wwsomeoneelse"))
    response = await _post_raw(client, signed.query, signed.body.encode())
    assert (response.status_code, response.text) == (403, "bad_receive_id")


async def test_broken_ciphertext_with_a_valid_signature_is_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    crypto = corp_crypto()
    ts, nonce = str(int(clock())), "1"
    for encrypt, reason in (("QUJD", "decrypt_failed"), ("@@@@", "bad_base64")):
        body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
        query = {"msg_signature": crypto.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}
        response = await _post_raw(client, query, body)
        assert (response.status_code, response.text) == (400, reason)


async def test_a_decrypted_payload_that_is_not_xml_is_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    signed = _signed(clock, message=b"definitely not xml")
    response = await _post_raw(client, signed.query, signed.body.encode())
    assert (response.status_code, response.text) == (400, "bad_xml")


async def test_unknown_events_and_messages_are_stored_whole(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    future = self_built_event(TEST_CORP_ID, "brand_new_event", Detail="细节", Extra="1")
    message: Fields = {
        "ToUserName": TEST_CORP_ID,
        "FromUserName": "zhangsan",
        "CreateTime": int(clock()),
        "MsgType": "hologram",
        "MsgId": "1234567890",
        "AgentID": "1000002",
    }
    for fields in (future, message):
        assert (await post_event(client, fields, clock)).text == ""
    first, second = await rows()
    assert (first.name, second.name) == ("brand_new_event", "message")
    assert second.change_type == "hologram"
    assert "<Detail><![CDATA[细节]]></Detail>" in first.payload
    assert second.dedup_key == "m:1234567890"


async def test_storage_failure_answers_503_so_wecom_retries(
    client: httpx.AsyncClient, clock: FakeClock, runtime: Runtime
) -> None:
    await runtime.writer.stop()
    response = await post_event(client, contact_event(), clock)
    assert (response.status_code, response.text) == (503, "storage_unavailable")
    runtime.writer.start()
    assert (await post_event(client, contact_event(), clock)).text == ""
    assert await inbox.backlog() == {"pending": 1}


async def test_health_readiness_and_metrics(client: httpx.AsyncClient, clock: FakeClock) -> None:
    assert (await client.get("/healthz")).text == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"database": True, "kv": True}
    await post_event(client, contact_event(), clock)
    await client.post(CORP_URL, params={"timestamp": "1"}, content=b"")
    text = (await client.get("/metrics")).text
    assert 'wecom_callbacks_received_total{source="corp"} 1' in text
    assert 'wecom_callbacks_rejected_total{reason="missing_msg_signature"} 1' in text
    assert 'wecom_inbox_backlog{status="pending"} 1' in text


async def test_readiness_fails_when_the_kv_or_the_database_is_unreachable(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> bool:
        return False

    monkeypatch.setattr(services.kv_store, "ping", down)
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"database": True, "kv": False})
    monkeypatch.undo()

    from wecom_app.store import db as store_db

    def broken() -> object:
        raise ConnectionError("database gone")

    monkeypatch.setattr(store_db, "db", broken)
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"database": False, "kv": True})
    assert (await client.get("/healthz")).status_code == 200  # alive, just not ready


async def test_metrics_count_duplicates_and_the_apply_latency(
    client: httpx.AsyncClient, runtime: Runtime, clock: FakeClock
) -> None:
    event = contact_event()
    for _ in range(3):
        assert (await post_event(client, event, clock)).text == ""
    clock.advance(2.0)
    assert await runtime.build_worker().drain() == 1
    text = (await client.get("/metrics")).text
    assert 'wecom_callbacks_received_total{source="corp"} 1' in text
    assert 'wecom_callbacks_duplicate_total{source="corp"} 2' in text
    # Applied two seconds after receipt: counted once, in the 2.5 s bucket and not below.
    assert "wecom_inbox_apply_seconds_count 1" in text
    assert 'wecom_inbox_apply_seconds_bucket{le="1"} 0' in text
    assert 'wecom_inbox_apply_seconds_bucket{le="2.5"} 1' in text
    assert "wecom_inbox_apply_seconds_sum 2" in text


@pytest.mark.parametrize("index", [0, 1])
async def test_the_shared_vectors_pass_through_the_receiver(
    index: int, tmp_path: Path, database: str, kv: MemoryKV | RedisKV
) -> None:
    """The published vectors, end to end: URL verification echoes, the message is stored.

    Their timestamps are years old; the replay window reads the injected clock."""
    vectors = json.loads((VECTORS / "callback_crypto.json").read_text())["vectors"]
    pair = (
        [v for v in vectors if v["kind"] == "url_verification"][index],
        [v for v in vectors if v["kind"] == "message"][index],
    )
    verification, message = pair
    assert verification["receive_id"] == message["receive_id"]
    corp_id = message["receive_id"]
    settings = make_settings(
        tmp_path,
        database,
        WECOM_CORP_ID=corp_id,
        WECOM_CALLBACK_TOKEN=message["token"],
        WECOM_CALLBACK_AES_KEY=message["encoding_aes_key"],
    )
    clock = FakeClock(float(verification["timestamp"]))
    svc = Services(settings, clock=clock, kv=kv, run_worker=False, manage_db=False)
    async with Runtime(svc) as runtime:
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            url = f"/callbacks/corp/{corp_id}"
            query = {k: verification[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
            answer = await http.get(url, params=query)
            assert (answer.status_code, answer.text) == (200, verification["plaintext"])

            clock.now = float(message["timestamp"])
            body = CallbackCrypto.callback_body(message["encrypt"], to_user=corp_id)
            query = {k: message[k] for k in ("msg_signature", "timestamp", "nonce")}
            answer = await http.post(url, params=query, content=body.encode())
            assert (answer.status_code, answer.text) == (200, "")
            stored = await rows()
            assert [row.payload for row in stored] == [message["plaintext"]]
            # Past the replay window the same genuine callback is refused.
            clock.now = float(message["timestamp"]) + settings.callback_replay_window_s + 1
            answer = await http.post(url, params=query, content=body.encode())
            assert (answer.status_code, answer.text) == (400, "stale_timestamp")
            assert len(await rows()) == 1


async def test_suite_tickets_and_auth_codes_are_sealed_in_the_inbox(
    client: httpx.AsyncClient, clock: FakeClock, services: Services, runtime: Runtime
) -> None:
    """A dump of the inbox shows no suite ticket or auth code; retries still dedup, and
    the handlers get the values WeCom sent."""
    from wecom_app.tenants import current_suite_ticket

    ticket = "ticket-&-value-0123456789"
    fields = suite_command(
        TEST_SUITE_ID, "suite_ticket", timestamp=int(clock()), SuiteTicket=ticket
    )
    for _ in range(2):  # WeCom's retry re-encrypts the same document
        answer = await post_event(
            client, fields, clock, url="/callbacks/suite", crypto=suite_crypto()
        )
        assert answer.text == "success"
    auth = suite_command(
        TEST_SUITE_ID, "create_auth", timestamp=int(clock()), AuthCode="auth-code-0123456789"
    )
    assert (
        await post_event(client, auth, clock, url="/callbacks/suite", crypto=suite_crypto())
    ).text == "success"
    stored = await rows()
    assert [row.name for row in stored] == ["suite_ticket", "create_auth"]
    for row in stored:
        assert "ticket-&amp;-value" not in row.payload
        assert ticket not in row.payload
        assert "auth-code-0123456789" not in row.payload
        assert "<SuiteTicket>v1:" in row.payload or "<AuthCode>v1:" in row.payload
    assert await runtime.build_worker().drain() == 2
    assert await current_suite_ticket(TEST_SUITE_ID, services.secrets) == ticket
    from wecom_app.install.exchange import code_hash
    from wecom_app.store.directory import AuthExchange

    assert await AuthExchange.filter(code_hash=code_hash("auth-code-0123456789")).exists()


def test_sealing_keeps_the_document_and_opens_to_the_original() -> None:
    from callbacks.credentials import open_value, seal_payload
    from wecom_app.protocol.xml import parse_xml
    from wecom_app.secretbox import SecretBox

    box = SecretBox("k" * 40)
    for raw, value in (
        ("<SuiteTicket><![CDATA[abc]]></SuiteTicket>", "abc"),
        ("<SuiteTicket>a&amp;b</SuiteTicket>", "a&b"),
        ("<SuiteTicket>\n  plain \n</SuiteTicket>", "plain"),
    ):
        payload = f"<xml><SuiteId>s</SuiteId><InfoType>suite_ticket</InfoType>{raw}</xml>"
        sealed = seal_payload(payload, "suite_ticket", box)
        doc = parse_xml(sealed)
        assert doc["SuiteId"] == "s"
        assert doc["InfoType"] == "suite_ticket"
        assert value not in str(doc["SuiteTicket"])
        assert open_value(str(doc["SuiteTicket"]), "suite_ticket", box) == value
    other = "<xml><InfoType>change_auth</InfoType><AuthCorpId>ww1</AuthCorpId></xml>"
    assert seal_payload(other, "change_auth", box) == other
    assert open_value("legacy-plain-ticket", "suite_ticket", box) == "legacy-plain-ticket"


def test_only_the_callback_urls_skip_the_router() -> None:
    from callbacks.receiver import callback_route

    def route(path: str, method: str = "POST", root_path: str = "") -> object:
        return callback_route({"path": path, "method": method, "root_path": root_path})

    assert route("/callbacks/suite") == ("suite", None)
    assert route("/callbacks/data", "GET") == ("data", None)
    assert route("/callbacks/corp/ww1") == ("corp", "ww1")
    # Left to Starlette's router, which answers them as before (405, redirect, 404).
    for path, method, root in [
        ("/callbacks/suite", "PUT", ""),
        ("/callbacks/suite/", "POST", ""),
        ("/callbacks/corp/", "POST", ""),
        ("/callbacks/corp/a/b", "POST", ""),
        ("/callbacks/suite", "POST", "/prefix"),
        ("/callbacksx", "POST", ""),
    ]:
        assert route(path, method, root) is None
