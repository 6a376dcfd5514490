"""``wecom-app demo`` end to end on a fresh directory: the simulator served on its own
port, the suite installed through the real flow, the org synced, live callbacks applied.

The demo runs in its own process, as on a fresh machine (no configuration, an empty
working directory), and the database it leaves is read with plain ``sqlite3``: the
demo's ORM set-up stays out of this test process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wecom_app.demo.run import DEMO_CORP_ID, demo_org

REPO = Path(__file__).resolve().parents[2]
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
    # One company: the sidebar (its profile service) shows most customers' history.
    seen = re.search(r"sidebar: (\d+) of (\d+) sampled customers show chat history, (\d+)", output)
    assert seen is not None, output
    history, sampled, insights = (int(n) for n in seen.groups())
    assert sampled >= 20
    assert history > sampled * 0.7, output
    assert insights > sampled * 0.6, output
    # The archive end to end: the permit list through msgaudit with the archive secret's
    # token, every media file of the log downloaded — whichever of the demo and the
    # app's scheduled jobs (running meanwhile) got to it first.
    # The archive is the demo org's own (its customer-facing employees are archived).
    archived = [e for e in demo_org().employees.values() if e.customer_contact]
    found = re.search(r"(\d+) media files downloaded", output)
    assert found is not None, output
    media = int(found.group(1))
    assert media > 0
    assert f"{len(archived)} employees with archiving enabled" in output, output
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
        # + the live new customer, + a new relation per customer handed over (step 8)
        (moved,) = one(
            "SELECT COUNT(*) FROM transfer_items WHERE corp_id = ? AND kind = 'customer' "
            "AND status = 'done'",
            corp_pk,
        )
        assert stored == (relations + 1 + int(str(moved)),)
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
            len(archived),
        )
        by_status = dict(
            database.execute(
                "SELECT status, COUNT(*) FROM archive_media WHERE corp_id = ? GROUP BY status",
                (corp_pk,),
            ).fetchall()
        )
        assert by_status == {"done": media}
        # One company: most customers have archived 1:1 chats with their own follower.
        with_history = one(
            "SELECT COUNT(DISTINCT m.external_userid) FROM archive_messages m "
            "JOIN follow_relations r ON r.corp_id = m.corp_id "
            "AND r.external_userid = m.external_userid "
            "AND (r.userid = m.sender OR m.sender = m.external_userid) "
            "WHERE m.corp_id = ? AND m.roomid = ''",
            corp_pk,
        )
        assert int(str(with_history[0])) > len(org.customers) * 0.6, with_history
        # The departure story: two leavers, one handed over to its final states.
        left = database.execute(
            "SELECT userid FROM employees WHERE corp_id = ? AND status = 'resigned'", (corp_pk,)
        ).fetchall()
        assert len(left) == 2, left
        plans = database.execute(
            "SELECT handover_userid, status FROM transfer_plans WHERE corp_id = ?", (corp_pk,)
        ).fetchall()
        assert [status for _, status in plans] == ["done"], plans
        # The other leaver still holds customers and a group chat: the departures page's work.
        (waiting,) = [u for (u,) in left if u != plans[0][0]]
        held = one(
            "SELECT COUNT(*) FROM follow_relations WHERE corp_id = ? AND userid = ? "
            "AND status = 'active'",
            corp_pk,
            waiting,
        )
        assert int(str(held[0])) > 10
        owned = one(
            "SELECT COUNT(*) FROM group_chats WHERE corp_id = ? AND owner = ?", corp_pk, waiting
        )
        assert owned != (0,)
        inherited = one(
            "SELECT COUNT(*) FROM customer_transfers WHERE corp_id = ? AND from_userid = ?",
            corp_pk,
            plans[0][0],
        )
        assert int(str(inherited[0])) > 10
        assert "the plan is done: done " in output
        assert ", refused 1" in output
        assert "messages marked as such" in output
    finally:
        database.close()
