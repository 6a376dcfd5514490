"""Archive private keys and the archive secret of a tenant, sealed at rest.

The admin uploads one RSA key pair's public half to WeCom per ``publickey_ver`` and
gives us the private half. Old messages keep needing old keys, so every version is
kept. A key is checked when it is added (:func:`~wecom_app.protocol.archive.keys.load_private_key`:
PEM, RSA, ≥ 2048 bits), stored as unencrypted PKCS#8 PEM sealed with ``SECRET_KEY``
(purpose ``archive.private_key``), and known by the sha256 of its public key (DER), the
fingerprint shown to admins and used to cache loaded keys in decoder processes.

A database dump therefore holds neither a private key nor the archive secret in
plaintext.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wecom_app.protocol.archive.errors import PrivateKeyError
from wecom_app.protocol.archive.keys import load_private_key
from wecom_app.secretbox import SecretBox
from wecom_app.store.archive import ArchiveKey, ArchiveSettings
from wecom_app.store.models import Corp

KEY_PURPOSE = "archive.private_key"
SECRET_PURPOSE = "archive.secret"  # noqa: S105 - a purpose label, not a secret
MAX_VERSION = 2**31 - 1  # the column is an INT


class KeyConflict(Exception):
    """A different key is already stored for this version (pass ``replace=True``)."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: never the key itself."""

    version: int
    fingerprint: str
    bits: int
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """A version's private key as decoders need it: PEM plus its fingerprint.

    ``repr`` hides the PEM so the key cannot end up in a log line by accident.
    """

    version: int
    fingerprint: str
    pem: str

    def __repr__(self) -> str:
        return f"KeyMaterial(version={self.version}, fingerprint={self.fingerprint[:16]}…)"


def fingerprint(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """sha256 (hex) of the public key in DER SubjectPublicKeyInfo form."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _pkcs8(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


async def add_key(
    corp: Corp,
    version: int,
    pem: str | bytes,
    box: SecretBox,
    *,
    password: bytes | None = None,
    replace: bool = False,
) -> KeyInfo:
    """Check, seal and store the private key of ``version``.

    Adding the same key again changes nothing; a different key for a version that has
    one raises :class:`KeyConflict` unless ``replace`` (the admin uploaded the wrong key
    the first time). Raises :class:`~wecom_app.protocol.archive.errors.PrivateKeyError` with a
    message an admin can act on when the key is unusable.
    """
    if not 0 <= version <= MAX_VERSION:
        raise PrivateKeyError(f"publickey_ver must be 0..{MAX_VERSION}, got {version}")
    key = load_private_key(pem, password)
    fp = fingerprint(key)
    sealed = box.seal(_pkcs8(key), KEY_PURPOSE)
    existing = await ArchiveKey.filter(corp_id=corp.pk, version=version).first()
    if existing is not None:
        if existing.fingerprint == fp:
            return _info(existing, key.key_size)
        if not replace:
            raise KeyConflict(
                f"publickey_ver {version} already has the key {existing.fingerprint[:16]}…; "
                "replace it explicitly if that one was wrong"
            )
        existing.private_key_sealed = sealed
        existing.fingerprint = fp
        await existing.save(update_fields=["private_key_sealed", "fingerprint"])
        return _info(existing, key.key_size)
    row = await ArchiveKey.create(
        corp_id=corp.pk, version=version, private_key_sealed=sealed, fingerprint=fp
    )
    return _info(row, key.key_size)


def _info(row: ArchiveKey, bits: int) -> KeyInfo:
    return KeyInfo(row.version, row.fingerprint, bits, row.created_at)


async def list_keys(corp: Corp, box: SecretBox) -> list[KeyInfo]:
    """Every stored version, oldest first, with fingerprint and size (opened to tell)."""
    out = []
    for row in await ArchiveKey.filter(corp_id=corp.pk).order_by("version"):
        pem = box.open(row.private_key_sealed, KEY_PURPOSE)
        bits = load_private_key(pem).key_size
        out.append(_info(row, bits))
    return out


async def key_versions(corp_pk: int) -> set[int]:
    """The versions we hold a key for (no decryption needed)."""
    rows = await ArchiveKey.filter(corp_id=corp_pk).values("version")
    return {int(r["version"]) for r in rows}


async def load_key_material(corp_pk: int, box: SecretBox) -> dict[int, KeyMaterial]:
    """Every version's key, opened, for a decoder (which loads each fingerprint once)."""
    out: dict[int, KeyMaterial] = {}
    for row in await ArchiveKey.filter(corp_id=corp_pk).order_by("version"):
        out[row.version] = KeyMaterial(
            row.version, row.fingerprint, box.open(row.private_key_sealed, KEY_PURPOSE)
        )
    return out


async def set_archive_secret(
    corp: Corp, secret: str, box: SecretBox, *, enabled: bool = True
) -> ArchiveSettings:
    """Store the org's archive secret (会话内容存档 Secret), sealed, and enable pulling."""
    if not secret or not secret.isprintable() or len(secret) > 256:
        raise ValueError("the archive secret is empty or not a WeCom secret")
    settings, _ = await ArchiveSettings.get_or_create(corp_id=corp.pk)
    settings.secret_sealed = box.seal(secret, SECRET_PURPOSE)
    settings.enabled = enabled
    await settings.save()
    return settings


async def archive_secret(corp_pk: int, box: SecretBox) -> str:
    """The org's archive secret ("" when none is configured)."""
    settings = await ArchiveSettings.filter(corp_id=corp_pk).first()
    if settings is None:
        return ""
    return box.open(settings.secret_sealed, SECRET_PURPOSE)
