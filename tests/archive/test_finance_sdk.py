"""The ctypes binding, end to end against a real shared library.

``tests/fake_finance_sdk/fake_sdk.c`` exports WeCom's Finance SDK API (same symbols,
same prototypes) and serves prepared files; it also counts every allocation and free,
so these tests prove that each Slice_t / MediaData_t / SDK handle is freed exactly once,
on success, on error and on cancellation.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import hashlib
import json
import random
import secrets
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom_app.archive.finance_sdk import FinanceSdkSource
from wecom_app.archive.finance_sdk_library import (
    _PROTOTYPES,
    FinanceSdkLibrary,
    FinanceSdkLoadError,
)
from wecom_app.archive.source import (
    ArchiveSdkError,
    ArchiveSource,
    ArchiveSourceClosed,
    Disposition,
    MediaChecksumError,
    Operation,
    read_media,
)
from wecom_app.protocol.archive.keys import decrypt_random_key
from wecom_app.protocol.archive.normalise import normalise_message
from wecom_app.simulator.archive_gen import generate_archive

SOURCE = Path(__file__).parent / "fake_finance_sdk" / "fake_sdk.c"
CORP = "wwfakecorp000001"
SDK, SLICE, MEDIA = 1, 2, 3
BIG_SEQ = 2**32 + 10  # does not fit 32 bits: proves seq is passed as unsigned long long


@pytest.fixture(scope="module")
def library_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("fake_sdk") / "libWeWorkFinanceSdk_C.so"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", "-o", str(out),
         str(SOURCE), "-lpthread"],
        check=True,
    )  # fmt: skip
    return out


class Fake:
    """The fake library's test-only exports (same loaded image as the binding uses)."""

    def __init__(self, path: Path) -> None:
        lib = ctypes.CDLL(str(path))
        for name in ("FakeLiveAllocations", "FakeLiveOfKind", "FakeLastTimeout"):
            getattr(lib, name).restype = ctypes.c_int
        for name in ("FakeAllocations", "FakeFrees", "FakeBadFrees", "FakeBadUses"):
            getattr(lib, name).restype = ctypes.c_long
        lib.FakeConcurrentCalls.restype = ctypes.c_long
        lib.FakeLiveOfKind.argtypes = [ctypes.c_int]
        lib.FakeAllocations.argtypes = [ctypes.c_int]
        lib.FakeFrees.argtypes = [ctypes.c_int]
        lib.FakeFailNext.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        lib.FakeFailNext.restype = None
        lib.FakeSetMediaChunkSize.argtypes = [ctypes.c_int]
        lib.FakeSetDelayMs.argtypes = [ctypes.c_int]
        lib.FakeLastProxy.restype = ctypes.c_char_p
        lib.FakeHold.argtypes = [ctypes.c_int]
        lib.FakeHold.restype = None
        lib.FakeHeldCalls.restype = ctypes.c_long
        self.lib = lib

    def reset(self) -> None:
        self.lib.FakeReset()

    def live(self, kind: int | None = None) -> int:
        if kind is None:
            return int(self.lib.FakeLiveAllocations())
        return int(self.lib.FakeLiveOfKind(kind))

    def allocations(self, kind: int) -> int:
        return int(self.lib.FakeAllocations(kind))

    def frees(self, kind: int) -> int:
        return int(self.lib.FakeFrees(kind))

    def bad_frees(self) -> int:
        return int(self.lib.FakeBadFrees())

    def bad_uses(self) -> int:
        return int(self.lib.FakeBadUses())

    def concurrent(self) -> int:
        return int(self.lib.FakeConcurrentCalls())

    def fail_next(self, function: str, code: int, times: int = 1) -> None:
        self.lib.FakeFailNext(function.encode(), code, times)

    def chunk_size(self, size: int) -> None:
        self.lib.FakeSetMediaChunkSize(size)

    def delay_ms(self, ms: int) -> None:
        self.lib.FakeSetDelayMs(ms)

    def hold(self, on: bool) -> None:
        """While on, every call waits inside the library (in its thread) until off."""
        self.lib.FakeHold(int(on))

    def held(self) -> int:
        """Calls waiting inside the library now."""
        return int(self.lib.FakeHeldCalls())

    async def until_held(self, count: int = 1) -> None:
        """Until ``count`` calls wait inside the library; the loop runs meanwhile."""
        for _ in range(10_000):
            if self.held() >= count:
                return
            await asyncio.sleep(0.001)
        raise AssertionError(f"{count} call(s) never reached the library")

    def assert_clean(self) -> None:
        """Everything allocated was freed exactly once, and nothing freed was used."""
        assert self.live() == 0
        for kind in (SDK, SLICE, MEDIA):
            assert self.allocations(kind) == self.frees(kind)
        assert self.bad_frees() == 0
        assert self.bad_uses() == 0


@pytest.fixture
def fake(library_path: Path) -> Iterator[Fake]:
    fake = Fake(library_path)
    fake.reset()
    assert fake.live() == 0
    yield fake
    fake.reset()


@pytest.fixture(scope="module")
def keys() -> dict[int, rsa.RSAPrivateKey]:
    return {v: rsa.generate_private_key(public_exponent=65537, key_size=2048) for v in (1, 2)}


def fake_seal(random_key: bytes, plaintext: bytes) -> str:
    """The fake's DecryptData scheme (see fake_sdk.c): hex of ("FAKE:" + text) XOR key."""
    data = b"FAKE:" + plaintext
    return bytes(b ^ random_key[i % len(random_key)] for i, b in enumerate(data)).hex()


class DataDir:
    """The files the fake library serves for one SDK handle."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "media").mkdir(parents=True)
        self.lines: list[str] = []

    def add_record(self, seq: int, record: dict[str, Any] | str) -> None:
        text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
        self.lines.append(f"{seq}\t{text}")
        (self.root / "chatdata.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")

    def add_message(
        self, seq: int, message: dict[str, Any], key: rsa.RSAPrivateKey, version: int
    ) -> bytes:
        random_key = secrets.token_urlsafe(24).encode()
        encrypted = key.public_key().encrypt(random_key, padding.PKCS1v15())
        plaintext = json.dumps(message, ensure_ascii=False).encode()
        self.add_record(
            seq,
            {
                "seq": seq,
                "msgid": message["msgid"],
                "publickey_ver": version,
                "encrypt_random_key": base64.b64encode(encrypted).decode(),
                "encrypt_chat_msg": fake_seal(random_key, plaintext),
            },
        )
        return random_key

    def add_media(self, sdkfileid: str, data: bytes) -> None:
        (self.root / "media" / sdkfileid).write_bytes(data)


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "sdkdata")


async def open_source(library_path: Path, data: DataDir, **kwargs: Any) -> FinanceSdkSource:
    return await FinanceSdkSource.open(library_path, CORP, str(data.root), **kwargs)


# ------------------------------------------------------------------------- tests


def test_every_prototype_is_declared(library_path: Path) -> None:
    library = FinanceSdkLibrary.load(library_path)
    assert set(_PROTOTYPES) == {
        "NewSdk", "Init", "DestroySdk", "GetChatData", "DecryptData", "GetMediaData",
        "NewSlice", "FreeSlice", "GetContentFromSlice", "GetSliceLen", "NewMediaData",
        "FreeMediaData", "GetOutIndexBuf", "GetData", "GetIndexLen", "GetDataLen",
        "IsMediaDataFinish",
    }  # fmt: skip
    for name, (argtypes, restype) in _PROTOTYPES.items():
        function = library._fn[name]
        assert function.argtypes == argtypes, name
        assert function.restype == restype, name
    get_chat_data = library._fn["GetChatData"]
    assert get_chat_data.argtypes[1] is ctypes.c_ulonglong
    assert get_chat_data.argtypes[2] is ctypes.c_uint
    # Buffers come back as addresses, to be read by length, never as C strings.
    for name in ("GetContentFromSlice", "GetData", "GetOutIndexBuf"):
        assert library._fn[name].restype is ctypes.c_void_p
    assert FinanceSdkLibrary.load(library_path) is library


def test_handle_types_are_checked(fake: Fake, library_path: Path) -> None:
    library = FinanceSdkLibrary.load(library_path)
    media = library.new_media_data()
    try:
        with pytest.raises(ctypes.ArgumentError):
            library.free_slice(media)  # type: ignore[arg-type]
    finally:
        library.free_media_data(media)
    fake.assert_clean()


async def test_pull_decrypt_and_normalise_end_to_end(
    fake: Fake, library_path: Path, data: DataDir, keys: dict[int, rsa.RSAPrivateKey]
) -> None:
    log = generate_archive(seed=11, count=120).messages
    for offset, generated in enumerate(log):
        version = 1 if offset < 70 else 2  # the admin rotated the key halfway
        data.add_message(BIG_SEQ + offset, generated.message, keys[version], version)

    source = await open_source(library_path, data, proxy="socks5://10.0.0.1:8081", timeout_s=7)
    assert isinstance(source, ArchiveSource)
    pulled: list[dict[str, Any]] = []
    cursor = 0
    fetches = 0
    while True:
        batch = await source.fetch(cursor, 50)
        fetches += 1
        if not batch:
            break
        assert batch.malformed == ()
        for chat in batch:
            random_key = decrypt_random_key(keys, chat.publickey_ver, chat.encrypt_random_key)
            plaintext = await source.decrypt(random_key, chat.encrypt_chat_msg)
            record = normalise_message(plaintext, seq=chat.seq, msgid=chat.msgid)
            assert record.raw == log[chat.seq - BIG_SEQ].message
            pulled.append(record.raw)
        assert batch.highest_seq is not None
        cursor = batch.highest_seq
    assert pulled == [g.message for g in log]
    assert cursor == BIG_SEQ + len(log) - 1
    assert fetches == 4  # 50 + 50 + 20 + the empty answer

    tail = await source.fetch(BIG_SEQ + 100, 1000)
    assert [c.seq for c in tail] == list(range(BIG_SEQ + 101, BIG_SEQ + 120))
    assert fake.lib.FakeLastProxy() == b"socks5://10.0.0.1:8081"
    assert fake.lib.FakeLastTimeout() == 7
    await source.close()

    # One slice per GetChatData and per DecryptData, each freed exactly once.
    assert fake.allocations(SLICE) == fetches + 1 + len(log)
    assert fake.allocations(SDK) == 1
    fake.assert_clean()


async def test_malformed_records_and_envelope_errors(
    fake: Fake, library_path: Path, data: DataDir, keys: dict[int, rsa.RSAPrivateKey]
) -> None:
    message = {"msgid": "m1", "action": "send", "from": "a", "tolist": ["b"], "roomid": "",
               "msgtime": 1, "msgtype": "text", "text": {"content": "你好"}}  # fmt: skip
    data.add_message(1, message, keys[1], 1)
    data.add_record(2, '{"seq":2,"msgid":"m2","publickey_ver":1}')
    data.add_record(3, '"just a string"')
    async with await open_source(library_path, data) as source:
        batch = await source.fetch(0, 10)
        assert [c.msgid for c in batch] == ["m1"]
        assert [(b.index, b.seq, b.msgid) for b in batch.malformed] == [
            (1, 2, "m2"),
            (2, None, None),
        ]
        assert batch.highest_seq == 2

        fake.fail_next("envelope", 301042)
        with pytest.raises(ArchiveSdkError) as info:
            await source.fetch(0, 10)
        assert info.value.code == 301042
        assert info.value.surfaced
    fake.assert_clean()


@pytest.mark.parametrize(
    ("function", "code", "disposition"),
    [
        ("GetChatData", 10001, Disposition.RETRY),
        ("GetChatData", 10003, Disposition.RETRY),
        ("GetChatData", 10009, Disposition.SURFACE),
        ("GetChatData", 10010, Disposition.SURFACE),
        ("GetChatData", 10000, Disposition.SURFACE),
        ("DecryptData", 10006, Disposition.PARK),
        ("DecryptData", 10007, Disposition.PARK),
        ("DecryptData", 10001, Disposition.RETRY),
        ("GetMediaData", 10005, Disposition.FAIL),
        ("GetMediaData", 10010, Disposition.FAIL),
        ("GetMediaData", 10001, Disposition.RETRY),
    ],
)
async def test_error_codes_on_demand(
    fake: Fake,
    library_path: Path,
    data: DataDir,
    keys: dict[int, rsa.RSAPrivateKey],
    function: str,
    code: int,
    disposition: Disposition,
) -> None:
    message = {"msgid": "m1", "action": "send", "from": "a", "tolist": ["b"], "msgtime": 1,
               "msgtype": "text", "text": {"content": "x"}}  # fmt: skip
    random_key = data.add_message(1, message, keys[1], 1)
    data.add_media("F1", b"\x00media\x00")
    async with await open_source(library_path, data) as source:
        chat = (await source.fetch(0, 1))[0]
        calls: dict[str, Callable[[], Awaitable[object]]] = {
            "GetChatData": lambda: source.fetch(0, 1),
            "DecryptData": lambda: source.decrypt(random_key, chat.encrypt_chat_msg),
            "GetMediaData": lambda: source.fetch_media_chunk("F1", ""),
        }
        fake.fail_next(function, code)
        with pytest.raises(ArchiveSdkError) as info:
            await calls[function]()
        assert info.value.code == code
        assert info.value.disposition is disposition
        await calls[function]()  # the fault was one-shot: the next call works
    fake.assert_clean()


async def test_decrypt_with_the_wrong_key_parks(
    fake: Fake, library_path: Path, data: DataDir, keys: dict[int, rsa.RSAPrivateKey]
) -> None:
    message = {"msgid": "m1", "action": "send", "msgtype": "text", "text": {"content": "x"}}
    data.add_message(1, message, keys[1], 1)
    async with await open_source(library_path, data) as source:
        chat = (await source.fetch(0, 1))[0]
        with pytest.raises(ArchiveSdkError) as info:
            await source.decrypt(b"not-the-key-of-this-message!", chat.encrypt_chat_msg)
        assert (info.value.code, info.value.operation) == (10006, Operation.DECRYPT)
        assert info.value.parks
        with pytest.raises(ArchiveSdkError) as info:
            await source.decrypt(b"", chat.encrypt_chat_msg)
        assert info.value.code == 10008
        with pytest.raises(ArchiveSdkError):
            await source.decrypt(b"key\x00with-nul", chat.encrypt_chat_msg)
    fake.assert_clean()


def binary_media(size: int, seed: int) -> bytes:
    """Bytes with NULs everywhere, including at the start and at chunk boundaries."""
    return b"\x00\x00PNG\x00" + random.Random(seed).randbytes(size - 6)


async def test_media_is_binary_and_chunked(fake: Fake, library_path: Path, data: DataDir) -> None:
    big = binary_media(1_300_000, 1)
    small = binary_media(10_000, 2)
    data.add_media("BIG", big)
    data.add_media("SMALL", small)
    data.add_media("EMPTY", b"")
    async with await open_source(library_path, data) as source:
        chunks = []
        index = ""
        while True:
            chunk = await source.fetch_media_chunk("BIG", index)
            chunks.append(chunk)
            if chunk.is_finish:
                break
            index = chunk.next_index_buf
        assert [len(c.data) for c in chunks] == [524_288, 524_288, 251_424]
        assert b"".join(c.data for c in chunks) == big
        assert [c.is_finish for c in chunks] == [False, False, True]

        md5 = hashlib.md5(big).hexdigest()
        assert await read_media(source, "BIG", md5sum=md5) == big
        with pytest.raises(MediaChecksumError):
            await read_media(source, "BIG", md5sum="0" * 32)

        fake.chunk_size(1000)
        assert await read_media(source, "SMALL", md5sum=hashlib.md5(small).hexdigest()) == small
        assert fake.allocations(MEDIA) >= 3 + 2 * 3 + 10
        assert await read_media(source, "EMPTY", md5sum=hashlib.md5(b"").hexdigest()) == b""

        with pytest.raises(ArchiveSdkError) as info:
            await source.fetch_media_chunk("NOPE", "")
        assert info.value.code == 10005
        assert info.value.fails_item
        with pytest.raises(ArchiveSdkError) as info:
            await source.fetch_media_chunk("BIG", "garbage")
        assert info.value.code == 10000
    fake.assert_clean()


async def test_calls_run_off_the_loop_one_at_a_time(
    fake: Fake, library_path: Path, data: DataDir
) -> None:
    data.add_media("F", binary_media(5000, 3))
    data.add_record(1, '{"seq":1,"msgid":"m","publickey_ver":1,"encrypt_random_key":"a",'
                       '"encrypt_chat_msg":"b"}')  # fmt: skip
    async with await open_source(library_path, data) as source:
        fake.hold(True)
        calls = asyncio.gather(
            asyncio.gather(*(source.fetch(0, 10) for _ in range(4))),
            asyncio.gather(*(source.fetch_media_chunk("F", "") for _ in range(2))),
        )
        # A C call is in progress and this coroutine still runs: the call is off the loop.
        await fake.until_held(1)
        assert not calls.done()
        fake.hold(False)
        batches, chunks = await calls
    assert all(len(batch) == 1 for batch in batches)
    assert all(chunk.is_finish for chunk in chunks)
    assert fake.concurrent() == 0  # the fake saw no two calls on the handle at once
    fake.assert_clean()


async def test_cancelled_call_finishes_before_the_handle_is_destroyed(
    fake: Fake, library_path: Path, data: DataDir
) -> None:
    data.add_record(1, '{"seq":1}')
    source = await open_source(library_path, data)
    fake.hold(True)
    task = asyncio.create_task(source.fetch(0, 10))
    await fake.until_held(1)  # the C call is running in its thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    closing = asyncio.create_task(source.close())  # must wait for that C call
    for _ in range(20):
        await asyncio.sleep(0)
    assert not closing.done()
    assert fake.live(SDK) == 1  # the handle outlives the call still inside it
    fake.hold(False)
    await closing
    assert fake.allocations(SLICE) == 1
    fake.assert_clean()


async def test_close_destroys_the_handle_exactly_once(
    fake: Fake, library_path: Path, data: DataDir
) -> None:
    source = await open_source(library_path, data)
    assert fake.live(SDK) == 1
    await asyncio.gather(source.close(), source.close())
    await source.close()
    assert source.closed
    assert fake.allocations(SDK) == fake.frees(SDK) == 1
    with pytest.raises(ArchiveSourceClosed):
        await source.fetch(0, 1)
    with pytest.raises(ArchiveSourceClosed):
        await source.decrypt(b"k" * 32, "00")
    with pytest.raises(ArchiveSourceClosed):
        await source.fetch_media_chunk("F", "")
    fake.assert_clean()


async def test_init_failure_destroys_the_handle(
    fake: Fake, library_path: Path, tmp_path: Path
) -> None:
    with pytest.raises(ArchiveSdkError) as info:
        await FinanceSdkSource.open(library_path, CORP, str(tmp_path / "missing"))
    assert (info.value.code, info.value.operation) == (10004, Operation.INIT)
    assert info.value.surfaced
    fake.fail_next("Init", 10003)
    with pytest.raises(ArchiveSdkError) as info:
        await FinanceSdkSource.open(library_path, CORP, str(tmp_path))
    assert info.value.retryable
    with pytest.raises(ArchiveSdkError) as info:
        await FinanceSdkSource.open(library_path, CORP, "nul\x00inside")
    assert fake.allocations(SDK) == 2
    fake.assert_clean()


async def test_arguments_are_checked_before_c_sees_them(
    fake: Fake, library_path: Path, data: DataDir
) -> None:
    async with await open_source(library_path, data) as source:
        for limit in (0, 1001):
            with pytest.raises(ValueError, match="limit"):
                await source.fetch(0, limit)
        with pytest.raises(ValueError, match="seq_after"):
            await source.fetch(-1, 10)
        with pytest.raises(ValueError, match="seq_after"):
            await source.fetch(2**64, 10)
        with pytest.raises(ArchiveSdkError):
            await source.fetch_media_chunk("a\x00b", "")
    # The C side enforces the limit too; calling it directly shows our argument order.
    library = FinanceSdkLibrary.load(library_path)
    sdk = library.new_sdk()
    piece = library.new_slice()
    try:
        assert library.init(sdk, CORP.encode(), str(data.root).encode()) == 0
        assert library.get_chat_data(sdk, 0, 1001, b"", b"", 5, piece) == 10000
        assert library.get_chat_data(sdk, 0, 1000, b"", b"", 5, piece) == 0
    finally:
        library.free_slice(piece)
        library.destroy_sdk(sdk)
    fake.assert_clean()


def test_load_errors(tmp_path: Path, library_path: Path) -> None:
    with pytest.raises(FinanceSdkLoadError, match="cannot load"):
        FinanceSdkLibrary(tmp_path / "nope.so")
    gcc = shutil.which("gcc")
    assert gcc is not None
    partial = tmp_path / "partial.c"
    partial.write_text("void* NewSdk(void) { return 0; }\n")
    out = tmp_path / "libpartial.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(out), str(partial)], check=True)
    with pytest.raises(FinanceSdkLoadError, match="does not export Init"):
        FinanceSdkLibrary(out)


# ------------------------------------------------- the product over the SDK binding


async def test_the_runtime_pulls_through_the_sdk_and_destroys_its_handles(
    fake: Fake,
    library_path: Path,
    data: DataDir,
    database: str,
    tmp_path: Path,
) -> None:
    """Source selection (ARCHIVE_SOURCE=sdk), a pull whose DecryptData runs in decoder
    *processes* (each loads the library by path), media over a second handle, and the
    handles destroyed exactly once when the runtime closes."""
    from tests.conftest import make_settings
    from tests.support.archive import pem, rsa_key
    from wecom_app.archive.decode_pool import DecodePool
    from wecom_app.archive.keys import add_key, set_archive_secret
    from wecom_app.archive.runtime import ArchiveRuntime
    from wecom_app.kv import MemoryKV
    from wecom_app.secretbox import SecretBox
    from wecom_app.store.archive import ArchiveMedia, ArchiveMessage
    from wecom_app.store.models import Corp

    log = [g for g in generate_archive(seed=21, count=200, corp_id=CORP).messages if not g.media]
    log = log[:150]
    for seq, generated in enumerate(log, start=1):
        data.add_message(seq, generated.message, rsa_key(1), 1)
    picture = random.Random(5).randbytes(3 * 1024 * 1024 // 2)  # three 512 KB chunks
    image = {
        "msgid": "img-msg-1",
        "action": "send",
        "from": "zhangwei",
        "tolist": ["wmCustomerAAAAAAAAAAAAAAAAAA01"],
        "roomid": "",
        "msgtime": 1_709_514_000_000,
        "msgtype": "image",
        "image": {
            "sdkfileid": "img-0001",
            "md5sum": hashlib.md5(picture).hexdigest(),
            "filesize": len(picture),
        },
    }
    data.add_message(151, image, rsa_key(1), 1)
    data.add_media("img-0001", picture)
    settings = make_settings(
        tmp_path, database, ARCHIVE_SOURCE="sdk", WECOM_FINANCE_SDK=str(library_path)
    )
    box = SecretBox(settings.secret_key)
    corp = await Corp.create(corp_id=CORP, mode="self_built")
    await set_archive_secret(corp, str(data.root), box)  # the fake serves this directory
    await add_key(corp, 1, pem(rsa_key(1)), box)
    runtime = ArchiveRuntime(settings, box, MemoryKV(), decoder=DecodePool(1))
    try:
        report = await runtime.pull(corp)
        assert report.ok == 151
        stored = await ArchiveMessage.filter(corp_id=corp.pk).order_by("seq")
        assert [m.msgid for m in stored] == [*(g.msgid for g in log), "img-msg-1"]
        media = await runtime.download_media(corp)
        assert media is not None
        assert media.done == 1
        item = await ArchiveMedia.get(corp_id=corp.pk)
        assert (settings.media_dir / item.path).read_bytes() == picture
        assert fake.live(SDK) == 2  # one handle for text, one for media
    finally:
        await runtime.close()
        assert runtime._decoder is not None
        runtime._decoder.close()
    assert fake.allocations(SDK) == 2
    fake.assert_clean()


async def test_handles_left_open_are_destroyed_without_an_event_loop(
    fake: Fake, library_path: Path, data: DataDir, database: str, tmp_path: Path
) -> None:
    """What interpreter exit does when nobody closed the runtime (weakref.finalize)."""
    from tests.conftest import make_settings
    from wecom_app.archive.keys import set_archive_secret
    from wecom_app.archive.sources import SourcePool
    from wecom_app.secretbox import SecretBox
    from wecom_app.store.models import Corp

    data.add_record(1, {"seq": 1})
    settings = make_settings(
        tmp_path, database, ARCHIVE_SOURCE="sdk", WECOM_FINANCE_SDK=str(library_path)
    )
    box = SecretBox(settings.secret_key)
    corp = await Corp.create(corp_id=CORP, mode="self_built")
    await set_archive_secret(corp, str(data.root), box)
    pool = SourcePool(settings, box)
    text = await pool.get(corp, "text")
    assert await pool.get(corp, "text") is text  # one handle per tenant and purpose
    await pool.get(corp, "media")
    assert fake.live(SDK) == 2
    pool.close_sync()
    assert fake.live(SDK) == 0
    with pytest.raises(ArchiveSourceClosed):
        await text.fetch(0, 10)
    fake.assert_clean()


async def test_an_sdk_that_refuses_the_secret_is_surfaced_on_the_cursor(
    fake: Fake, library_path: Path, database: str, tmp_path: Path
) -> None:
    from tests.conftest import make_settings
    from wecom_app.archive.keys import set_archive_secret
    from wecom_app.archive.runtime import ArchiveRuntime
    from wecom_app.archive.status import archive_status
    from wecom_app.kv import MemoryKV
    from wecom_app.secretbox import SecretBox
    from wecom_app.store.models import Corp

    settings = make_settings(
        tmp_path, database, ARCHIVE_SOURCE="sdk", WECOM_FINANCE_SDK=str(library_path)
    )
    box = SecretBox(settings.secret_key)
    corp = await Corp.create(corp_id=CORP, mode="self_built")
    await set_archive_secret(corp, str(tmp_path / "no-such-dir"), box)  # Init says 10004
    runtime = ArchiveRuntime(settings, box, MemoryKV())
    report = await runtime.pull(corp)
    await runtime.close()
    assert report.error_code == 10004
    status = await archive_status(corp.pk)
    assert status.last_error_code == 10004
    assert "10004" in status.last_error
    fake.assert_clean()  # the refused handle was destroyed


async def test_stopping_the_services_destroys_the_sdk_handles(
    fake: Fake, library_path: Path, data: DataDir, database: str, tmp_path: Path
) -> None:
    """Shutdown (the app's lifespan ends, a worker stops) destroys every open handle."""
    from tests.conftest import make_settings
    from wecom_app.archive.keys import set_archive_secret
    from wecom_app.archive.runtime import runtime_for
    from wecom_app.runtime import Runtime
    from wecom_app.services import Services
    from wecom_app.store.models import Corp

    data.add_record(1, {"seq": 1})
    settings = make_settings(
        tmp_path, database, ARCHIVE_SOURCE="sdk", WECOM_FINANCE_SDK=str(library_path)
    )
    services = Services(settings, run_worker=False, manage_db=False)
    root = Runtime(services)
    await root.start()
    try:
        corp = await Corp.create(corp_id=CORP, mode="self_built")
        await set_archive_secret(corp, str(data.root), services.secrets)
        runtime = runtime_for(services)
        text = await runtime.sources.get(corp, "text")
        await runtime.sources.get(corp, "media")
        assert fake.live(SDK) == 2
    finally:
        await root.stop()
    assert fake.live(SDK) == 0
    assert fake.allocations(SDK) == fake.frees(SDK) == 2
    with pytest.raises(ArchiveSourceClosed):
        await text.fetch(0, 10)
    fake.assert_clean()
