"""Archive private keys and secret: checked on upload, sealed at rest, per version;
and the ``wecom-app archive`` commands an operator uses, run as a real process."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import SECRET_KEY, _pg_admin, _with_database, postgres_admin_url
from tests.support.archive import HttpArchive, generated, pem, rsa_key, seal_all
from wecom_app.archive.keys import (
    KEY_PURPOSE,
    KeyConflict,
    add_key,
    archive_secret,
    fingerprint,
    key_versions,
    list_keys,
    load_key_material,
    set_archive_secret,
)
from wecom_app.protocol.archive.errors import PrivateKeyError
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.archive import SimArchive
from wecom_app.store.archive import ArchiveKey, ArchiveSettings
from wecom_app.store.db import db
from wecom_app.store.models import Corp

REPO = Path(__file__).resolve().parents[2]
BOX = SecretBox(SECRET_KEY)


@pytest.fixture
async def corp(database: str) -> Corp:
    return await Corp.create(corp_id="wwkeycorp0000001", mode="self_built")


async def _dump() -> str:
    """Everything the archive tables hold, as a database dump would show it."""
    rows = await db().execute_query_dict("SELECT * FROM archive_keys")
    rows += await db().execute_query_dict("SELECT * FROM archive_settings")
    return json.dumps(rows, default=str)


async def test_keys_are_checked_sealed_and_fingerprinted(corp: Corp) -> None:
    key = rsa_key(1)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    info = await add_key(corp, 1, pem(key), BOX)  # PKCS#1
    expected = hashlib.sha256(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).hexdigest()
    assert info.fingerprint == expected == fingerprint(key)
    assert info.bits == 2048
    assert await add_key(corp, 1, pkcs8, BOX) == info  # the same key again: no change
    await add_key(corp, 3, pem(rsa_key(3)), BOX)

    assert [(k.version, k.fingerprint) for k in await list_keys(corp, BOX)] == [
        (1, expected),
        (3, fingerprint(rsa_key(3))),
    ]
    assert await key_versions(corp.pk) == {1, 3}
    material = await load_key_material(corp.pk, BOX)
    assert "PRIVATE KEY" in material[1].pem
    assert material[1].pem not in repr(material[1])

    dump = await _dump()
    assert "PRIVATE KEY" not in dump
    body = pem(key).decode().splitlines()[5]  # a line of the key itself
    assert body not in dump
    row = await ArchiveKey.get(corp_id=corp.pk, version=1)
    assert row.private_key_sealed.startswith("v1:")
    with pytest.raises(Exception):  # noqa: B017 - bound to its purpose: no other opens it
        BOX.open(row.private_key_sealed, "archive.secret")
    assert "PRIVATE KEY" in BOX.open(row.private_key_sealed, KEY_PURPOSE)


async def test_a_different_key_for_a_version_needs_replace(corp: Corp) -> None:
    await add_key(corp, 2, pem(rsa_key(2)), BOX)
    with pytest.raises(KeyConflict):
        await add_key(corp, 2, pem(rsa_key(4)), BOX)
    info = await add_key(corp, 2, pem(rsa_key(4)), BOX, replace=True)
    assert info.fingerprint == fingerprint(rsa_key(4))
    assert await ArchiveKey.filter(corp_id=corp.pk).count() == 1


async def test_unusable_keys_are_refused_with_a_reason(corp: Corp) -> None:
    public = (
        rsa_key(1)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    curve = ec.generate_private_key(ec.SECP256R1())
    locked = rsa_key(1).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"hunter2"),
    )
    cases: list[tuple[bytes, str]] = [
        (b"", "empty"),
        (b"not a key", "not PEM"),
        (public, "public key"),
        (pem(small), "1024 bits"),
        (
            curve.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "RSA",
        ),
        (locked, "password"),
    ]
    for data, reason in cases:
        with pytest.raises(PrivateKeyError, match=reason):
            await add_key(corp, 7, data, BOX)
    with pytest.raises(PrivateKeyError, match="publickey_ver"):
        await add_key(corp, -1, pem(rsa_key(1)), BOX)
    assert await ArchiveKey.filter(corp_id=corp.pk).count() == 0
    info = await add_key(corp, 7, locked, BOX, password=b"hunter2")
    assert info.fingerprint == fingerprint(rsa_key(1))
    material = await load_key_material(corp.pk, BOX)
    assert "ENCRYPTED" not in material[7].pem  # stored opened, then sealed


async def test_the_archive_secret_is_sealed(corp: Corp) -> None:
    await set_archive_secret(corp, "s3cr3t-archive", BOX, enabled=False)
    assert await archive_secret(corp.pk, BOX) == "s3cr3t-archive"
    settings = await ArchiveSettings.get(corp_id=corp.pk)
    assert settings.enabled is False
    assert "s3cr3t-archive" not in await _dump()
    with pytest.raises(ValueError):
        await set_archive_secret(corp, "", BOX)


# ------------------------------------------------------------ the CLI, as a process


@contextmanager
def _cli_database(tmp_path: Path) -> Iterator[str]:
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite://{tmp_path / 'cli.sqlite3'}"
        return
    name = f"wecom_cli_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin, name)
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Cli:
    CORP = "wwclicorp0000001"

    def __init__(self, tmp_path: Path, database_url: str, archive_url: str) -> None:
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WECOM_", "DATABASE_", "REDIS_", "ARCHIVE_"))
        }
        self.env.update(
            {
                "DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": database_url,
                # One operator command at a time: no Redis needed beside PostgreSQL.
                "SINGLE_PROCESS": "1",
                "SECRET_KEY": SECRET_KEY,
                # The operator's self-built app: the tenant exists once the app starts.
                "WECOM_CORP_ID": self.CORP,
                "WECOM_CORP_SECRET": "app-secret",
                "WECOM_AGENT_ID": "1000002",
                "WECOM_CALLBACK_TOKEN": "token",
                "WECOM_CALLBACK_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
                "ARCHIVE_SOURCE": "simulator",
                "ARCHIVE_SIMULATOR_URL": archive_url,
                "THE_ARCHIVE_SECRET": "cli-archive-secret",
                "LOG_LEVEL": "WARNING",
            }
        )

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "wecom_app.cli", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if ok:
            assert done.returncode == 0, done.stderr[-3000:]
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--corp", self.CORP, "--json").stdout)


@pytest.mark.slow
def test_an_operator_sets_up_and_pulls_the_archive_from_the_command_line(tmp_path: Path) -> None:
    sim = SimArchive()
    org = sim.add_org(Cli.CORP, "cli-archive-secret", {1: rsa_key(1), 2: rsa_key(2)})
    generated(31, 1200).load_into(org, key_versions=[1, 2])
    seal_all(org)
    (tmp_path / "k1.pem").write_bytes(pem(rsa_key(1)))
    (tmp_path / "k2.pem").write_bytes(pem(rsa_key(2)))
    (tmp_path / "bad.pem").write_bytes(
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
    )

    with _cli_database(tmp_path) as database_url, HttpArchive(sim) as server:
        cli = Cli(tmp_path, database_url, server.url)
        if not database_url.startswith("sqlite"):
            cli.run("migrate")
        cli.run("archive", "secret", "--corp", Cli.CORP, "--env", "THE_ARCHIVE_SECRET")
        added = cli.json(
            "archive", "keys", "add", "--version", "1", "--file", str(tmp_path / "k1.pem")
        )
        assert added["fingerprint"] == fingerprint(rsa_key(1))
        refused = cli.run(
            "archive", "keys", "add", "--corp", Cli.CORP, "--version", "9",
            "--file", str(tmp_path / "bad.pem"), ok=False,
        )  # fmt: skip
        assert refused.returncode == 1
        assert "public key" in refused.stderr

        pulled = cli.run(
            "archive", "pull", "--corp", Cli.CORP, "--batch-size", "400", "--workers", "0",
            "--progress-every", "0",
        )  # fmt: skip
        progress = [line for line in pulled.stderr.splitlines() if " stored " in line]
        assert len(progress) == 3  # a line per batch
        assert progress[-1].split()[:2] == ["seq", "1200"]
        assert "1200 messages stored (600 ok, 600 parked, 0 failed)" in pulled.stdout

        status = cli.json("archive", "status")
        assert status["cursor_seq"] == 1200
        assert status["parked_by_version"] == {"2": 600}
        assert status["missing_versions"] == [2]
        assert status["messages"] == {"ok": 600, "parked": 600}

        # Uploading the missing key decodes what waited for it, right away.
        added = cli.json(
            "archive", "keys", "add", "--version", "2", "--file", str(tmp_path / "k2.pem")
        )
        assert added["retried"] == 600
        assert added["decoded"] == 600
        status = cli.json("archive", "status")
        assert status["messages"] == {"ok": 1200}
        assert status["missing_versions"] == []
        assert [k["version"] for k in cli.json("archive", "keys", "list")] == [1, 2]

        media = cli.json("archive", "media", "--limit", "1000")
        assert media["done"] > 0
        assert media["failed"] == 0
        assert cli.json("archive", "status")["media"] == {"done": media["done"]}
