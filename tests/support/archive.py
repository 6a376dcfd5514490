"""Shared set-up for the archive tests: a simulated org archive and a tenant that pulls it.

Imported by the tests under ``tests/archive/`` and ``tests/search/``. The few checks of
the helpers themselves are in ``tests/archive/test_support.py``, so a broken helper fails
there instead of confusing every test that uses it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import SECRET_KEY
from wecom_app.archive.decode_pool import DecodePool
from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.archive.puller import Backoff, Puller
from wecom_app.archive.sim_source import SimulatorArchiveSource
from wecom_app.kv import KV, MemoryKV
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.archive import OrgArchive, SimArchive
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.simulator.archive_http import create_archive_app
from wecom_app.simulator.archive_log import GeneratedArchive
from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.models import Corp

CORP_ID = "wwarchivecorp001"
ARCHIVE_SECRET = "archive-secret-for-tests"
BASE = "http://archive.sim"


@functools.cache
def rsa_key(version: int) -> rsa.RSAPrivateKey:
    """One 2048-bit key per version for the whole test session (generating is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


@functools.cache
def generated(seed: int, count: int) -> GeneratedArchive:
    return generate_archive(seed=seed, count=count, corp_id=CORP_ID)


async def no_sleep(_seconds: float) -> None:
    return None


@dataclass
class World:
    """A simulated org archive, our tenant for it, and ways to pull it."""

    sim: SimArchive
    org: OrgArchive
    corp: Corp
    box: SecretBox
    kv: KV
    log: GeneratedArchive | None = None
    decoder: DecodePool = field(default_factory=lambda: DecodePool(0))
    sleeps: list[float] = field(default_factory=list)
    indexed: list[int] = field(default_factory=list)  # ids the (test) search hook got

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=create_archive_app(self.sim))

    def source(self, **kwargs: Any) -> SimulatorArchiveSource:
        return SimulatorArchiveSource(
            BASE, CORP_ID, ARCHIVE_SECRET, transport=self.transport(), **kwargs
        )

    async def record_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def record_indexed(self, corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
        """Stands in for the search index (the real one: tests/search/test_puller.py)."""
        assert all(m.corp_id == corp_pk for m in messages)
        self.indexed.extend(m.id for m in messages)

    def puller(self, source: Any | None = None, **kwargs: Any) -> Puller:
        kwargs.setdefault("box", self.box)
        kwargs.setdefault("kv", self.kv)
        kwargs.setdefault("decoder", self.decoder)
        kwargs.setdefault("media_max_bytes", 50 * 1024 * 1024)
        kwargs.setdefault("sleep", self.record_sleep)
        kwargs.setdefault("backoff", Backoff(attempts=4, base_s=0.5, cap_s=4.0))
        kwargs.setdefault("hook", self.record_indexed)
        return Puller(self.corp, source or self.source(), **kwargs)

    async def pull(self, *, max_batches: int | None = None, **kwargs: Any) -> Any:
        source = self.source()
        try:
            return await self.puller(source, **kwargs).pull(max_batches=max_batches)
        finally:
            await source.close()


async def make_world(
    *,
    seed: int = 11,
    count: int = 0,
    versions: Sequence[int] = (1,),
    stored_versions: Sequence[int] | None = None,
    kv: KV | None = None,
    chunk_size: int | None = None,
) -> World:
    """An org whose log is ``count`` generated messages over key ``versions``; the
    tenant holds the keys of ``stored_versions`` (default: all of them)."""
    sim = SimArchive()
    keys = {v: rsa_key(v) for v in versions}
    extra = {"chunk_size": chunk_size} if chunk_size else {}
    org = sim.add_org(CORP_ID, ARCHIVE_SECRET, keys, **extra)
    log = None
    if count:
        log = generated(seed, count)
        log.load_into(org, key_versions=list(versions))
    box = SecretBox(SECRET_KEY)
    corp = await Corp.create(corp_id=CORP_ID, mode="self_built", name="档案测试")
    await set_archive_secret(corp, ARCHIVE_SECRET, box)
    for version in versions if stored_versions is None else stored_versions:
        await add_key(corp, version, pem(rsa_key(version)), box)
    return World(sim=sim, org=org, corp=corp, box=box, kv=kv or MemoryKV(), log=log)


async def stored(corp: Corp) -> list[ArchiveMessage]:
    return await ArchiveMessage.filter(corp_id=corp.pk).order_by("seq", "id")


def text_message(
    msgid: str, content: str, *, sender: str = "zhangwei", to: str = "", **extra: Any
) -> dict[str, Any]:
    """A 1:1 text message as DecryptData yields it."""
    message: dict[str, Any] = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": [to or "wmCustomerAAAAAAAAAAAAAAAAAA01"],
        "roomid": "",
        "msgtime": 1_709_514_000_000,
        "msgtype": "text",
        "text": {"content": content},
    }
    message.update(extra)
    return message


class HttpArchive:
    """The simulator's archive served over real HTTP (uvicorn in a thread), for tests
    whose puller runs in another process."""

    def __init__(self, sim: SimArchive) -> None:
        import socket

        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.sim = sim
        self._server: Any = None
        self._thread: Any = None

    def __enter__(self) -> HttpArchive:
        import threading
        import time

        import uvicorn

        config = uvicorn.Config(
            create_archive_app(self.sim),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the archive simulator did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def seal_all(org: OrgArchive) -> None:
    """Encrypt every record now (the simulator does it lazily on first serve)."""
    seq = 0
    while records := org.chat_data(seq, 1000):
        seq = int(records[-1]["seq"])
