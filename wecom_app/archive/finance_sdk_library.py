"""ctypes binding to WeCom's Finance SDK (``libWeWorkFinanceSdk_C.so``): the library.

The library is WeCom's; we only bind it (wecom-protocol.md §6 has the prototypes). What
peers got wrong and this module does not:

* **Every function has ``argtypes`` and ``restype``.** Without them ctypes assumes
  ``int`` results, which truncates 64-bit pointers from ``NewSdk``/``NewSlice`` and
  crashes later, and it passes Python ints as 32-bit ``int`` — wrong for the 64-bit
  ``seq``. The handle types are distinct opaque pointer types, so passing a slice where
  a media buffer is expected is a ``ctypes.ArgumentError``, not memory corruption.
* **Buffers are read by length.** ``GetContentFromSlice``/``GetData`` return ``char*``,
  declared here as ``c_void_p`` and read with ``ctypes.string_at(ptr, len)``: a
  ``c_char_p`` restype would stop at the first NUL byte of an image.
* **Every slice and media buffer is freed exactly once**, in ``finally``, on the thread
  that created it; never reused across calls.
The archive source over one handle is :class:`~wecom_app.archive.finance_sdk.FinanceSdkSource`:

* **Blocking calls leave the event loop** (``asyncio.to_thread``) and are **serialised
  per handle**: an ``asyncio.Lock`` queues callers without holding threads, and a
  ``threading.Lock`` held *inside* the worker thread guarantees that a call whose
  awaiting task was cancelled still finishes before the next call or ``DestroySdk``.
* **One handle per org**, created and initialised by :meth:`FinanceSdkSource.open` and
  destroyed exactly once by :meth:`FinanceSdkSource.close`.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Any, Final, TypeAlias

from wecom_app.archive.source import ArchiveSdkError, Operation

# Index buffers are opaque bytes the SDK gives us to hand back. We expose them as str
# (so they can be stored), decoded losslessly: ASCII, anything else as surrogates.
INDEX_CODEC: Final = ("ascii", "surrogateescape")


class _Sdk(ctypes.Structure):
    """``WeWorkFinanceSdk_t``: opaque."""


class _Slice(ctypes.Structure):
    """``Slice_t``: read only through GetContentFromSlice/GetSliceLen, never by field."""


class _MediaData(ctypes.Structure):
    """``MediaData_t``: read only through its accessor functions, never by field."""


SdkPtr = ctypes.POINTER(_Sdk)
SlicePtr = ctypes.POINTER(_Slice)
MediaPtr = ctypes.POINTER(_MediaData)
SdkHandle: TypeAlias = "ctypes._Pointer[_Sdk]"
SliceHandle: TypeAlias = "ctypes._Pointer[_Slice]"
MediaHandle: TypeAlias = "ctypes._Pointer[_MediaData]"

# name → (argtypes, restype), exactly WeWorkFinanceSdk_C.h.
_PROTOTYPES: Final[dict[str, tuple[list[type], type | None]]] = {
    "NewSdk": ([], SdkPtr),
    "Init": ([SdkPtr, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int),
    "DestroySdk": ([SdkPtr], None),
    "GetChatData": (
        [
            SdkPtr,
            ctypes.c_ulonglong,  # seq
            ctypes.c_uint,  # limit
            ctypes.c_char_p,  # proxy
            ctypes.c_char_p,  # passwd
            ctypes.c_int,  # timeout (s)
            SlicePtr,
        ],
        ctypes.c_int,
    ),
    "DecryptData": ([ctypes.c_char_p, ctypes.c_char_p, SlicePtr], ctypes.c_int),
    "GetMediaData": (
        [
            SdkPtr,
            ctypes.c_char_p,  # indexbuf — before sdkfileid
            ctypes.c_char_p,  # sdkfileid
            ctypes.c_char_p,  # proxy
            ctypes.c_char_p,  # passwd
            ctypes.c_int,  # timeout (s)
            MediaPtr,
        ],
        ctypes.c_int,
    ),
    "NewSlice": ([], SlicePtr),
    "FreeSlice": ([SlicePtr], None),
    "GetContentFromSlice": ([SlicePtr], ctypes.c_void_p),  # char*, read by length
    "GetSliceLen": ([SlicePtr], ctypes.c_int),
    "NewMediaData": ([], MediaPtr),
    "FreeMediaData": ([MediaPtr], None),
    "GetOutIndexBuf": ([MediaPtr], ctypes.c_void_p),  # char*, read by length
    "GetData": ([MediaPtr], ctypes.c_void_p),  # char*, binary: read by length
    "GetIndexLen": ([MediaPtr], ctypes.c_int),
    "GetDataLen": ([MediaPtr], ctypes.c_int),
    "IsMediaDataFinish": ([MediaPtr], ctypes.c_int),
}


class FinanceSdkLoadError(RuntimeError):
    """The library could not be loaded or lacks a function of the SDK's API."""


class FinanceSdkLibrary:
    """The loaded library with every prototype declared, and typed calls. One per path."""

    _loaded: dict[str, FinanceSdkLibrary] = {}  # noqa: RUF012 - a process-wide cache
    _loaded_lock = threading.Lock()

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        try:
            lib = ctypes.CDLL(self.path)
        except OSError as exc:
            raise FinanceSdkLoadError(f"cannot load the Finance SDK {self.path}: {exc}") from exc
        self._fn: dict[str, Any] = {}
        for name, (argtypes, restype) in _PROTOTYPES.items():
            try:
                function = getattr(lib, name)
            except AttributeError as exc:
                raise FinanceSdkLoadError(f"{self.path} does not export {name}") from exc
            function.argtypes = argtypes
            function.restype = restype
            self._fn[name] = function
        self._lib = lib

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FinanceSdkLibrary:
        key = str(Path(path).resolve())
        with cls._loaded_lock:
            library = cls._loaded.get(key)
            if library is None:
                library = cls._loaded[key] = cls(key)
            return library

    # Typed calls, one per C function. ctypes converts and checks the arguments.

    def new_sdk(self) -> SdkHandle:
        handle: SdkHandle = self._fn["NewSdk"]()
        return handle

    def init(self, sdk: SdkHandle, corp_id: bytes, secret: bytes) -> int:
        return int(self._fn["Init"](sdk, corp_id, secret))

    def destroy_sdk(self, sdk: SdkHandle) -> None:
        self._fn["DestroySdk"](sdk)

    def get_chat_data(
        self,
        sdk: SdkHandle,
        seq: int,
        limit: int,
        proxy: bytes,
        passwd: bytes,
        timeout: int,
        out: SliceHandle,
    ) -> int:
        return int(self._fn["GetChatData"](sdk, seq, limit, proxy, passwd, timeout, out))

    def decrypt_data(self, encrypt_key: bytes, encrypt_msg: bytes, out: SliceHandle) -> int:
        return int(self._fn["DecryptData"](encrypt_key, encrypt_msg, out))

    def get_media_data(
        self,
        sdk: SdkHandle,
        indexbuf: bytes,
        sdkfileid: bytes,
        proxy: bytes,
        passwd: bytes,
        timeout: int,
        out: MediaHandle,
    ) -> int:
        return int(self._fn["GetMediaData"](sdk, indexbuf, sdkfileid, proxy, passwd, timeout, out))

    def new_slice(self) -> SliceHandle:
        piece: SliceHandle = self._fn["NewSlice"]()
        return piece

    def free_slice(self, piece: SliceHandle) -> None:
        self._fn["FreeSlice"](piece)

    def slice_bytes(self, piece: SliceHandle, operation: Operation) -> bytes:
        ptr: int | None = self._fn["GetContentFromSlice"](piece)
        return _read(ptr, int(self._fn["GetSliceLen"](piece)), "slice", operation)

    def new_media_data(self) -> MediaHandle:
        media: MediaHandle = self._fn["NewMediaData"]()
        return media

    def free_media_data(self, media: MediaHandle) -> None:
        self._fn["FreeMediaData"](media)

    def media_bytes(self, media: MediaHandle) -> bytes:
        ptr: int | None = self._fn["GetData"](media)
        return _read(ptr, int(self._fn["GetDataLen"](media)), "media data", Operation.MEDIA)

    def media_index(self, media: MediaHandle) -> bytes:
        ptr: int | None = self._fn["GetOutIndexBuf"](media)
        return _read(ptr, int(self._fn["GetIndexLen"](media)), "outindexbuf", Operation.MEDIA)

    def media_finished(self, media: MediaHandle) -> int:
        return int(self._fn["IsMediaDataFinish"](media))


def c_text(value: str, what: str, operation: Operation, code: int = 10000) -> bytes:
    """A Python string as a C string; NUL would silently truncate it in C, so refuse."""
    data = value.encode("utf-8", "surrogateescape")
    if b"\0" in data:
        raise ArchiveSdkError(code, f"{what} contains a NUL byte", operation=operation)
    return data


def _read(ptr: int | None, length: int, what: str, operation: Operation) -> bytes:
    if length < 0:
        raise ArchiveSdkError(10003, f"{what} length is {length}", operation=operation)
    if length == 0:
        return b""
    if not ptr:
        raise ArchiveSdkError(10003, f"{what} is NULL with length {length}", operation=operation)
    return ctypes.string_at(ptr, length)


def decrypt_args(random_key: bytes, encrypt_chat_msg: str) -> tuple[bytes, bytes]:
    if not random_key or b"\0" in random_key:
        raise ArchiveSdkError(
            10008, "random key is empty or has a NUL byte", operation=Operation.DECRYPT
        )
    return random_key, c_text(encrypt_chat_msg, "encrypt_chat_msg", Operation.DECRYPT, code=10006)


def decrypt_with(lib: FinanceSdkLibrary, random_key: bytes, message: bytes) -> bytes:
    """One DecryptData call with its own slice (freed exactly once)."""
    piece = lib.new_slice()
    if not piece:
        raise ArchiveSdkError(10003, "NewSlice returned NULL", operation=Operation.DECRYPT)
    try:
        rc = lib.decrypt_data(random_key, message, piece)
        if rc != 0:
            raise ArchiveSdkError(rc, operation=Operation.DECRYPT)
        return lib.slice_bytes(piece, Operation.DECRYPT)
    finally:
        lib.free_slice(piece)


def decrypt_data(library_path: str, random_key: bytes, encrypt_chat_msg: str) -> bytes:
    """DecryptData without a handle or an event loop (the SDK's call needs neither).

    Module level so a process pool can pickle it with the library's path; the library
    is loaded once per process.
    """
    key, message = decrypt_args(random_key, encrypt_chat_msg)
    return decrypt_with(FinanceSdkLibrary.load(library_path), key, message)
