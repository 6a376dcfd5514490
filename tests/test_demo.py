"""``wecom-app demo`` end to end on a fresh directory: the simulator served on its own
port, the suite installed through the real flow, the org synced, live callbacks applied.

The demo runs in its own process, as on a fresh machine (no configuration, an empty
working directory), and the database it leaves is read with plain ``sqlite3``: the
demo's ORM set-up stays out of this test process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wecom_app.demo.archive import DEMO_ARCHIVE_MESSAGES, DEMO_ARCHIVE_SEED
from wecom_app.demo.run import DEMO_CORP_ID, demo_org
from wecom_app.simulator.archive_gen import generate_archive

REPO = Path(__file__).resolve().parents[1]
RUN_DEMO = (
    "import asyncio, sys; from wecom_app.demo.run import run_demo; "
    "sys.exit(asyncio.run(run_demo('127.0.0.1', 0, serve_forever=False)))"
)


@pytest.mark.slow
def test_demo_runs_end_to_end_on_a_fresh_machine(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DATA_DIR")
        and not k.startswith("WECOM_")
    }
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", RUN_DEMO],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout
    assert "/console/" in output
    for path in ("/console/compliance/", "/sidebar/preview", "/metrics", "/readyz"):
        assert f"{path} " in output, path
    assert "permanent code exchanged (1 call)" in output, output
    assert "timeline of" in output
    assert "3000 messages stored" in output  # the chat archive, pulled like a real one
    # The archive end to end: the permit list through msgaudit with the archive secret's
    # token, every media file of the log downloaded — whichever of the demo and the
    # app's scheduled jobs (running meanwhile) got to it first.
    log = generate_archive(DEMO_ARCHIVE_SEED, DEMO_ARCHIVE_MESSAGES, corp_id=DEMO_CORP_ID)
    media = len({fileid for message in log.messages for fileid, _ in message.media})
    assert media > 0
    assert f"{len(log.employees)} employees with archiving enabled" in output, output
    assert f"{media} media files downloaded" in output, output
    assert "InvalidCredential" not in done.stderr, done.stderr
    archive_failures = [
        line for line in done.stderr.splitlines() if "archive" in line and "failed" in line
    ]
    assert archive_failures == [], done.stderr

    org = demo_org()
    database = sqlite3.connect(tmp_path / "data" / "wecom.sqlite3")
    try:

        def one(sql: str, *args: object) -> tuple[object, ...]:
            row = database.execute(sql, args).fetchone()
            assert row is not None, sql
            return tuple(row)

        corp_pk, mode, status, sealed = one(
            "SELECT id, mode, status, permanent_code_sealed FROM corps WHERE corp_id = ?",
            DEMO_CORP_ID,
        )
        assert (mode, status) == ("suite", "active")
        assert str(sealed).startswith("v1:")
        assert one("SELECT COUNT(*) FROM console_roles WHERE corp_id = ?", corp_pk) == (1,)
        assert one("SELECT status FROM auth_exchanges WHERE corp_id = ?", DEMO_CORP_ID) == ("done",)
        assert one("SELECT status FROM sync_runs WHERE corp_id = ? ORDER BY id", corp_pk) == (
            "done",
        )
        # The seeded org arrived whole, plus the live new customer.
        customers = one("SELECT COUNT(*) FROM customers WHERE corp_id = ?", corp_pk)
        assert customers == (len(org.customers) + 1,)
        chats = one("SELECT COUNT(*) FROM group_chats WHERE corp_id = ?", corp_pk)
        assert chats == (len(org.group_chats),)
        relations = sum(len(by) for by in org.follows_by_user.values())
        stored = one("SELECT COUNT(*) FROM follow_relations WHERE corp_id = ?", corp_pk)
        assert stored == (relations + 1,)
        ended = one(
            "SELECT COUNT(*) FROM follow_relations WHERE corp_id = ? AND status = ?",
            corp_pk,
            "deleted_by_employee",
        )
        assert ended == (1,)
        for kind in ("added", "deleted_by_employee", "tags_changed", "joined_group"):
            count = one(
                "SELECT COUNT(*) FROM timeline_events WHERE corp_id = ? AND kind = ?",
                corp_pk,
                kind,
            )
            assert count != (0,), kind
        statuses = {row[0] for row in database.execute("SELECT DISTINCT status FROM inbox")}
        assert statuses == {"done"}
        assert one("SELECT COUNT(*) FROM archive_permit_users WHERE corp_id = ?", corp_pk) == (
            len(log.employees),
        )
        by_status = dict(
            database.execute(
                "SELECT status, COUNT(*) FROM archive_media WHERE corp_id = ? GROUP BY status",
                (corp_pk,),
            ).fetchall()
        )
        assert by_status == {"done": media}
    finally:
        database.close()
