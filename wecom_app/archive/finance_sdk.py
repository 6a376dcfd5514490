"""The Finance SDK as an archive source: one initialised handle per org.

The binding itself (prototypes, typed calls, buffers read by length and freed once) is
:mod:`wecom_app.archive.finance_sdk_library`. Here, **blocking calls leave the event
loop** (``asyncio.to_thread``) and are **serialised per handle**: an ``asyncio.Lock``
queues callers without holding threads, and a ``threading.Lock`` held *inside* the
worker thread guarantees that a call whose awaiting task was cancelled still finishes
before the next call or ``DestroySdk``. **One handle per org**, created and initialised
by :meth:`FinanceSdkSource.open` and destroyed exactly once by :meth:`FinanceSdkSource.close`.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable
from typing import Final, TypeVar

from wecom_app.archive.finance_sdk_library import (
    INDEX_CODEC,
    FinanceSdkLibrary,
    SdkHandle,
    SliceHandle,
    c_text,
    decrypt_args,
    decrypt_data,
    decrypt_with,
)
from wecom_app.archive.source import (
    ArchiveSdkError,
    ArchiveSourceClosed,
    MediaChunk,
    Operation,
    check_fetch_args,
    parse_fetch_answer,
)
from wecom_app.protocol.archive.chatdata import ChatDataBatch

T = TypeVar("T")

DEFAULT_TIMEOUT_S: Final = 30


class FinanceSdkSource:
    """An :class:`~wecom_app.archive.source.ArchiveSource` over one SDK handle (one org)."""

    def __init__(
        self,
        library: FinanceSdkLibrary,
        handle: SdkHandle,
        *,
        proxy: str = "",
        proxy_password: str = "",
        timeout_s: int = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Wrap an initialised handle; use :meth:`open` instead of calling this."""
        self._lib = library
        self._handle: SdkHandle | None = handle
        self._proxy = c_text(proxy, "proxy", Operation.INIT)
        self._passwd = c_text(proxy_password, "proxy password", Operation.INIT)
        self._timeout = int(timeout_s)
        self._queue = asyncio.Lock()  # callers wait here, not in threads
        self._thread_lock = threading.Lock()  # the C calls themselves, incl. DestroySdk
        self._closed = False

    @classmethod
    async def open(
        cls,
        library_path: str | os.PathLike[str],
        corp_id: str,
        secret: str,
        *,
        proxy: str = "",
        proxy_password: str = "",
        timeout_s: int = DEFAULT_TIMEOUT_S,
    ) -> FinanceSdkSource:
        """Load the library, create a handle and ``Init`` it with the archive secret."""
        library = await asyncio.to_thread(FinanceSdkLibrary.load, library_path)
        corp = c_text(corp_id, "corp id", Operation.INIT)
        key = c_text(secret, "secret", Operation.INIT)

        def create() -> SdkHandle:
            handle = library.new_sdk()
            if not handle:
                raise ArchiveSdkError(10003, "NewSdk returned NULL", operation=Operation.INIT)
            try:
                rc = library.init(handle, corp, key)
            except BaseException:
                library.destroy_sdk(handle)
                raise
            if rc != 0:
                library.destroy_sdk(handle)
                raise ArchiveSdkError(rc, "Init failed", operation=Operation.INIT)
            return handle

        handle = await asyncio.to_thread(create)
        return cls(library, handle, proxy=proxy, proxy_password=proxy_password, timeout_s=timeout_s)

    @property
    def closed(self) -> bool:
        return self._closed

    async def _run(self, call: Callable[[SdkHandle], T]) -> T:
        async with self._queue:
            if self._closed:
                raise ArchiveSourceClosed("the Finance SDK source is closed")
            return await asyncio.to_thread(self._locked, call)

    def _locked(self, call: Callable[[SdkHandle], T]) -> T:
        with self._thread_lock:
            handle = self._handle
            if handle is None:
                raise ArchiveSourceClosed("the Finance SDK source is closed")
            return call(handle)

    def _with_slice(self, operation: Operation, call: Callable[[SliceHandle], int]) -> bytes:
        """Run ``call`` with a fresh slice; the slice is freed exactly once, whatever happens."""
        lib = self._lib
        piece = lib.new_slice()
        if not piece:
            raise ArchiveSdkError(10003, "NewSlice returned NULL", operation=operation)
        try:
            rc = call(piece)
            if rc != 0:
                raise ArchiveSdkError(rc, operation=operation)
            return lib.slice_bytes(piece, operation)
        finally:
            lib.free_slice(piece)

    # --------------------------------------------------------------- the source

    async def fetch(self, seq_after: int, limit: int) -> ChatDataBatch:
        check_fetch_args(seq_after, limit)
        lib = self._lib

        def call(handle: SdkHandle) -> bytes:
            return self._with_slice(
                Operation.FETCH,
                lambda piece: lib.get_chat_data(
                    handle, seq_after, limit, self._proxy, self._passwd, self._timeout, piece
                ),
            )

        return parse_fetch_answer(await self._run(call))

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> bytes:
        key, message = decrypt_args(random_key, encrypt_chat_msg)
        lib = self._lib

        # DecryptData takes no handle, but it runs in the same queue: the SDK does not
        # promise thread safety, and one org's calls are sequential in the puller anyway.
        def call(_handle: SdkHandle) -> bytes:
            return decrypt_with(lib, key, message)

        return await self._run(call)

    def local_decryptor(self) -> Callable[[bytes, str], bytes]:
        """DecryptData for decoder *processes*: each loads the library by path itself.

        A separate process has its own copy of the library, so calls there cannot race
        with this handle's calls; within one worker process they are sequential.
        """
        return functools.partial(decrypt_data, self._lib.path)

    async def fetch_media_chunk(self, sdkfileid: str, index_buf: str) -> MediaChunk:
        fileid = c_text(sdkfileid, "sdkfileid", Operation.MEDIA, code=10005)
        index = index_buf.encode(*INDEX_CODEC)
        if b"\0" in index:
            raise ArchiveSdkError(10000, "index buffer contains NUL", operation=Operation.MEDIA)
        lib = self._lib

        def call(handle: SdkHandle) -> MediaChunk:
            media = lib.new_media_data()
            if not media:
                raise ArchiveSdkError(
                    10003, "NewMediaData returned NULL", operation=Operation.MEDIA
                )
            try:
                rc = lib.get_media_data(
                    handle, index, fileid, self._proxy, self._passwd, self._timeout, media
                )
                if rc != 0:
                    raise ArchiveSdkError(rc, operation=Operation.MEDIA)
                data = lib.media_bytes(media)
                next_index = lib.media_index(media)
                finish = lib.media_finished(media)
                if finish not in (0, 1):
                    raise ArchiveSdkError(
                        10003, f"is_finish is {finish}", operation=Operation.MEDIA
                    )
                return MediaChunk(
                    data=data,
                    next_index_buf=next_index.decode(*INDEX_CODEC),
                    is_finish=finish == 1,
                )
            finally:
                lib.free_media_data(media)

        return await self._run(call)

    async def close(self) -> None:
        """Destroy the handle, exactly once, after any call still running on it."""
        async with self._queue:
            if self._closed:
                return
            self._closed = True
            await asyncio.to_thread(self._destroy)

    def destroy_now(self) -> None:
        """Destroy the handle from synchronous code (interpreter exit).

        Waits for a call still running on the handle (the thread lock), like :meth:`close`.
        """
        self._closed = True
        self._destroy()

    def _destroy(self) -> None:
        with self._thread_lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                self._lib.destroy_sdk(handle)

    async def __aenter__(self) -> FinanceSdkSource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
