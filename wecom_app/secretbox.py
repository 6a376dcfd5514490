"""Secrets at rest: AES-256-GCM under a key derived from ``SECRET_KEY``.

Permanent codes, corp secrets, callback keys, suite tickets and archive private keys are
stored only as ``v1:<base64(nonce || ciphertext+tag)>``. The *purpose* (e.g.
``"corp.secret"``) is bound as associated data, so a value cannot be moved from one
column to another and still decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "v1:"


class SecretBoxError(Exception):
    """A sealed value could not be opened (wrong key, tampered, or not sealed)."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"wecom-app/secretbox", info=b"v1"
        ).derive(secret_key.encode())
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, purpose: str) -> str:
        if plaintext == "":
            return ""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, purpose: str) -> str:
        if sealed == "":
            return ""
        if not sealed.startswith(_PREFIX):
            raise SecretBoxError("not a sealed value")
        try:
            raw = base64.b64decode(sealed[len(_PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SecretBoxError("cannot open sealed value (wrong SECRET_KEY?)") from exc
