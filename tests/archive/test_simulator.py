"""The simulator's archive, its conversation generator and the simulator source.

Round trips go all the way: generator log → simulator (RSA + body sealing) → HTTP →
SimulatorArchiveSource.fetch → decrypt_random_key → source.decrypt → normalise, and
what comes out is compared with what the generator meant.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.simulator import (
    CORP_SECRET,
    add_test_suite,
    get_json,
    install_suite,
    post_json,
    wecom_client,
)
from tests.support.world import make_sim
from wecom_app.archive.sim_source import SimulatorArchiveSource, open_chat_msg
from wecom_app.archive.source import (
    ArchiveSdkError,
    ArchiveSdkTimeout,
    ArchiveSource,
    ArchiveSourceClosed,
    Disposition,
    MediaChecksumError,
    read_media,
)
from wecom_app.protocol.archive.chatdata import BadChatData, ChatData
from wecom_app.protocol.archive.errors import (
    ArchiveError,
    BadRandomKey,
    MalformedMessage,
    MissingKeyVersion,
)
from wecom_app.protocol.archive.keys import decrypt_random_key
from wecom_app.protocol.archive.normalise import normalise_message
from wecom_app.protocol.archive.records import ArchiveRecord
from wecom_app.protocol.sdk_wire import (
    CHATDATA_PATH,
    MAX_MEDIA_CHUNK,
    MEDIADATA_PATH,
    seal_chat_msg,
)
from wecom_app.simulator.archive import MediaBlob, OrgArchive, SimArchive, archive_of
from wecom_app.simulator.archive_corpus import ALL_MSGTYPES
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.simulator.archive_http import create_archive_app
from wecom_app.simulator.archive_log import GeneratedArchive

CORP = "wwsimcorp0000001"
SECRET = "archive-secret-for-tests"
BASE = "http://archive.sim"


@pytest.fixture(scope="module")
def keys() -> dict[int, rsa.RSAPrivateKey]:
    return {v: rsa.generate_private_key(public_exponent=65537, key_size=2048) for v in (1, 2, 3)}


@pytest.fixture(scope="module")
def generated() -> GeneratedArchive:
    return generate_archive(seed=2024, count=1500, corp_id=CORP)


@pytest.fixture
def sim(keys: dict[int, rsa.RSAPrivateKey], generated: GeneratedArchive) -> SimArchive:
    sim = SimArchive()
    org = sim.add_org(CORP, SECRET, keys)
    generated.load_into(org, key_versions=[1, 2, 3])
    return sim


@pytest.fixture
def org(sim: SimArchive) -> OrgArchive:
    return sim.orgs[CORP]


@pytest.fixture
async def source(sim: SimArchive) -> AsyncIterator[SimulatorArchiveSource]:
    transport = httpx.ASGITransport(app=create_archive_app(sim))
    async with SimulatorArchiveSource(BASE, CORP, SECRET, transport=transport) as src:
        yield src


@dataclass
class Pulled:
    records: list[tuple[ChatData, ArchiveRecord]] = field(default_factory=list)
    parked: list[tuple[ChatData, Exception]] = field(default_factory=list)
    malformed: list[BadChatData] = field(default_factory=list)
    cursor: int = 0


async def pull(
    source: ArchiveSource,
    keys: Mapping[int, rsa.RSAPrivateKey],
    *,
    limit: int = 300,
    cursor: int = 0,
) -> Pulled:
    """What a puller does, minus storage: nothing is dropped, failures are parked."""
    out = Pulled(cursor=cursor)
    while True:
        batch = await source.fetch(out.cursor, limit)
        if not batch and not batch.malformed:
            return out
        out.malformed.extend(batch.malformed)
        for chat in batch:
            try:
                random_key = decrypt_random_key(keys, chat.publickey_ver, chat.encrypt_random_key)
                plaintext = await source.decrypt(random_key, chat.encrypt_chat_msg)
                out.records.append(
                    (chat, normalise_message(plaintext, seq=chat.seq, msgid=chat.msgid))
                )
            except (ArchiveError, ArchiveSdkError) as exc:
                if isinstance(exc, ArchiveSdkError) and not exc.parks:
                    raise  # only message-level failures may be parked
                out.parked.append((chat, exc))
        assert batch.highest_seq is not None
        out.cursor = batch.highest_seq


# ------------------------------------------------------------------ generator


def test_generator_is_deterministic() -> None:
    a = generate_archive(seed=5, count=400)
    b = generate_archive(seed=5, count=400)
    c = generate_archive(seed=6, count=400)
    assert [m.message for m in a.messages] == [m.message for m in b.messages]
    assert [(f, blob.md5) for m in a.messages for f, blob in m.media] == [
        (f, blob.md5) for m in b.messages for f, blob in m.media
    ]
    assert [m.message for m in a.messages] != [m.message for m in c.messages]
    assert len(generate_archive(seed=1, count=0).messages) == 0


def test_generator_log_is_realistic(generated: GeneratedArchive) -> None:
    messages = generated.messages
    assert len(messages) == 1500
    types = generated.msgtypes()
    assert set(types) >= ALL_MSGTYPES, ALL_MSGTYPES - set(types)
    assert types["switch"] > 0
    assert types["text"] > len(messages) // 2  # mostly people typing

    msgids = [m.msgid for m in messages]
    assert len(set(msgids)) == len(msgids)
    times = [int(m.message["msgtime" if "msgtime" in m.message else "time"]) for m in messages]
    assert times == sorted(times)

    by_id = {m.msgid: (i, m) for i, m in enumerate(messages)}
    recalls = [m for m in messages if m.msgtype == "revoke"]
    assert recalls
    for recall in recalls:
        assert recall.message["action"] == "recall"
        index, original = by_id[recall.message["revoke"]["pre_msgid"]]
        assert index < messages.index(recall)
        assert original.message["from"] == recall.message["from"]
        assert original.conversation == recall.conversation

    singles = [m for m in messages if m.msgtype != "switch" and not m.message["roomid"]]
    groups = [m for m in messages if m.msgtype != "switch" and m.message["roomid"]]
    assert singles
    assert groups
    for m in singles:
        assert len(m.message["tolist"]) == 1
        assert m.conversation == "|".join(sorted([m.message["from"], *m.message["tolist"]]))
    for m in groups:
        assert m.conversation == m.message["roomid"]
        assert m.customer is None
        assert sum(p.startswith(("wm", "wo")) for p in m.message["tolist"]) >= 2
    with_customer = [m for m in singles if m.customer]
    assert with_customer
    assert all(m.customer and m.customer.startswith(("wm", "wo")) for m in with_customer)
    texts = " ".join(m.message["text"]["content"] for m in messages if m.msgtype == "text")
    for phrase in ("订单号", "发票", "售后", "优惠"):
        assert phrase in texts
    agree = [m for m in messages if m.msgtype == "agree"]
    assert all(m.message["from"] == m.message["agree"]["userid"] for m in agree)


def test_generated_media_has_bytes_and_correct_md5(generated: GeneratedArchive) -> None:
    media = generated.media
    assert len(media) > 50
    assert any(blob.size > 2 * MAX_MEDIA_CHUNK for blob in media.values())
    for generated_message in generated.messages:
        for fileid, blob in generated_message.media:
            data = blob.data()
            assert len(data) == blob.size
            assert hashlib.md5(data).hexdigest() == blob.md5
            assert fileid in json.dumps(generated_message.message)
    image = next(m for m in generated.messages if m.msgtype == "image")
    body = image.message["image"]
    blob = media[body["sdkfileid"]]
    assert (body["md5sum"], body["filesize"]) == (blob.md5, blob.size)
    assert blob.data().startswith(b"\xff\xd8\xff")  # looks like a JPEG
    assert b"\x00" in blob.data()


def test_generator_makes_100k_messages() -> None:
    # How fast: bench/archive.py generates its log the same way and reports READY <s>.
    big = generate_archive(seed=99, count=100_000)
    assert len(big.messages) == 100_000
    assert len({m.msgid for m in big.messages}) == 100_000
    assert set(big.msgtypes()) >= ALL_MSGTYPES


def test_media_blob_is_deterministic() -> None:
    blob = MediaBlob.create("file", 5000, 42, b"%PDF-1.7\n")
    assert blob.data() == blob.data()
    assert blob.data().startswith(b"%PDF-1.7\n")
    assert MediaBlob.create("file", 5000, 42, b"%PDF-1.7\n") == blob
    assert MediaBlob.create("file", 5000, 43, b"%PDF-1.7\n").md5 != blob.md5


# --------------------------------------------------------------- round trips


async def test_round_trip_equals_the_generator_log(
    source: SimulatorArchiveSource,
    keys: dict[int, rsa.RSAPrivateKey],
    generated: GeneratedArchive,
) -> None:
    assert isinstance(source, ArchiveSource)
    pulled = await pull(source, keys)
    assert pulled.parked == []
    assert pulled.malformed == []
    assert [chat.seq for chat, _ in pulled.records] == list(range(1, 1501))
    assert pulled.cursor == 1500
    versions = [chat.publickey_ver for chat, _ in pulled.records]
    assert versions == [1] * 500 + [2] * 500 + [3] * 500

    for (chat, record), meant in zip(pulled.records, generated.messages, strict=True):
        assert record.raw == meant.message
        assert record.msgid == chat.msgid == meant.msgid
        assert record.msgtype == meant.msgtype
        assert not record.unknown
        assert record.problems == ()
        assert record.conversation_key == meant.conversation
        assert record.customer == meant.customer
        assert {m.sdkfileid for m in record.media} == {f for f, _ in meant.media}
        for ref in record.media:
            blob = dict(meant.media)[ref.sdkfileid]
            if ref.md5sum:  # meeting audio has no md5sum in WeCom's body
                assert (ref.md5sum, ref.size) == (blob.md5, blob.size)
        if meant.msgtype == "text":
            assert record.text == meant.message["text"]["content"]
        if meant.msgtype == "revoke":
            assert record.pre_msgid == meant.message["revoke"]["pre_msgid"]
        if meant.msgtype == "switch":
            assert record.sender == meant.message["user"]


async def test_a_repull_serves_the_same_bytes(source: SimulatorArchiveSource) -> None:
    first = await source.fetch(0, 20)
    again = await source.fetch(0, 20)
    assert list(first) == list(again)
    middle = await source.fetch(700, 5)
    assert [c.seq for c in middle] == [701, 702, 703, 704, 705]
    assert list(await source.fetch(1500, 10)) == []


async def test_missing_key_version_parks_until_the_key_is_added(
    source: SimulatorArchiveSource, keys: dict[int, rsa.RSAPrivateKey]
) -> None:
    held = {v: keys[v] for v in (1, 2)}  # the admin has not given us version 3 yet
    pulled = await pull(source, held, limit=1000)
    assert len(pulled.records) == 1000
    assert len(pulled.parked) == 500
    assert all(isinstance(exc, MissingKeyVersion) for _, exc in pulled.parked)
    assert {chat.publickey_ver for chat, _ in pulled.parked} == {3}
    assert pulled.cursor == 1500  # parked, not lost: the cursor moves on

    # The key arrives; every parked message now decrypts.
    for chat, _ in pulled.parked:
        random_key = decrypt_random_key(keys, chat.publickey_ver, chat.encrypt_random_key)
        record = normalise_message(
            await source.decrypt(random_key, chat.encrypt_chat_msg), seq=chat.seq, msgid=chat.msgid
        )
        assert record.seq == chat.seq


async def test_corrupted_records_are_isolated(
    source: SimulatorArchiveSource, org: OrgArchive, keys: dict[int, rsa.RSAPrivateKey]
) -> None:
    served = {r["seq"]: r for r in org.chat_data(0, 20)}
    org.tamper(3, encrypt_chat_msg=base64.b64encode(b"\x01" + b"x" * 40).decode())
    org.tamper(4, msgid=None)
    org.tamper(5, encrypt_random_key="AAAA")
    org.tamper(6, encrypt_chat_msg=served[7]["encrypt_chat_msg"])  # another message's body
    org.tamper(8, encrypt_random_key=served[9]["encrypt_random_key"])  # another's key
    org.tamper(
        10,
        encrypt_random_key=served[11]["encrypt_random_key"],
        encrypt_chat_msg=served[11]["encrypt_chat_msg"],
    )  # a whole other message under this record's msgid
    org.tamper(12, publickey_ver=7)
    org.tamper(13, encrypt_chat_msg="%%% not base64 %%%")

    pulled = await pull(source, keys, limit=20, cursor=0)
    good = {chat.seq for chat, _ in pulled.records}
    parked = {chat.seq: exc for chat, exc in pulled.parked}
    assert [b.seq for b in pulled.malformed] == [4]
    assert "msgid" in pulled.malformed[0].reason
    assert set(parked) == {3, 5, 6, 8, 10, 12, 13}
    assert good == set(range(1, 1501)) - set(parked) - {4}
    assert isinstance(parked[3], ArchiveSdkError)
    assert parked[3].code == 10006
    assert parked[3].disposition is Disposition.PARK
    assert isinstance(parked[5], BadRandomKey)
    assert isinstance(parked[6], ArchiveSdkError)
    assert parked[6].code == 10006
    assert isinstance(parked[8], ArchiveSdkError)
    assert parked[8].code == 10006
    assert isinstance(parked[10], MalformedMessage)
    assert isinstance(parked[12], MissingKeyVersion)
    assert isinstance(parked[13], ArchiveSdkError)
    assert parked[13].code == 10006


async def test_media_in_chunks_with_md5(
    source: SimulatorArchiveSource, generated: GeneratedArchive
) -> None:
    fileid, blob = max(generated.media.items(), key=lambda item: item[1].size)
    assert blob.size > 2 * MAX_MEDIA_CHUNK
    sizes: list[int] = []
    index = ""
    parts: list[bytes] = []
    while True:
        chunk = await source.fetch_media_chunk(fileid, index)
        sizes.append(len(chunk.data))
        parts.append(chunk.data)
        if chunk.is_finish:
            break
        assert chunk.next_index_buf != index
        index = chunk.next_index_buf
    assert len(sizes) == math.ceil(blob.size / MAX_MEDIA_CHUNK)
    assert all(size <= MAX_MEDIA_CHUNK for size in sizes)
    assert hashlib.md5(b"".join(parts)).hexdigest() == blob.md5

    assert await read_media(source, fileid, md5sum=blob.md5) == blob.data()
    with pytest.raises(MediaChecksumError):
        await read_media(source, fileid, md5sum="f" * 32)

    small_id, small = min(generated.media.items(), key=lambda item: item[1].size)
    one = await source.fetch_media_chunk(small_id, "")
    assert one.is_finish
    assert one.data == small.data()

    with pytest.raises(ArchiveSdkError) as info:
        await source.fetch_media_chunk(small_id, index)  # an index of another file
    assert info.value.code == 10000
    with pytest.raises(ArchiveSdkError) as info:
        await source.fetch_media_chunk("no-such-file", "")
    assert info.value.code == 10005
    assert info.value.disposition is Disposition.FAIL


async def test_smaller_chunks_and_binary_bytes(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    sim = SimArchive()
    org = sim.add_org(CORP, SECRET, {1: keys[1]}, chunk_size=1000)
    data = bytes(range(256)) * 20 + b"\x00"
    fileid = org.add_media(data)
    transport = httpx.ASGITransport(app=create_archive_app(sim))
    async with SimulatorArchiveSource(BASE, CORP, SECRET, transport=transport) as src:
        assert await read_media(src, fileid, md5sum=hashlib.md5(data).hexdigest()) == data


async def test_errors_keep_their_sdk_meaning(
    sim: SimArchive, org: OrgArchive, source: SimulatorArchiveSource
) -> None:
    transport = httpx.ASGITransport(app=create_archive_app(sim))
    async with SimulatorArchiveSource(BASE, CORP, "wrong", transport=transport) as wrong:
        with pytest.raises(ArchiveSdkError) as info:
            await wrong.fetch(0, 10)
        assert info.value.code == 40001
        assert info.value.surfaced

    org.fail_next("chatdata", 10001)
    with pytest.raises(ArchiveSdkError) as info:
        await source.fetch(0, 10)
    assert info.value.retryable
    assert len(await source.fetch(0, 10)) == 10  # one-shot

    org.fail_next("chatdata", 10010)
    with pytest.raises(ArchiveSdkError) as info:
        await source.fetch(0, 10)
    assert info.value.surfaced

    fileid = next(iter(org._media))
    org.fail_next("mediadata", 10010)
    with pytest.raises(ArchiveSdkError) as info:
        await source.fetch_media_chunk(fileid, "")
    assert info.value.fails_item

    for limit in (0, 1001):
        with pytest.raises(ValueError, match="limit"):
            await source.fetch(0, limit)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as raw:
        answer = await raw.post(
            CHATDATA_PATH, json={"corpid": CORP, "secret": SECRET, "seq": 0, "limit": 1001}
        )
        assert answer.json()["errcode"] == 10000
        answer = await raw.post(CHATDATA_PATH, content=b"not json")
        assert answer.json()["errcode"] == 10000

    await source.close()
    with pytest.raises(ArchiveSourceClosed):
        await source.fetch(0, 1)
    with pytest.raises(ArchiveSourceClosed):
        await source.decrypt(b"k" * 32, "x")


@pytest.mark.parametrize(
    ("failure", "code", "timeout"),
    [
        (httpx.ReadTimeout("slow"), 10001, True),
        (httpx.ConnectError("refused"), 10001, False),
        (httpx.Response(502), 10003, False),
        (httpx.Response(404), 10000, False),
    ],
)
async def test_transport_failures_become_sdk_errors(
    failure: Exception | httpx.Response, code: int, timeout: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(failure, httpx.Response):
            return failure
        raise failure

    async with SimulatorArchiveSource(
        BASE, CORP, SECRET, transport=httpx.MockTransport(handler)
    ) as src:
        with pytest.raises(ArchiveSdkError) as info:
            await src.fetch(0, 10)
    assert info.value.code == code
    assert isinstance(info.value, ArchiveSdkTimeout) is timeout
    assert info.value.retryable is (code in (10001, 10003))


# ---------------------------------------------------------------- the scheme


def test_simulator_body_scheme() -> None:
    key = b"Qm9vay1rZXktZm9yLXRoZS1zY2hlbWU"
    plaintext = json.dumps({"msgid": "m", "text": {"content": "你好"}}, ensure_ascii=False).encode()
    sealed = seal_chat_msg(key, plaintext)
    assert open_chat_msg(key, sealed) == plaintext
    assert seal_chat_msg(key, plaintext) != sealed  # fresh nonce every time
    assert seal_chat_msg(key, plaintext, nonce=b"\x00" * 12) == seal_chat_msg(
        key, plaintext, nonce=b"\x00" * 12
    )
    blob = bytearray(base64.b64decode(sealed))
    assert blob[0] == 2  # the current scheme; scheme 1 (HKDF) still opens
    assert open_chat_msg(key, seal_chat_msg(key, plaintext, scheme=1)) == plaintext
    cases: list[tuple[Callable[[], bytes], int]] = [
        (lambda: open_chat_msg(b"another-key-of-32-characters-xx", sealed), 10006),
        (lambda: open_chat_msg(key, "not base64!"), 10006),
        (lambda: open_chat_msg(key, base64.b64encode(b"\x03" + bytes(blob[1:])).decode()), 10006),
        # the same bytes under the other scheme: another body key, so the tag fails
        (lambda: open_chat_msg(key, base64.b64encode(b"\x01" + bytes(blob[1:])).decode()), 10006),
        (lambda: open_chat_msg(key, base64.b64encode(bytes(blob[:-1]) + b"!").decode()), 10006),
        (lambda: open_chat_msg(key, base64.b64encode(b"\x01short").decode()), 10006),
        (lambda: open_chat_msg(b"", sealed), 10008),
    ]
    for case, code in cases:
        with pytest.raises(ArchiveSdkError) as info:
            case()
        assert info.value.code == code


def test_org_archive_rules(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    org = OrgArchive(CORP, SECRET, {1: keys[1]})
    assert org.current_version == 1
    first = org.append({"msgid": "a"})
    assert first == 1
    with pytest.raises(ValueError, match="msgid"):
        org.append({})
    with pytest.raises(ValueError, match="publickey_ver"):
        org.append({"msgid": "b"}, publickey_ver=9)
    org.add_key(2, keys[2])
    assert org.current_version == 2
    with pytest.raises(ValueError, match="exists"):
        org.add_key(2)
    assert org.append({"msgid": "c"}, seq=10) == 10
    with pytest.raises(ValueError, match="not after"):
        org.append({"msgid": "d"}, seq=10)
    records = org.chat_data(0, 10)
    assert [(r["seq"], r["publickey_ver"]) for r in records] == [(1, 1), (10, 2)]
    assert decrypt_random_key(keys, 2, records[1]["encrypt_random_key"])
    assert org.message(10) == {"msgid": "c"}
    with pytest.raises(ValueError, match="chunk_size"):
        OrgArchive(CORP, SECRET, {1: keys[1]}, chunk_size=MAX_MEDIA_CHUNK + 1)


async def test_simulator_app_rejects_bad_requests(sim: SimArchive) -> None:
    transport = httpx.ASGITransport(app=create_archive_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:

        async def errcode(path: str, body: object) -> int:
            answer = await client.post(path, json=body)
            assert answer.status_code == 200
            code: int = answer.json()["errcode"]
            return code

        for body in (
            {"corpid": CORP, "secret": SECRET, "seq": "0", "limit": 10},
            {"corpid": CORP, "secret": SECRET, "seq": -1, "limit": 10},
            {"corpid": CORP, "secret": SECRET, "seq": 0, "limit": True},
        ):
            assert await errcode(CHATDATA_PATH, body) == 10000
        assert await errcode(CHATDATA_PATH, [1]) == 10000
        assert await errcode(CHATDATA_PATH, {"corpid": "ww-other"}) == 40001
        media = {"corpid": CORP, "secret": SECRET, "sdkfileid": ""}
        assert await errcode(MEDIADATA_PATH, media) == 10005
        assert await errcode(MEDIADATA_PATH, {**media, "sdkfileid": "x", "indexbuf": 5}) == 10000


def test_ciphertexts_are_per_message(org: OrgArchive, keys: dict[int, rsa.RSAPrivateKey]) -> None:
    records = org.chat_data(0, 50)
    assert len({r["encrypt_random_key"] for r in records}) == 50
    random_keys = {
        decrypt_random_key(keys, r["publickey_ver"], r["encrypt_random_key"]) for r in records
    }
    assert len(random_keys) == 50
    assert all(len(k) == 32 for k in random_keys)
    plaintext = open_chat_msg(
        decrypt_random_key(keys, records[0]["publickey_ver"], records[0]["encrypt_random_key"]),
        records[0]["encrypt_chat_msg"],
    )
    assert json.loads(plaintext) == org.message(1)


# ------------------------------------------------- msgaudit: the archive secret's token


async def test_gettoken_accepts_the_archive_secret_and_msgaudit_wants_its_token() -> None:
    """WeCom (Doc 91614): the msgaudit APIs take the token of the archive secret, which
    ``gettoken`` issues like an app's — also to an org without a self-built app (a
    third-party install, as in ``wecom-app demo``)."""
    permit = "/cgi-bin/msgaudit/get_permit_user_list"
    sim, org, _ = make_sim(customers=10, employees=4)
    add_test_suite(sim)
    archive = archive_of(sim).add_org(org.corp_id, SECRET)
    userid = next(iter(org.employees))
    archive.permit(userid)
    async with wecom_client(sim) as client:
        _, _, third_party_token = await install_suite(sim, client, org)
        app = await get_json(
            client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET
        )
        got = await get_json(client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=SECRET)
        assert got["errcode"] == 0, got
        assert got["expires_in"] == 7200
        assert got["access_token"] != app["access_token"]  # one token per secret
        again = await get_json(client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=SECRET)
        assert again["access_token"] == got["access_token"]

        body = await post_json(client, permit, {}, access_token=got["access_token"])
        assert (body["errcode"], body["ids"]) == (0, [userid])
        for other in (app["access_token"], third_party_token):
            refused = await post_json(client, permit, {}, access_token=other)
            assert refused["errcode"] == 48002, refused
        wrong = await get_json(client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret="x")
        assert wrong["errcode"] == 40001

        # Without a self-built app the archive secret still gets its token.
        org.app = None
        token = await get_json(client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=SECRET)
        assert token["errcode"] == 0, token
        denied = await get_json(
            client, "/cgi-bin/gettoken", corpid=org.corp_id, corpsecret=CORP_SECRET
        )
        assert denied["errcode"] == 40001
