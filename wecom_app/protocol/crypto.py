"""WeCom callback crypto (WXBizMsgCrypt), Doc 91144.

* ``msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypt])))``
* ``AESKey = b64decode(EncodingAESKey + "=")``; AES-256-CBC with ``IV = AESKey[:16]``
  and PKCS#7 padding to a multiple of 32 bytes.
* plaintext = ``random(16) || uint32_be(len(msg)) || msg || receive_id``.

Built on wechatpy's AES-CBC cipher (``wechatpy.crypto.base.WeChatCipher``), with what
wechatpy gets wrong fixed here: signatures are compared in constant time, padding is
validated strictly (wechatpy silently returns ``b""`` for an invalid pad), so is the
base64 (alphabet and canonical padding only, checked in C by ``binascii``), and the
receive id is returned to the caller, because which receive ids are acceptable depends
on the callback kind (self-built, suite command, suite data) and is not ours to decide
here. Nothing in this module does I/O or reads a clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from wechatpy.crypto.base import WeChatCipher

from wecom_app.protocol.errors import (
    AesKeyError,
    Base64Error,
    DecryptError,
    SignatureError,
)

_BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16.


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """The SHA-1 signature WeCom puts in ``msg_signature``."""
    parts = sorted((token, timestamp, nonce, encrypt))
    return hashlib.sha1("".join(parts).encode(), usedforsecurity=False).hexdigest()


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Turn the 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise AesKeyError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AesKeyError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise AesKeyError("EncodingAESKey must decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes) -> bytes:
    pad = _BLOCK - len(data) % _BLOCK
    return data + bytes([pad]) * pad


def pkcs7_unpad(data: bytes) -> bytes:
    if not data:
        raise DecryptError("empty plaintext")
    pad = data[-1]
    if pad < 1 or pad > _BLOCK or pad > len(data) or data[-pad:] != bytes([pad]) * pad:
        raise DecryptError("bad padding")
    return data[:-pad]


@dataclass(frozen=True, slots=True)
class Decrypted:
    """A decrypted payload and the receive id WeCom appended to it."""

    message: bytes
    receive_id: str


class CallbackCrypto:
    """Signs, verifies, encrypts and decrypts one callback endpoint's payloads.

    ``receive_id`` is what :meth:`encrypt` appends; :meth:`decrypt` reports the receive
    id it finds and leaves the decision to the caller.
    """

    __slots__ = ("_cipher", "_key", "receive_id", "token")

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str = "") -> None:
        self.token = token
        self._key = decode_aes_key(encoding_aes_key)
        self._cipher = WeChatCipher(self._key, self._key[:16])
        self.receive_id = receive_id

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise :class:`SignatureError` unless the signature matches (constant time)."""
        expected = self.sign(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode("utf-8", "replace")):
            raise SignatureError()

    def decrypt(self, encrypt: str) -> Decrypted:
        try:
            # Strict: only the base64 alphabet, canonical padding (what WeCom sends);
            # a2b_base64 checks that in C, where b64decode(validate=True) runs a regex.
            raw = binascii.a2b_base64(encrypt, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise Base64Error() from exc
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext is not a whole number of AES blocks")
        plain = pkcs7_unpad(self._cipher.decrypt(raw))
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        length = int.from_bytes(plain[16:20], "big")
        if 20 + length > len(plain):
            raise DecryptError("message length exceeds plaintext")
        try:
            receive_id = plain[20 + length :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptError("receive id is not UTF-8") from exc
        return Decrypted(message=plain[20 : 20 + length], receive_id=receive_id)

    def encrypt(self, message: bytes, *, random_prefix: bytes | None = None) -> str:
        prefix = os.urandom(16) if random_prefix is None else random_prefix
        if len(prefix) != 16:
            raise ValueError("random_prefix must be 16 bytes")
        plain = prefix + struct.pack(">I", len(message)) + message + self.receive_id.encode()
        return base64.b64encode(self._cipher.encrypt(pkcs7_pad(plain))).decode()

    def encrypted_reply(self, message: bytes, timestamp: str, nonce: str) -> str:
        """An encrypted passive reply: ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/>``."""
        encrypt = self.encrypt(message)
        sig = self.sign(timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp>"
            f"<Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )

    @staticmethod
    def callback_body(encrypt: str, *, to_user: str = "", agent_id: str = "") -> str:
        """A POST body as WeCom sends it: ``<xml><ToUserName/><Encrypt/><AgentID/></xml>``."""
        return (
            f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<AgentID><![CDATA[{agent_id}]]></AgentID></xml>"
        )
