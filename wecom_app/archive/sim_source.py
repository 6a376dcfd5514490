"""The simulator's archive as an :class:`~wecom_app.archive.source.ArchiveSource`, over HTTP.

WeCom's DecryptData algorithm is not public (wecom-protocol.md §6), so the simulator
encrypts message bodies with a scheme of its own (:mod:`wecom_app.protocol.sdk_wire`,
shared with the simulator); this source undoes it, as the real SDK does locally.
A wrong key or a changed byte fails the GCM tag, reported as the SDK's 10006.

The simulator serves ``POST /finance/chatdata`` and ``POST /finance/mediadata``
(:mod:`wecom_app.simulator.archive`); errors come back as ``{"errcode", "errmsg"}``.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wecom_app.archive.source import (
    ArchiveSdkError,
    ArchiveSdkTimeout,
    ArchiveSourceClosed,
    MediaChunk,
    Operation,
    check_fetch_args,
    parse_fetch_answer,
)
from wecom_app.protocol.archive.chatdata import ChatDataBatch
from wecom_app.protocol.sdk_wire import (
    CHATDATA_PATH,
    FINISH_HEADER,
    INDEX_HEADER,
    MEDIADATA_PATH,
    SCHEME_INFO,
    SCHEME_VERSION,
)
from wecom_app.protocol.sdk_wire import HKDF_SCHEME as _HKDF_SCHEME
from wecom_app.protocol.sdk_wire import NONCE_BYTES as _NONCE
from wecom_app.protocol.sdk_wire import body_key as _body_key


def open_chat_msg(random_key: bytes, encrypt_chat_msg: str) -> bytes:
    """Undo :func:`~wecom_app.protocol.sdk_wire.seal_chat_msg`; SDK error codes as
    DecryptData would return them."""
    if not random_key or b"\0" in random_key:
        raise ArchiveSdkError(10008, "random key is empty", operation=Operation.DECRYPT)
    try:
        # Strict base64 checked in C (b64decode(validate=True) runs a regex first).
        blob = binascii.a2b_base64(encrypt_chat_msg, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ArchiveSdkError(
            10006, "encrypt_chat_msg is not base64", operation=Operation.DECRYPT
        ) from exc
    if len(blob) < 1 + _NONCE + 16 or blob[0] not in (SCHEME_VERSION, _HKDF_SCHEME):
        raise ArchiveSdkError(
            10006, "encrypt_chat_msg has an unknown layout", operation=Operation.DECRYPT
        )
    nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    try:
        return AESGCM(_body_key(random_key, blob[0])).decrypt(nonce, sealed, SCHEME_INFO)
    except InvalidTag as exc:
        raise ArchiveSdkError(
            10006, "wrong key or damaged message", operation=Operation.DECRYPT
        ) from exc


class SimulatorArchiveSource:
    """The simulator's archive over httpx; pass ``transport=`` to talk to it in-process."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self._corp_id = corp_id
        self._secret = secret
        self._timeout_s = timeout_s
        self._http = httpx.AsyncClient(
            base_url=base_url, transport=transport, timeout=httpx.Timeout(timeout_s)
        )
        self._closed = False

    async def _post(
        self, path: str, payload: dict[str, Any], operation: Operation
    ) -> httpx.Response:
        if self._closed:
            raise ArchiveSourceClosed("the simulator archive source is closed")
        body = {"corpid": self._corp_id, "secret": self._secret, "timeout": self._timeout_s}
        body.update(payload)
        try:
            response = await self._http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise ArchiveSdkTimeout(str(exc) or type(exc).__name__, operation=operation) from exc
        except httpx.TransportError as exc:
            raise ArchiveSdkError(
                10001, str(exc) or type(exc).__name__, operation=operation
            ) from exc
        if response.status_code >= 500:
            raise ArchiveSdkError(10003, f"HTTP {response.status_code}", operation=operation)
        if response.status_code != 200:
            raise ArchiveSdkError(10000, f"HTTP {response.status_code}", operation=operation)
        return response

    async def fetch(self, seq_after: int, limit: int) -> ChatDataBatch:
        check_fetch_args(seq_after, limit)
        response = await self._post(
            CHATDATA_PATH, {"seq": seq_after, "limit": limit}, Operation.FETCH
        )
        return parse_fetch_answer(response.content)

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> bytes:
        # Local, like the SDK's DecryptData; AES-GCM on one message is microseconds.
        if self._closed:
            raise ArchiveSourceClosed("the simulator archive source is closed")
        return open_chat_msg(random_key, encrypt_chat_msg)

    def local_decryptor(self) -> Callable[[bytes, str], bytes]:
        """DecryptData as a module-level function, for decoder processes."""
        return open_chat_msg

    async def fetch_media_chunk(self, sdkfileid: str, index_buf: str) -> MediaChunk:
        response = await self._post(
            MEDIADATA_PATH, {"sdkfileid": sdkfileid, "indexbuf": index_buf}, Operation.MEDIA
        )
        if response.headers.get("content-type", "").startswith("application/json"):
            error = response.json()
            code = error.get("errcode") if isinstance(error, dict) else None
            message = error.get("errmsg", "") if isinstance(error, dict) else ""
            raise ArchiveSdkError(
                code if isinstance(code, int) else 10002, str(message), operation=Operation.MEDIA
            )
        finish = response.headers.get(FINISH_HEADER)
        index = response.headers.get(INDEX_HEADER)
        if finish not in ("0", "1") or index is None:
            raise ArchiveSdkError(
                10002, "media answer lacks its index headers", operation=Operation.MEDIA
            )
        return MediaChunk(data=response.content, next_index_buf=index, is_finish=finish == "1")

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._http.aclose()

    async def __aenter__(self) -> SimulatorArchiveSource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
