"""The chat archive in ``wecom-app demo``: a generated archive, pulled like a real one.

:func:`enable_demo_archive` gives the demo org a chat archive in the simulator (a few
thousand realistic Chinese messages of every type, two key versions as if the admin
rotated keys), configures the tenant the way an admin would (private keys, archive
secret), then runs the product's own permit-list sync, pull and media download against
the simulator (``/cgi-bin/msgaudit/*`` with the archive secret's token, ``/finance/*``),
and says what came in. The demo needs ``ARCHIVE_SOURCE=simulator`` (the simulator is
mounted at ``WECOM_API_BASE``).

The app's scheduler runs too: once the tenant is enabled, its archive jobs (pull every
minute, media every 15 s, their first runs seconds after start-up) may take a tenant's
pull or media lease while the demo wants it. So the demo configures the keys before the
secret (a scheduled pull never sees the archive without its keys), waits for a lease
another worker holds instead of taking "someone else is on it" for "nothing to do", and
reports what the database holds — whoever did the work, and on a rerun too.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives import serialization

from wecom_app.archive.consent import permit_users
from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.archive.runtime import ArchiveRuntime, runtime_for
from wecom_app.archive.status import archive_status
from wecom_app.simulator.archive import archive_of
from wecom_app.simulator.archive_corpus import CST
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.simulator.archive_log import GeneratedArchive
from wecom_app.simulator.world import archive_cast
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.models import Corp

if TYPE_CHECKING:
    from wecom_app.services import Services
    from wecom_app.simulator.simulator import Simulator

DEMO_ARCHIVE_MESSAGES = 3000
DEMO_ARCHIVE_SEED = 2024
DEMO_ARCHIVE_DAYS = 42
DEMO_ARCHIVE_TIMEOUT_S: Final = 60.0
_WAIT_S: Final = 0.1  # between looks while another worker holds a lease


@dataclass(frozen=True)
class DemoArchive:
    messages: int  # in the simulator's log
    stored: int  # decoded in our database (status ok)
    parked: int
    failed: int
    media_done: int
    permitted: int  # employees with archiving enabled, mirrored
    cursor_seq: int


def generate_demo_archive(sim: Simulator, corp_id: str, messages: int) -> GeneratedArchive:
    """The archive of the demo org itself: its employees, customers and group chats,
    spread over the last weeks (08:00–22:00 China time), ending days before today."""
    today = datetime.fromtimestamp(sim.clock(), CST).replace(hour=8, minute=0, second=0)
    return generate_archive(
        DEMO_ARCHIVE_SEED,
        messages,
        corp_id=corp_id,
        cast=archive_cast(sim.org(corp_id)),
        start=today.replace(microsecond=0) - timedelta(days=DEMO_ARCHIVE_DAYS - 2),
        span_days=DEMO_ARCHIVE_DAYS,
    )


def demo_secret(corp_id: str) -> str:
    """A stable archive secret per org, so a rerun finds its tenant configured alike."""
    return hashlib.sha256(f"demo-archive:{corp_id}".encode()).hexdigest()[:32]


async def enable_demo_archive(
    services: Services,
    sim: Simulator,
    corp: Corp,
    *,
    messages: int = DEMO_ARCHIVE_MESSAGES,
    say: Callable[[str], None] = print,
    timeout_s: float = DEMO_ARCHIVE_TIMEOUT_S,
) -> DemoArchive:
    """Create the demo org's archive in ``sim``, configure ``corp`` for it and pull it."""
    secret = demo_secret(corp.corp_id)
    archive = archive_of(sim)
    org = archive.orgs.get(corp.corp_id)
    if org is None:
        org = archive.add_org(corp.corp_id, secret)
        org.add_key(2)
        generate_demo_archive(sim, corp.corp_id, messages).load_into(org, key_versions=[1, 2])
    # Keys first: storing the secret enables the tenant for the scheduler's jobs.
    for version, key in org.private_keys.items():
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # A new simulator makes new keys; they replace those of an earlier demo run.
        await add_key(corp, version, pem, services.secrets, replace=True)
    await set_archive_secret(corp, secret, services.secrets)
    runtime = runtime_for(services)
    deadline = time.monotonic() + timeout_s

    await runtime.sync_permit_users(corp)  # msgaudit, with the archive secret's token
    permitted = len(await permit_users(corp.pk))
    say(f"chat archive: {permitted} employees with archiving enabled (get_permit_user_list)")

    say(f"chat archive: pulling {len(org)} archived messages (RSA + decrypt + index)…")
    started = time.monotonic()
    await _pull_to(runtime, corp, org.last_seq, deadline, say)
    elapsed = time.monotonic() - started
    await _download_media(runtime, corp, deadline, say)

    status = await archive_status(corp.pk)
    result = DemoArchive(
        messages=len(org),
        stored=status.messages.get("ok", 0),
        parked=status.messages.get("parked", 0),
        failed=status.messages.get("failed", 0),
        media_done=status.media.get("done", 0),
        permitted=permitted,
        cursor_seq=status.cursor_seq,
    )
    say(
        f"chat archive: {result.stored} messages stored in {elapsed:.1f} s "
        f"({result.parked} parked, {result.failed} failed), "
        f"{result.media_done} media files downloaded; cursor seq {result.cursor_seq}"
    )
    return result


async def _pull_to(
    runtime: ArchiveRuntime,
    corp: Corp,
    last_seq: int,
    deadline: float,
    say: Callable[[str], None],
) -> None:
    """Pull until the cursor reaches ``last_seq``; a pull the scheduler holds is waited
    for (``runtime.pull`` answers ``skipped`` then), not taken for the end."""
    while True:
        report = await runtime.pull(corp)
        if report.error:
            say(f"chat archive: the pull stopped: {report.error}")
            return
        if (await archive_status(corp.pk)).cursor_seq >= last_seq:
            return
        if time.monotonic() > deadline:
            say("chat archive: gave up waiting for the pull")
            return
        if report.skipped:
            await asyncio.sleep(_WAIT_S)


async def _download_media(
    runtime: ArchiveRuntime, corp: Corp, deadline: float, say: Callable[[str], None]
) -> None:
    """Work the media queue until nothing is due; while the scheduler's media job holds
    the queue (``download_media`` answers ``None``), wait for it."""
    while True:
        due = await ArchiveMedia.filter(
            corp_id=corp.pk,
            status__in=("pending", "downloading"),
            next_attempt_at__lte=time.time(),
        ).count()
        if not due:
            return  # files backing off after an error are the media job's
        if time.monotonic() > deadline:
            say(f"chat archive: gave up waiting for {due} media files")
            return
        report = await runtime.download_media(corp, limit=10_000)
        if report is None:
            await asyncio.sleep(_WAIT_S)
        elif report.stopped:
            say(f"chat archive: media download stopped: {report.stopped}")
            return
