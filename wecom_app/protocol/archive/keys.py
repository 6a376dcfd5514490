"""Archive RSA private keys: loading and checking them, and each record's random key."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom_app.protocol.archive.errors import BadRandomKey, MissingKeyVersion, PrivateKeyError

MIN_RSA_BITS: Final = 2048
"""WeCom's archive keys are RSA-2048; anything weaker is refused, not just warned about."""

# With OpenSSL's implicit rejection (3.2+), PKCS#1 v1.5 decryption under the *wrong*
# key does not fail: it returns pseudo-random bytes. DecryptData takes the random key as
# a C string, so a real one is text; we accept printable ASCII of a sane length and call
# anything else a bad key. ❓ WeCom does not document the exact shape, hence constants.
RANDOM_KEY_MIN_LEN: Final = 8
RANDOM_KEY_MAX_LEN: Final = 245  # the most PKCS#1 v1.5 can carry under a 2048-bit key


def load_private_key(pem: bytes | str, password: bytes | None = None) -> rsa.RSAPrivateKey:
    """Load and check an archive private key (PKCS#1 or PKCS#8 PEM, RSA ≥ 2048 bits).

    Every way this can go wrong gets its own message, because an admin pastes this
    key into a form and needs to know what to fix.
    """
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    data = data.strip()
    if not data:
        raise PrivateKeyError("the private key is empty")
    if b"-----BEGIN" not in data:
        raise PrivateKeyError("the private key is not PEM (expected -----BEGIN ... KEY-----)")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise PrivateKeyError(
            "this is a public key; paste the private key that belongs to the public key "
            "uploaded to WeCom"
        )
    if b"BEGIN OPENSSH PRIVATE KEY" in data:
        raise PrivateKeyError(
            "OpenSSH key format is not supported; convert it to PEM "
            "(ssh-keygen -p -m PEM -f KEY) or generate with openssl genrsa 2048"
        )
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        # cryptography raises TypeError both for a missing and for a superfluous password.
        if password is None:
            raise PrivateKeyError("the private key is encrypted; a password is needed") from exc
        raise PrivateKeyError("the private key is not encrypted; give no password") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise PrivateKeyError(
            "the private key could not be read (damaged PEM or wrong password)"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PrivateKeyError(
            f"the key is {type(key).__name__.removeprefix('_')}, but WeCom archive keys are RSA"
        )
    if key.key_size < MIN_RSA_BITS:
        raise PrivateKeyError(
            f"the RSA key has {key.key_size} bits; WeCom archive keys need at least {MIN_RSA_BITS}"
        )
    return key


def load_private_keys(pems: Mapping[int, bytes | str]) -> dict[int, rsa.RSAPrivateKey]:
    """Load one key per ``publickey_ver``; an error names the version it is about."""
    keys: dict[int, rsa.RSAPrivateKey] = {}
    for version, pem in pems.items():
        try:
            keys[version] = load_private_key(pem)
        except PrivateKeyError as exc:
            raise PrivateKeyError(f"publickey_ver {version}: {exc}") from exc
    return keys


def public_key_pem(key: rsa.RSAPrivateKey) -> str:
    """The public half as PEM (SubjectPublicKeyInfo), for the admin to upload to WeCom."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# printable ASCII without space, the whole key (a per-byte Python loop cost 3 µs)
_RANDOM_KEY_BYTES: Final = re.compile(rb"[\x21-\x7e]+")


def _plausible_random_key(key: bytes) -> bool:
    return (
        RANDOM_KEY_MIN_LEN <= len(key) <= RANDOM_KEY_MAX_LEN
        and _RANDOM_KEY_BYTES.fullmatch(key) is not None
    )


def decrypt_random_key(
    private_keys: Mapping[int, rsa.RSAPrivateKey],
    publickey_ver: int,
    encrypt_random_key_b64: str,
) -> bytes:
    """RSA-decrypt ``encrypt_random_key`` (PKCS#1 v1.5) with the key of its version.

    Raises :class:`MissingKeyVersion` when no key of that version is known (the message
    must be parked, not dropped) and :class:`BadRandomKey` for anything else.
    """
    key = private_keys.get(publickey_ver)
    if key is None:
        raise MissingKeyVersion(publickey_ver, private_keys.keys())
    compact = "".join(encrypt_random_key_b64.split())  # tolerate wrapped base64
    try:
        ciphertext = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRandomKey("encrypt_random_key is not base64") from exc
    if len(ciphertext) != key.key_size // 8:
        raise BadRandomKey(
            f"encrypt_random_key is {len(ciphertext)} bytes, the key of publickey_ver "
            f"{publickey_ver} needs {key.key_size // 8}: wrong key for this version?"
        )
    try:
        plain = key.decrypt(ciphertext, padding.PKCS1v15())
    except ValueError as exc:
        raise BadRandomKey(
            f"encrypt_random_key does not decrypt under publickey_ver {publickey_ver}"
        ) from exc
    if not _plausible_random_key(plain):
        raise BadRandomKey(
            f"encrypt_random_key does not decrypt under publickey_ver {publickey_ver} "
            "(result is not a key): wrong private key for this version?"
        )
    return plain
