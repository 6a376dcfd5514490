"""The archive puller against the simulator: every message once, in order, whatever happens.

The simulator serves a generated log over its HTTP API (in-process ASGI), encrypting
each record as WeCom does (RSA PKCS#1 v1.5 random key per message); the puller fetches,
decrypts, normalises, tokenises and stores. What is stored is compared with what the
generator *meant*, not with the normaliser's own output.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.archive import (
    CORP_ID,
    World,
    make_world,
    pem,
    rsa_key,
    stored,
    text_message,
)
from wecom_app.archive import writer
from wecom_app.archive.decode import finish
from wecom_app.archive.decode_pool import DecodePool
from wecom_app.archive.keys import add_key
from wecom_app.archive.outcomes import Decoded, Undecoded, malformed_outcome
from wecom_app.archive.puller import Puller
from wecom_app.archive.retry import retry_stored
from wecom_app.archive.source import ArchiveSdkTimeout
from wecom_app.archive.status import archive_status
from wecom_app.kv import MemoryKV
from wecom_app.protocol.archive.chatdata import BadChatData, ChatDataBatch
from wecom_app.store.archive import (
    ArchiveConsent,
    ArchiveCursor,
    ArchiveMedia,
    ArchiveMessage,
)

pytestmark = pytest.mark.usefixtures("database")

DIRECTIONS = {"to_customer", "from_customer", "internal", "robot", ""}


async def test_a_pull_stores_the_log_exactly_once_in_order() -> None:
    world = await make_world(count=2600, versions=(1, 2))
    report = await world.pull(batch_size=1000)

    assert world.log is not None
    messages = await stored(world.corp)
    assert [m.msgid for m in messages] == [g.msgid for g in world.log.messages]
    assert [m.seq for m in messages] == list(range(1, 2601))
    assert {m.status for m in messages} == {"ok"}
    assert report.batches == 3
    assert report.stored == 2600
    assert report.ok == 2600
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.seq == 2600
    assert cursor.last_error == ""
    assert cursor.last_pull_at is not None

    # What the generator meant: conversation, the customer of a 1:1 chat, the key used.
    for message, meant in zip(messages, world.log.messages, strict=True):
        assert message.conversation == meant.conversation, message.msgid
        assert message.external_userid == (meant.customer or ""), message.msgid
        assert message.direction in DIRECTIONS
        assert message.msgtype == meant.msgtype
    assert {m.publickey_ver for m in messages} == {1, 2}


async def test_pulled_messages_are_searchable_once_committed() -> None:
    """With the real search index listener (wecom_app.search.ingest), in the same transaction."""
    from wecom_app.runtime.wiring import listen_to_archive
    from wecom_app.search.backend import backend_for
    from wecom_app.store.db import db

    listen_to_archive()  # what the composition root registers
    world = await make_world(count=300)
    await world.pull(hook=None)  # None: the product's own listeners
    texts = [m.id for m in await stored(world.corp) if m.status == "ok" and m.text.strip()]
    assert texts
    conn = db()
    assert await backend_for(conn).indexed(conn, texts) == set(texts)


async def test_text_is_tokenised_once_at_ingest() -> None:
    world = await make_world(count=400)
    await world.pull()
    texts = [m for m in await stored(world.corp) if m.msgtype == "text"]
    assert texts
    for message in texts:
        assert message.text == message.body["content"].strip()
        tokens = message.tokens.split(" ")
        assert all(tokens), message.tokens  # no empty tokens, no double spaces
        # every token comes from the text (lower-cased), none is punctuation only
        folded = message.text.lower()
        assert all(t in folded for t in tokens), (message.text, message.tokens)
    assert any(len(m.tokens.split()) > 1 for m in texts)


async def test_a_refetched_batch_stores_nothing_twice() -> None:
    """After a crash the cursor may be behind what WeCom already sent us."""
    world = await make_world(count=1200)
    await world.pull(batch_size=500)
    await ArchiveCursor.filter(corp_id=world.corp.pk).update(seq=300)

    again = await world.pull(batch_size=500)

    assert again.stored == 0
    assert again.duplicates == 900
    assert await ArchiveMessage.filter(corp_id=world.corp.pk).count() == 1200
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 1200


async def test_batches_never_exceed_a_thousand_records() -> None:
    world = await make_world(count=2100)
    source = world.source()
    limits: list[int] = []
    fetch = source.fetch

    async def counting(seq_after: int, limit: int) -> ChatDataBatch:
        limits.append(limit)
        return await fetch(seq_after, limit)

    source.fetch = counting  # type: ignore[method-assign]
    await world.puller(source).pull()
    await source.close()
    assert max(limits) <= 1000
    assert len(limits) == 4
    with pytest.raises(ValueError):
        world.puller(source, batch_size=1001)


async def test_recalls_are_linked_to_their_originals() -> None:
    world = await make_world(count=1500)
    await world.pull()
    messages = {m.msgid: m for m in await stored(world.corp)}
    recalls = [m for m in messages.values() if m.msgtype == "revoke"]
    assert recalls
    for recall in recalls:
        original = messages[recall.body["pre_msgid"]]
        assert original.recalled_by == recall.msgid
        assert recall.pre_msgid == original.msgid
    assert sum(1 for m in messages.values() if m.recalled_by) == len(recalls)


def _recall(msgid: str, original: str) -> dict[str, Any]:
    return {
        "msgid": msgid,
        "action": "recall",
        "from": "zhangwei",
        "tolist": ["wmCustomerAAAAAAAAAAAAAAAAAA01"],
        "roomid": "",
        "msgtime": 1_709_514_060_000,
        "msgtype": "revoke",
        "revoke": {"pre_msgid": original},
    }


async def test_a_recall_stored_before_its_original_is_linked_when_the_original_comes() -> None:
    world = await make_world()
    world.org.append(_recall("recall-1", "orig-1"))
    world.org.append(text_message("orig-1", "这条消息要撤回"))
    await world.pull(batch_size=1)  # separate batches: the recall is committed first
    original = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="orig-1")
    assert original.recalled_by == "recall-1"


async def test_recalls_in_one_batch_are_linked_in_one_go_and_the_first_recall_wins() -> None:
    world = await make_world()
    world.org.append(text_message("orig-1", "第一条"))
    world.org.append(text_message("orig-2", "第二条"))
    world.org.append(_recall("recall-1", "orig-1"))
    world.org.append(_recall("recall-2", "orig-2"))
    world.org.append(_recall("recall-again", "orig-1"))  # WeCom never does; we stay sane
    world.org.append(_recall("recall-3", "orig-never-seen"))
    report = await world.pull()
    assert report.recalls == 2
    by_msgid = {m.msgid: m for m in await stored(world.corp)}
    assert by_msgid["orig-1"].recalled_by == "recall-1"
    assert by_msgid["orig-2"].recalled_by == "recall-2"
    assert by_msgid["recall-3"].pre_msgid == "orig-never-seen"

    # the original that was never seen arrives later and still finds its recall
    world.org.append(text_message("orig-never-seen", "迟到的原消息"))
    await world.pull()
    late = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="orig-never-seen")
    assert late.recalled_by == "recall-3"


async def test_a_recall_of_a_parked_message_survives_its_decoding() -> None:
    """The original is parked (its key is missing); the recall comes under a newer key."""
    world = await make_world(versions=(1, 2), stored_versions=(2,))
    world.org.append(text_message("orig-1", "这条消息要撤回"), publickey_ver=1)
    world.org.append(_recall("recall-1", "orig-1"), publickey_ver=2)
    report = await world.pull()
    assert report.parked == 1
    assert report.ok == 1
    original = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="orig-1")
    assert original.status == "parked"
    assert original.recalled_by == "recall-1"

    await add_key(world.corp, 1, pem(rsa_key(1)), world.box)
    source = world.source()
    retried = await retry_stored(
        world.corp, source, box=world.box, decoder=world.decoder, media_max_bytes=10**8
    )
    await source.close()

    assert retried.ok == 1
    original = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="orig-1")
    assert original.status == "ok"
    assert original.text == "这条消息要撤回"
    assert original.recalled_by == "recall-1"
    assert original.record == {}


async def test_missing_key_parks_with_the_record_and_the_key_brings_it_back() -> None:
    world = await make_world(count=900, versions=(1, 2, 3), stored_versions=(1, 3))
    report = await world.pull()

    assert report.parked == 300
    assert report.ok == 600
    assert report.parked_versions == {2}
    parked = await ArchiveMessage.filter(corp_id=world.corp.pk, status="parked").order_by("seq")
    assert [m.seq for m in parked] == list(range(301, 601))
    first = parked[0]
    assert first.publickey_ver == 2
    assert first.error.startswith("missing_key_version")
    assert set(first.record) == {
        "seq",
        "msgid",
        "publickey_ver",
        "encrypt_random_key",
        "encrypt_chat_msg",
    }
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 900  # never blocks
    status = await archive_status(world.corp.pk)
    assert status.parked_by_version == {2: 300}
    assert status.missing_versions == [2]
    assert status.key_versions == [1, 3]
    assert status.messages == {"ok": 600, "parked": 300}

    await add_key(world.corp, 2, pem(rsa_key(2)), world.box)
    source = world.source()
    retried = await retry_stored(
        world.corp, source, box=world.box, decoder=world.decoder, media_max_bytes=10**8, chunk=128
    )
    await source.close()

    assert retried.tried == 300
    assert retried.ok == 300
    assert world.log is not None
    messages = await stored(world.corp)
    assert {m.status for m in messages} == {"ok"}
    assert [m.msgid for m in messages] == [g.msgid for g in world.log.messages]
    status = await archive_status(world.corp.pk)
    assert status.parked_by_version == {}
    assert status.missing_versions == []


async def test_messages_that_cannot_be_read_are_kept_as_failed_and_the_rest_goes_on() -> None:
    world = await make_world(count=50)
    world.org.tamper(5, encrypt_chat_msg="AQ" + "A" * 60)  # wrong key / damaged body
    world.org.tamper(9, encrypt_random_key="bm90IGEga2V5")  # base64, but not RSA of our key
    world.org.tamper(13, publickey_ver=None)  # malformed record: a field missing
    report = await world.pull()

    assert report.failed == 3
    assert report.ok == 47
    failed = {m.seq: m for m in await ArchiveMessage.filter(corp_id=world.corp.pk, status="failed")}
    assert set(failed) == {5, 9, 13}
    assert failed[5].error.startswith("decrypt_10006")
    assert failed[9].error.startswith("bad_random_key")
    assert failed[13].error.startswith("malformed_record")
    for message in failed.values():
        assert message.record["msgid"] == message.msgid  # kept as received
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 50
    status = await archive_status(world.corp.pk)
    assert status.failed_by_reason == {
        "decrypt_10006": 1,
        "bad_random_key": 1,
        "malformed_record": 1,
    }


async def test_network_errors_and_timeouts_are_retried_with_backoff() -> None:
    world = await make_world(count=30)
    world.org.fail_next("chatdata", 10001, times=2)
    world.org.fail_next("chatdata", 10003)
    report = await world.pull()
    assert report.error == ""
    assert report.stored == 30
    assert world.sleeps == [0.5, 1.0, 2.0]  # exponential

    for i in range(5):
        world.org.append(text_message(f"late-{i}", f"第{i}条"))
    world.sleeps.clear()
    source = world.source()
    calls = 0
    fetch = source.fetch

    async def flaky(seq_after: int, limit: int) -> ChatDataBatch:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ArchiveSdkTimeout("read timed out")
        return await fetch(seq_after, limit)

    source.fetch = flaky  # type: ignore[method-assign]
    report = await world.puller(source).pull()
    await source.close()
    assert report.error == ""
    assert report.stored == 5
    assert world.sleeps == [0.5]


async def test_persistent_network_errors_stop_the_pull_without_losing_anything() -> None:
    world = await make_world(count=1500)
    await world.pull(max_batches=1)
    world.org.fail_next("chatdata", 10001, times=10)
    report = await world.pull()
    assert report.error_code == 10001
    assert report.stored == 0
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.seq == 1000
    assert cursor.last_error_code == 10001
    world.org.take_fault("chatdata")
    while world.org.take_fault("chatdata"):
        pass
    report = await world.pull()
    assert report.stored == 500
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.seq == 1500
    assert cursor.last_error_code == 0
    assert cursor.last_error == ""


async def test_expired_data_is_surfaced_on_the_cursor_not_retried() -> None:
    world = await make_world(count=20)
    world.org.fail_next("chatdata", 10010)
    report = await world.pull()

    assert report.error_code == 10010
    assert world.sleeps == []
    cursor = await ArchiveCursor.get(corp_id=world.corp.pk)
    assert cursor.last_error_code == 10010
    assert "10010" in cursor.last_error
    assert cursor.seq == 0
    status = await archive_status(world.corp.pk)
    assert status.last_error_code == 10010


async def test_one_puller_per_tenant_and_the_cursor_is_compare_and_set() -> None:
    world = await make_world(count=1800)
    # Two pullers sharing the lease store: one of them pulls, the other stands aside.
    first = world.puller(batch_size=200)
    second = world.puller(batch_size=200)
    a, b = await asyncio.gather(first.pull(), second.pull())
    assert sorted([a.skipped, b.skipped]) == [False, True]

    # Two pullers that each believe they hold the lease (separate lease stores, as if
    # the lease had expired under a slow puller): the database still stores each
    # message once, and the cursor never moves backwards.
    await ArchiveMessage.filter(corp_id=world.corp.pk).delete()
    await ArchiveMedia.filter(corp_id=world.corp.pk).delete()
    await ArchiveCursor.filter(corp_id=world.corp.pk).update(seq=0)
    seen: list[int] = []

    async def watch(corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
        # Inside each batch's transaction, before its compare-and-set.
        seen.append((await ArchiveCursor.get(corp_id=corp_pk)).seq)

    one = world.puller(batch_size=150, kv=MemoryKV(), hook=watch)
    two = world.puller(batch_size=150, kv=MemoryKV(), hook=watch)
    reports = await asyncio.gather(one.pull(), two.pull())
    assert any(r.skipped for r in reports)  # one of them lost a compare-and-set
    assert seen == sorted(seen)  # the cursor never went back
    await world.puller(batch_size=150).pull()  # whatever the loser left
    messages = await stored(world.corp)
    assert [m.seq for m in messages] == list(range(1, 1801))
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 1800


async def test_the_search_hook_runs_in_the_batch_transaction() -> None:
    world = await make_world(count=300)
    seen: list[tuple[int, list[ArchiveMessage]]] = []

    async def hook(corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
        # The rows are there, inside the transaction, with the ids we were given.
        ids = {m.id for m in messages}
        count = await ArchiveMessage.filter(id__in=list(ids)).count()
        assert count == len(ids)
        seen.append((corp_pk, list(messages)))

    await world.pull(batch_size=100, hook=hook)
    assert [len(batch) for _, batch in seen] == [100, 100, 100]
    first = seen[0][1][0]
    loaded = await ArchiveMessage.get(id=first.id)
    for name in ("msgid", "seq", "text", "tokens", "body", "receivers", "conversation", "status"):
        assert getattr(first, name) == getattr(loaded, name), name
    assert first.corp_id == world.corp.pk == seen[0][0]

    async def broken(corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
        raise RuntimeError("index unavailable")

    world2 = await _fresh(world)
    with pytest.raises(RuntimeError):
        await world2.pull(hook=broken)
    # Nothing committed without its index: no message, cursor unmoved.
    assert await ArchiveMessage.filter(corp_id=world.corp.pk).count() == 0
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 0


async def _fresh(world: World) -> World:
    await ArchiveMessage.filter(corp_id=world.corp.pk).delete()
    await ArchiveMedia.filter(corp_id=world.corp.pk).delete()
    await ArchiveConsent.filter(corp_id=world.corp.pk).delete()
    await ArchiveCursor.filter(corp_id=world.corp.pk).update(seq=0)
    return world


async def test_media_is_queued_with_the_message_and_not_downloaded_by_the_puller() -> None:
    world = await make_world(count=800)
    world.org.fail_next("mediadata", 10001, times=1000)  # any media call would fail
    await world.pull()
    assert world.log is not None
    expected = world.log.media
    queued = await ArchiveMedia.filter(corp_id=world.corp.pk)
    assert {m.sdkfileid for m in queued} == set(expected)
    assert {m.status for m in queued} == {"pending"}
    for item in queued:
        # meeting_voice_call carries no md5sum in WeCom's format; every other type does
        assert item.md5sum == (
            "" if item.msgtype == "meeting_voice_call" else expected[item.sdkfileid].md5
        )
        assert item.path.startswith(f"{CORP_ID}/{item.fileid_hash[:2]}/{item.fileid_hash}")
    assert world.org.take_fault("mediadata") == 10001  # untouched: no media call was made


async def test_consent_messages_are_recorded() -> None:
    world = await make_world(count=1500)
    await world.pull()
    agreements = [m for m in await stored(world.corp) if m.msgtype in ("agree", "disagree")]
    assert agreements
    for message in agreements:
        row = await ArchiveConsent.get(
            corp_id=world.corp.pk, subject=message.sender, userid=message.employee_userid
        )
        assert row.status == message.msgtype
        assert row.changed_at == message.body[f"{message.msgtype}_time"] // 1000


async def test_switch_records_and_unknown_types_are_kept_whole() -> None:
    world = await make_world()
    world.org.append(
        {"msgid": "sw-1", "action": "switch", "time": 1_709_514_000_123, "user": "lina"}
    )
    future = {
        "msgid": "fut-1",
        "action": "send",
        "from": "zhangwei",
        "tolist": ["lina"],
        "roomid": "",
        "msgtime": 1_709_514_000_200,
        "msgtype": "hologram",
        "hologram": {"title": "三维演示", "depth": 3},
    }
    world.org.append(future)
    await world.pull()
    switch = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="sw-1")
    assert switch.status == "ok"
    assert switch.action == "switch"
    assert switch.msgtime == 1_709_514_000_123
    assert switch.sender == "lina"
    assert switch.conversation == ""
    unknown = await ArchiveMessage.get(corp_id=world.corp.pk, msgid="fut-1")
    assert unknown.status == "ok"
    assert unknown.body == future
    assert "三维演示" in unknown.text
    assert "unknown msgtype" in unknown.error


async def test_the_same_msgid_twice_in_one_batch_is_stored_once() -> None:
    world = await make_world()
    world.org.append(text_message("dup-1", "第一次"))
    world.org.append(text_message("other", "别的"))
    world.org.append(text_message("dup-1", "第一次"))
    report = await world.pull()
    assert report.stored == 2
    assert report.duplicates == 1
    assert (await ArchiveCursor.get(corp_id=world.corp.pk)).seq == 3


def test_a_message_nested_too_deeply_is_kept_as_failed() -> None:
    """json.loads raises RecursionError, not ValueError, for deep nesting: one such
    message must be a failed row, not an exception that fails its whole batch."""
    deep = b'{"msgid":"m1","msgtype":"x","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    outcome = finish((1, "m1", 1, "k", "c"), deep)
    assert isinstance(outcome, Undecoded)
    assert (outcome.status, outcome.reason) == ("failed", "malformed_message")
    assert "nested too deeply" in outcome.detail


async def test_values_postgres_refuses_are_made_safe() -> None:
    """NUL, lone surrogates and over-long ids would fail a whole batch's insert."""
    raw = (1, "m" * 300, 1, "k", "c")
    plaintext = json.dumps(
        {
            "msgid": "m" * 300,
            "action": "send",
            "from": "s" * 90,
            "tolist": ["wmCustomerAAAAAAAAAAAAAAAAAA01"],
            "roomid": "",
            "msgtime": 1,
            "msgtype": "text",
            "text": {"content": "a\u0000b \ud800 c"},
        }
    ).encode()
    decoded = finish(raw, plaintext)
    assert isinstance(decoded, Decoded)
    assert "\x00" not in decoded.text
    assert "\ud800" not in decoded.text
    assert decoded.msgid.startswith("sha256:")
    assert len(decoded.msgid) <= 128
    assert len(decoded.sender) == 64
    assert "sender longer than 64" in decoded.error
    bad = malformed_outcome(BadChatData(0, "no msgid", None, None, {"x": "\u0000"}), 7)
    assert bad.msgid.startswith("malformed:")
    assert bad.seq == 7

    world = await make_world()
    await writer.ensure_cursor(world.corp.pk)
    result = await writer.store_batch(
        world.corp,
        [decoded, bad],
        cursor_from=0,
        cursor_to=1,
        now=datetime.now(UTC),
        media_max_bytes=10,
    )
    assert len(result.messages) == 1
    assert result.failed == 1
    row = await ArchiveMessage.get(corp_id=world.corp.pk, msgid=decoded.msgid)
    assert row.text == decoded.text
    assert row.body["content"] == decoded.body["content"]


async def test_the_process_pool_decodes_like_the_inline_decoder() -> None:
    world = await make_world(count=700, versions=(1, 2), stored_versions=(1,))
    pool = DecodePool(2, chunk=64)
    try:
        await world.pull(decoder=pool, batch_size=300)
        assert len(pool.worker_pids()) == 2
    finally:
        pool.close()
    by_pool = [(m.msgid, m.status, m.text, m.tokens, m.body) for m in await stored(world.corp)]
    await _fresh(world)
    await world.pull(batch_size=300)
    inline = [(m.msgid, m.status, m.text, m.tokens, m.body) for m in await stored(world.corp)]
    assert by_pool == inline
    assert Counter(status for _, status, *_ in inline) == {"ok": 350, "parked": 350}


async def test_a_source_without_a_local_decryptor_decrypts_through_the_source() -> None:
    world = await make_world(count=120)
    source = world.source()

    class Plain:
        """Only the ArchiveSource protocol: DecryptData goes through source.decrypt."""

        async def fetch(self, seq: int, limit: int) -> ChatDataBatch:
            return await source.fetch(seq, limit)

        async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> bytes:
            self.decrypted += 1
            return await source.decrypt(random_key, encrypt_chat_msg)

        async def fetch_media_chunk(self, sdkfileid: str, index_buf: str) -> Any:
            return await source.fetch_media_chunk(sdkfileid, index_buf)

        async def close(self) -> None:
            await source.close()

        decrypted = 0

    plain = Plain()
    report = await Puller(
        world.corp, plain, box=world.box, kv=world.kv, decoder=world.decoder, media_max_bytes=10**8
    ).pull()
    await plain.close()
    assert report.ok == 120
    assert plain.decrypted == 120
