"""Archive sources: where encrypted chat data and media come from.

A source is one org's connection to the archive: the Finance C SDK
(:mod:`wecom_app.archive.finance_sdk`) or the simulator
(:mod:`wecom_app.archive.sim_source`). The puller only sees :class:`ArchiveSource`, so
both are interchangeable and a test can script one.

Errors of a source are :class:`ArchiveSdkError` with the SDK's codes (10000–10011,
wecom-protocol.md §6), each with a :class:`Disposition` that tells the puller what to
do: retry, park the one message, fail the one media item, or stop and tell an operator.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol, runtime_checkable

from wecom_app.protocol.archive.chatdata import ChatDataBatch, parse_chat_data
from wecom_app.protocol.archive.errors import ChatDataResponseError, MalformedChatData
from wecom_app.protocol.sdk_wire import MAX_FETCH_LIMIT


class Disposition(StrEnum):
    RETRY = "retry"  # transient: back off and make the same call again
    PARK = "park"  # this one message cannot be read now: keep it encrypted, go on
    FAIL = "fail"  # this one media item will never come: mark it failed, go on
    SURFACE = "surface"  # an operator must act (config, IP allow-list, expiry): stop, show
    SHRINK = "shrink"  # the request was too large: ask again for fewer messages


class Operation(StrEnum):
    INIT = "init"
    FETCH = "fetch"
    DECRYPT = "decrypt"
    MEDIA = "media"


SDK_ERRORS: Final[dict[int, tuple[str, Disposition]]] = {
    10000: ("parameter error", Disposition.SURFACE),  # our bug or bad config: do not loop
    10001: ("network error", Disposition.RETRY),
    10002: ("data parse failure", Disposition.SURFACE),
    10003: ("system error", Disposition.RETRY),
    10004: ("key error: encryption failed", Disposition.SURFACE),
    10005: ("bad sdkfileid", Disposition.FAIL),
    10006: ("decryption failed", Disposition.PARK),
    10007: ("no private key for this publickey_ver", Disposition.PARK),
    10008: ("bad encrypt_key", Disposition.PARK),
    10009: ("IP not allowed", Disposition.SURFACE),
    10010: ("data expired", Disposition.SURFACE),
    10011: ("certificate error", Disposition.SURFACE),
    # GetChatData's envelope can carry WeCom's own codes (wecom/errors.py): the archive
    # service itself is off, so only an admin can help; the puller does not retry them.
    301052: (
        "chat-archive service expired: an admin must renew it in the WeCom admin console",
        Disposition.SURFACE,
    ),
    301053: (
        "chat-archive service not enabled: an admin must enable it in the WeCom admin console",
        Disposition.SURFACE,
    ),
    # Too much asked for at once: the puller halves its limit and asks again (SHRINK).
    301058: ("chat-archive request too large", Disposition.SHRINK),
}

TOO_LARGE: Final = 301058


class ArchiveSdkError(Exception):
    """An archive source call failed with an SDK error code.

    The disposition depends on the code and, for two cases, on the operation:

    * anything that goes wrong while *decrypting one message* parks that message
      (except transient codes): one bad record must never stop the archive;
    * a media item whose file id is bad or whose data expired fails just that item.
    """

    def __init__(
        self,
        code: int,
        message: str = "",
        *,
        operation: Operation | None = None,
        timeout: bool = False,
    ) -> None:
        name = SDK_ERRORS.get(code, ("unknown SDK error", Disposition.SURFACE))[0]
        where = f" in {operation.value}" if operation else ""
        super().__init__(
            f"archive SDK error {code} ({name}){where}" + (f": {message}" if message else "")
        )
        self.code = code
        self.detail = message
        self.operation = operation
        self.timeout = timeout

    @property
    def disposition(self) -> Disposition:
        base = SDK_ERRORS.get(self.code, ("", Disposition.SURFACE))[1]
        if self.timeout or base is Disposition.RETRY:
            return Disposition.RETRY
        if self.operation is Operation.DECRYPT:
            return Disposition.PARK
        if self.operation is Operation.MEDIA and self.code in (10005, 10010):
            return Disposition.FAIL
        return base

    @property
    def retryable(self) -> bool:
        return self.disposition is Disposition.RETRY

    @property
    def parks(self) -> bool:
        return self.disposition is Disposition.PARK

    @property
    def fails_item(self) -> bool:
        return self.disposition is Disposition.FAIL

    @property
    def surfaced(self) -> bool:
        return self.disposition is Disposition.SURFACE


class ArchiveSdkTimeout(ArchiveSdkError):
    """The call did not finish in time; reported as the SDK's network error, retryable."""

    def __init__(self, message: str = "", *, operation: Operation | None = None) -> None:
        super().__init__(10001, message or "timed out", operation=operation, timeout=True)


class ArchiveSourceClosed(RuntimeError):
    """The source was closed; a programming error, not an SDK condition."""


class MediaChecksumError(Exception):
    """Downloaded media does not match the md5sum of its message."""

    def __init__(self, sdkfileid: str, expected: str, actual: str) -> None:
        super().__init__(f"media md5 {actual} does not match the message's {expected}")
        self.sdkfileid = sdkfileid
        self.expected = expected
        self.actual = actual


class MediaLoopError(Exception):
    """GetMediaData kept answering without progress; stop instead of looping forever."""


@dataclass(frozen=True, slots=True)
class MediaChunk:
    data: bytes
    next_index_buf: str
    is_finish: bool


@runtime_checkable
class ArchiveSource(Protocol):
    """One org's archive connection. Implementations serialise their own calls."""

    async def fetch(self, seq_after: int, limit: int) -> ChatDataBatch:
        """Records with seq > ``seq_after``, at most ``limit`` (1..1000) of them.

        A :class:`ChatDataBatch` is a ``list[ChatData]`` that also carries the
        malformed records of the answer, which must be stored, not skipped.
        """
        ...

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> bytes:
        """The SDK's DecryptData: the plaintext JSON of one message."""
        ...

    async def fetch_media_chunk(self, sdkfileid: str, index_buf: str) -> MediaChunk:
        """One ≤ 512 KB piece; start with ``index_buf=""``, then pass ``next_index_buf``."""
        ...

    async def close(self) -> None: ...


def check_fetch_args(seq_after: int, limit: int) -> None:
    """Refuse arguments the SDK would reject (or that would wrap around in C)."""
    if not 1 <= limit <= MAX_FETCH_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_FETCH_LIMIT}, got {limit}")
    if not 0 <= seq_after < 2**64:
        raise ValueError(f"seq_after must fit an unsigned 64-bit integer, got {seq_after}")


def parse_fetch_answer(raw: bytes | str) -> ChatDataBatch:
    """GetChatData JSON → batch; envelope errors become :class:`ArchiveSdkError`.

    A non-zero ``errcode`` in the JSON keeps its code (so a WeCom API code such as an
    IP allow-list error is surfaced as is); an unreadable envelope is the SDK's 10002.
    """
    try:
        return parse_chat_data(raw)
    except ChatDataResponseError as exc:
        raise ArchiveSdkError(exc.code, exc.errmsg, operation=Operation.FETCH) from exc
    except MalformedChatData as exc:
        raise ArchiveSdkError(10002, str(exc), operation=Operation.FETCH) from exc


MAX_MEDIA_CHUNKS: Final = 1 << 16  # 32 GB at 512 KB a chunk: far above any WeCom file


async def iter_media(
    source: ArchiveSource, sdkfileid: str, *, md5sum: str = ""
) -> AsyncIterator[bytes]:
    """Yield a media file's chunks in order; verify ``md5sum`` at the end when given.

    The md5 check raises :class:`MediaChecksumError` after the last chunk, so a caller
    writing chunks to a temporary file discards it then.
    """
    digest = hashlib.md5(usedforsecurity=False)
    index = ""
    for _ in range(MAX_MEDIA_CHUNKS):
        chunk = await source.fetch_media_chunk(sdkfileid, index)
        digest.update(chunk.data)
        if chunk.data:
            yield chunk.data
        if chunk.is_finish:
            break
        if chunk.next_index_buf == index and not chunk.data:
            raise MediaLoopError(f"GetMediaData made no progress for {sdkfileid[:32]}…")
        index = chunk.next_index_buf
    else:
        raise MediaLoopError(f"GetMediaData did not finish after {MAX_MEDIA_CHUNKS} chunks")
    actual = digest.hexdigest()
    if md5sum and actual != md5sum.lower():
        raise MediaChecksumError(sdkfileid, md5sum, actual)


async def read_media(source: ArchiveSource, sdkfileid: str, *, md5sum: str = "") -> bytes:
    """A whole media file in memory (small files; stream big ones with :func:`iter_media`)."""
    parts = [part async for part in iter_media(source, sdkfileid, md5sum=md5sum)]
    return b"".join(parts)
