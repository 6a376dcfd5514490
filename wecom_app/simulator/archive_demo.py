"""The chat archive in ``wecom-app demo``: a generated archive, pulled like a real one.

:func:`enable_demo_archive` gives the demo org a chat archive in the simulator (a few
thousand realistic Chinese messages of every type, two key versions as if the admin
rotated keys), configures the tenant the way an admin would (archive secret, private
keys), then runs the product's own pull and media download against the simulator's
``/finance/*`` endpoints, and says what came in. The demo needs ``ARCHIVE_SOURCE=simulator``
(the simulator is mounted at ``WECOM_API_BASE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization

from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.archive.runtime import runtime_for
from wecom_app.archive.status import archive_status
from wecom_app.simulator.archive import archive_of
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.store.models import Corp

if TYPE_CHECKING:
    from wecom_app.services import Services
    from wecom_app.simulator.simulator import Simulator

DEMO_ARCHIVE_MESSAGES = 3000
DEMO_ARCHIVE_SEED = 2024


@dataclass(frozen=True)
class DemoArchive:
    messages: int
    stored: int
    parked: int
    failed: int
    media_done: int


async def enable_demo_archive(
    services: Services,
    sim: Simulator,
    corp: Corp,
    *,
    messages: int = DEMO_ARCHIVE_MESSAGES,
    say: Callable[[str], None] = print,
) -> DemoArchive:
    """Create the demo org's archive in ``sim``, configure ``corp`` for it and pull it."""
    # A stable secret per org, so a rerun of the demo finds its tenant configured alike.
    secret = hashlib.sha256(f"demo-archive:{corp.corp_id}".encode()).hexdigest()[:32]
    archive = archive_of(sim)
    org = archive.orgs.get(corp.corp_id)
    if org is None:
        org = archive.add_org(corp.corp_id, secret)
        org.add_key(2)
        generate_archive(DEMO_ARCHIVE_SEED, messages, corp_id=corp.corp_id).load_into(
            org, key_versions=[1, 2]
        )
    await set_archive_secret(corp, secret, services.secrets)
    for version, key in org.private_keys.items():
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # A new simulator makes new keys; they replace those of an earlier demo run.
        await add_key(corp, version, pem, services.secrets, replace=True)
    runtime = runtime_for(services)
    say(f"chat archive: pulling {len(org)} archived messages (RSA + decrypt + index)…")
    report = await runtime.pull(corp)
    media = await runtime.download_media(corp, limit=10_000)
    status = await archive_status(corp.pk)
    say(
        f"chat archive: {report.ok} messages stored in {report.elapsed_s:.1f} s "
        f"({report.parked} parked, {report.failed} failed), "
        f"{media.done if media else 0} media files downloaded; cursor seq {status.cursor_seq}"
    )
    return DemoArchive(
        messages=len(org),
        stored=report.ok,
        parked=report.parked,
        failed=report.failed,
        media_done=media.done if media else 0,
    )
