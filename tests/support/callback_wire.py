"""Helpers shared by the callback-spine tests (receiver, inbox, worker, crash safety)."""

from __future__ import annotations

import base64
import secrets
import struct
from collections import Counter
from collections.abc import Awaitable, Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from callbacks.registry import HandlerContext, HandlerRegistry
from tests.conftest import TEST_AES_KEY, postgres_admin_url
from wecom_app.protocol.crypto import CallbackCrypto, decode_aes_key, pkcs7_pad
from wecom_app.protocol.events import Event

ON_POSTGRES = postgres_admin_url() is not None


def frame(message: bytes, receive_id: str, prefix: bytes | None = None) -> bytes:
    """WeCom's plaintext layout: ``random(16) || uint32_be(len) || message || receive_id``."""
    head = secrets.token_bytes(16) if prefix is None else prefix
    return head + struct.pack(">I", len(message)) + message + receive_id.encode()


def raw_encrypt(plain: bytes, aes_key: str = TEST_AES_KEY) -> str:
    """AES-256-CBC of ``plain`` exactly as given (no padding added), base64."""
    key = decode_aes_key(aes_key)
    assert len(plain) % 16 == 0, "raw AES needs whole blocks"
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def encrypt_framed(message: bytes, receive_id: str, aes_key: str = TEST_AES_KEY) -> str:
    """A correct WeCom ciphertext built independently of ``CallbackCrypto.encrypt``."""
    return raw_encrypt(pkcs7_pad(frame(message, receive_id)), aes_key)


def signed_query(crypto: CallbackCrypto, encrypt: str, timestamp: int) -> dict[str, str]:
    nonce = str(secrets.randbelow(10**10))
    ts = str(timestamp)
    return {"msg_signature": crypto.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}


class CountingRegistry:
    """A handler registry whose handlers count how often each event was applied."""

    def __init__(self) -> None:
        self.registry = HandlerRegistry()
        self.calls: Counter[str] = Counter()

    def on(
        self,
        name: str,
        change_type: str | None = None,
        effect: Callable[[HandlerContext, Event], Awaitable[None]] | None = None,
        key_field: str = "UserID",
        transactional: bool = True,
    ) -> None:
        async def handler(ctx: HandlerContext, event: Event) -> None:
            value = event.fields.get(key_field)
            self.calls[value if isinstance(value, str) else ""] += 1
            if effect is not None:
                await effect(ctx, event)

        self.registry.on(name, change_type, transactional=transactional)(handler)
