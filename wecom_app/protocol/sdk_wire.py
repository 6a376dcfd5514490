"""The simulated Finance SDK on the wire: what the simulator serves and its source reads.

WeCom's DecryptData algorithm is not public (wecom-protocol.md §6), so the simulator
encrypts message bodies with a scheme of its own. Both sides need it — the simulator
(:mod:`wecom_app.simulator.archive`) to seal, the archive's simulator source
(:mod:`wecom_app.archive.sim_source`) to open, as the real SDK does locally — and the
simulator plays WeCom, which knows nothing of our product, so the scheme lives here,
in the protocol, beside WeCom's own limits:

* the per-message **random key** is an ASCII string (the simulator uses 32 URL-safe
  characters); like WeCom's it travels RSA-encrypted (PKCS#1 v1.5) under the org's
  public key of version ``publickey_ver`` — that half is WeCom's real protocol
  (:func:`wecom_app.protocol.archive.decrypt_random_key`);
* the **body key** is ``SHA-256(SCHEME_INFO ‖ 0x00 ‖ random_key)`` (scheme 2; the
  random key is already uniformly random, so one hash is a sound derivation, and at
  about a microsecond it keeps the stand-in for the SDK's native ``DecryptData`` as
  cheap as native code would be). Scheme 1 derived it with
  ``HKDF-SHA256(ikm=random_key, salt=b"", info=SCHEME_INFO, 32)``, several times
  dearer in Python; records sealed that way still open;
* ``encrypt_chat_msg = base64(scheme ‖ nonce(12) ‖ AES-256-GCM(body key, nonce,
  plaintext, aad=SCHEME_INFO))``; the leading byte is the scheme version.

The endpoints are ``POST /finance/chatdata`` (GetChatData) and ``POST /finance/mediadata``
(GetMediaData, one chunk per call, its index buffer and end flag in headers). Nothing
here does I/O.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wecom_app.protocol.archive.chatdata import MAX_CHATDATA_LIMIT

SCHEME_INFO: Final = b"wecom-app simulator chat archive v1"
SCHEME_VERSION: Final = 2
HKDF_SCHEME: Final = 1
NONCE_BYTES: Final = 12

CHATDATA_PATH: Final = "/finance/chatdata"
MEDIADATA_PATH: Final = "/finance/mediadata"
INDEX_HEADER: Final = "X-Outindexbuf"
FINISH_HEADER: Final = "X-Is-Finish"

MAX_FETCH_LIMIT: Final = MAX_CHATDATA_LIMIT
"""GetChatData answers at most this many records per call."""
MAX_MEDIA_CHUNK: Final = 512 * 1024
"""GetMediaData returns at most 512 KB per call."""


def body_key(random_key: bytes, scheme: int = SCHEME_VERSION) -> bytes:
    """The AES-256 key of a message body, derived from its random key."""
    if scheme == HKDF_SCHEME:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=SCHEME_INFO)
        return hkdf.derive(random_key)
    return hashlib.sha256(SCHEME_INFO + b"\0" + random_key).digest()


def seal_chat_msg(
    random_key: bytes,
    plaintext: bytes,
    *,
    nonce: bytes | None = None,
    scheme: int = SCHEME_VERSION,
) -> str:
    """Encrypt a message body the way the simulator does (see the module docstring)."""
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    sealed = AESGCM(body_key(random_key, scheme)).encrypt(nonce, plaintext, SCHEME_INFO)
    return base64.b64encode(bytes([scheme]) + nonce + sealed).decode("ascii")
