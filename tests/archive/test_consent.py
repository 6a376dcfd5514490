"""Consent, the permit list, msgaudit callbacks and the archive's jobs, with the app running.

The app's services talk to the in-process simulator (its ASGI app is WeCom), which also
serves the archive (``/finance/*``) and the msgaudit APIs from the same server.

The org has an app secret and a different archive secret, as in WeCom: the product asks
``gettoken`` for the msgaudit token with the archive secret (cached under its own key),
and the simulator's msgaudit APIs accept no other token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    TEST_CORP_ID,
    FakeClock,
    make_settings,
)
from tests.support.archive import pem, rsa_key, text_message
from tests.support.callbacks import post_event
from tests.support.world import make_sim, running_app
from wecom_app.archive import consent
from wecom_app.archive.keys import add_key, set_archive_secret
from wecom_app.archive.runtime import ArchiveRuntime, runtime_for
from wecom_app.kv import KV
from wecom_app.runtime import Runtime
from wecom_app.services import Services
from wecom_app.simulator.archive import ArchiveRoom, OrgArchive, archive_of
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.simulator.callbacks import self_built_event
from wecom_app.simulator.simulator import Simulator
from wecom_app.store.archive import (
    ArchiveConsent,
    ArchiveCursor,
    ArchiveMedia,
    ArchiveMessage,
    ArchivePermitUser,
)
from wecom_app.store.models import Corp, InboxEvent
from wecom_app.wecom import WeComError

APP_SECRET = "corp-secret-for-tests"  # make_settings' WECOM_CORP_SECRET
ARCHIVE_SECRET = "archive-secret-for-tests"  # 会话内容存档's own Secret


@dataclass
class Env:
    sim: Simulator
    archive: OrgArchive
    services: Services
    http: httpx.AsyncClient
    corp: Corp
    clock: FakeClock
    root: Runtime  # the process around the services: callback spine, jobs

    @property
    def runtime(self) -> ArchiveRuntime:
        return runtime_for(self.services)

    def archive_org(self) -> OrgArchive:
        """The simulator's archive of the tenant now (the demo replaces ``archive``)."""
        return archive_of(self.sim).orgs[TEST_CORP_ID]

    async def callback(self, fields: dict[str, Any]) -> None:
        response = await post_event(self.http, fields, self.clock)
        assert response.text == ""
        assert self.root.worker is not None
        await self.root.worker.drain()


async def _no_index(corp_pk: int, messages: Any) -> None:
    return None


@pytest.fixture
async def env(tmp_path: Path, database: str, kv: KV, clock: FakeClock) -> AsyncIterator[Env]:
    sim, _, _ = make_sim(clock, seed=5, customers=30, employees=6)
    archive = archive_of(sim).add_org(TEST_CORP_ID, ARCHIVE_SECRET, {1: rsa_key(1), 2: rsa_key(2)})
    settings = make_settings(
        tmp_path, database, ARCHIVE_SOURCE="simulator", CALLBACK_REPLAY_WINDOW="0"
    )
    async with running_app(settings, kv, clock, sim, fast_retries=False) as app:
        services = app.services
        corp = await Corp.get(corp_id=TEST_CORP_ID)
        await set_archive_secret(corp, ARCHIVE_SECRET, services.secrets)
        await add_key(corp, 1, pem(rsa_key(1)), services.secrets)
        runtime = runtime_for(services)
        runtime.debounce_s = 0.05
        # The search index is tested with the puller (tests/search/test_puller.py); here
        # it is not the subject, so it does not index (its own work in progress cannot
        # break these).
        runtime.hook = _no_index
        yield Env(sim, archive, services, app.http, corp, clock, app.runtime)
        await runtime_for(services).close()


async def test_the_msgaudit_apis_against_the_simulator(env: Env) -> None:
    log = generate_archive(seed=3, count=600, corp_id=TEST_CORP_ID)
    log.load_into(env.archive)
    api = await env.runtime.msgaudit(env.corp)

    assert sorted(await api.get_permit_user_list()) == sorted(e.id for e in log.employees)
    assert await api.get_permit_user_list(edition=2) == ()

    pairs = [pair for pair in env.archive.agreements]
    assert pairs
    infos = await api.check_single_agree([*pairs, ("zhangwei", "wmNobodyAAAAAAAAAAAAAAAAAAAA01")])
    assert {(i.userid, i.external_userid) for i in infos} == set(pairs)  # typo key on the wire
    for info in infos:
        status, at = env.archive.agreements[(info.userid, info.external_userid)]
        assert info.agree_status == status
        assert info.status_change_time == at
        assert info.status == status.lower()

    env.archive.agree_in_room(
        "wrRoom01", "wmCustomerAAAAAAAAAAAAAAAAAA01", "Default_Agree", 1_700_000_100
    )
    room = await api.check_room_agree("wrRoom01")
    assert [(r.external_userid, r.status, r.userid) for r in room] == [
        ("wmCustomerAAAAAAAAAAAAAAAAAA01", "default_agree", "")
    ]

    env.archive.add_room(
        ArchiveRoom(
            "wrInternal01", "售后内部群", "zhangwei", 1_700_000_000, (("zhangwei", 1), ("lina", 2))
        )
    )
    internal = env.archive.rooms["wrInternal01"]
    chat = await api.get_groupchat(internal.roomid)
    assert chat.roomname == internal.name
    assert chat.creator == internal.creator
    assert [m.memberid for m in chat.members] == [m for m, _ in internal.members]
    with pytest.raises(WeComError) as refused:
        await api.get_groupchat("wrUnknown")
    assert refused.value.errcode == 40050
    # Called with the token of the archive secret, cached apart from the app's token.
    assert await env.services.kv_store.get(f"token:corp:{TEST_CORP_ID}:archive") is not None


async def test_consent_from_wecom_is_stored_with_its_change_time(env: Env) -> None:
    env.archive.agree("zhangwei", "wmCustA", "Agree", 1_700_000_000)
    env.archive.agree("lina", "wmCustA", "Disagree", 1_700_000_050)
    env.archive.agree_in_room("wrRoom01", "wmCustA", "Default_Agree", 1_700_000_070)
    api = await env.runtime.msgaudit(env.corp)

    await consent.refresh_single(env.corp.pk, api, [("zhangwei", "wmCustA"), ("lina", "wmCustA")])
    await consent.refresh_room(env.corp.pk, api, "wrRoom01")

    found = await consent.consent_of(env.corp.pk, "wmCustA")
    assert [(c.userid, c.status, c.changed_at) for c in found] == [
        ("wrRoom01", "default_agree", 1_700_000_070),
        ("lina", "disagree", 1_700_000_050),
        ("zhangwei", "agree", 1_700_000_000),
    ]
    assert [c.agreed for c in found] == [True, False, True]


async def test_msg_audit_approved_records_consent_and_older_news_never_wins(env: Env) -> None:
    await env.callback(
        self_built_event(
            TEST_CORP_ID,
            "change_external_contact",
            "msg_audit_approved",
            create_time=1_700_000_500,
            UserID="zhangwei",
            ExternalUserID="wmCustB",
        )
    )
    row = await ArchiveConsent.get(corp_id=env.corp.pk, subject="wmCustB", userid="zhangwei")
    assert row.status == "agree"
    assert row.changed_at == 1_700_000_500

    # A check made earlier, reported late, does not overwrite the newer callback.
    await consent.record(env.corp.pk, [("wmCustB", "zhangwei", "disagree", 1_700_000_400)])
    row = await ArchiveConsent.get(id=row.id)
    assert row.status == "agree"
    await consent.record(env.corp.pk, [("wmCustB", "zhangwei", "disagree", 1_700_000_900)])
    row = await ArchiveConsent.get(id=row.id)
    assert row.status == "disagree"
    assert row.changed_at == 1_700_000_900


async def test_the_permit_list_is_mirrored(env: Env) -> None:
    for userid in ("zhangwei", "lina", "chenjie"):
        env.archive.permit(userid)
    assert await env.runtime.sync_permit_users(env.corp) == (3, 0)
    del env.archive.permit_users["lina"]
    env.archive.permit("wangfang", edition=3)
    assert await env.runtime.sync_permit_users(env.corp) == (1, 1)
    rows = await ArchivePermitUser.filter(corp_id=env.corp.pk).order_by("userid")
    assert [r.userid for r in rows] == ["chenjie", "wangfang", "zhangwei"]


async def test_a_burst_of_notifies_becomes_one_pull(env: Env) -> None:
    generate_archive(seed=4, count=300, corp_id=TEST_CORP_ID).load_into(env.archive)
    runtime = env.runtime
    pulls = 0
    pull = runtime.pull

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal pulls
        pulls += 1
        return await pull(*args, **kwargs)

    runtime.pull = counting  # type: ignore[method-assign]
    runtime.debounce_s = 0.5
    for second in range(6):
        fields = self_built_event(
            TEST_CORP_ID, "msgaudit_notify", create_time=1_700_000_000 + second, AgentID=1
        )
        assert (await post_event(env.http, fields, env.clock)).text == ""
    assert env.root.worker is not None
    assert await env.root.worker.drain() == 6
    await runtime.wait_idle()

    assert pulls == 1
    assert await ArchiveMessage.filter(corp_id=env.corp.pk).count() == 300
    assert (await ArchiveCursor.get(corp_id=env.corp.pk)).seq == 300


async def test_a_request_that_comes_while_another_process_pulls_is_not_lost(env: Env) -> None:
    """Another process asked for a pull while ours held the lease: ours pulls again."""
    for i in range(40):
        env.archive.append(text_message(f"first-{i}", f"第一批 {i}"), publickey_ver=1)
    runtime = env.runtime
    asked = False

    async def hook(corp_pk: int, messages: Any) -> None:
        nonlocal asked
        if not asked:
            asked = True
            for i in range(7):
                env.archive.append(text_message(f"late-{i}", f"后来的 {i}"), publickey_ver=1)
            # What request_pull in another process leaves behind when the lease is ours.
            await env.services.kv_store.set(f"archive:pull-due:{corp_pk}", "1")

    runtime.hook = hook
    report = await runtime.pull(env.corp)
    assert report.error == ""
    assert await ArchiveMessage.filter(corp_id=env.corp.pk, status="ok").count() == 47
    assert await env.services.kv_store.get(f"archive:pull-due:{env.corp.pk}") is None


async def test_the_archive_jobs(env: Env) -> None:
    log = generate_archive(seed=6, count=400, corp_id=TEST_CORP_ID)
    log.load_into(env.archive, key_versions=[1, 2])  # the tenant lacks key 2 for now
    scheduler = env.root.scheduler
    assert scheduler is not None
    assert {
        "archive-pull",
        "archive-media",
        "archive-parked",
        "archive-permit-users",
        "archive-idle-sources",
    } <= set(scheduler.jobs)

    assert await scheduler.run_now("archive-pull")
    assert await ArchiveMessage.filter(corp_id=env.corp.pk, status="parked").count() == 200

    await add_key(env.corp, 2, pem(rsa_key(2)), env.services.secrets)
    assert await scheduler.run_now("archive-parked")
    assert await ArchiveMessage.filter(corp_id=env.corp.pk, status="ok").count() == 400

    assert await scheduler.run_now("archive-media")
    media = await ArchiveMedia.filter(corp_id=env.corp.pk)
    assert media
    assert {m.status for m in media} == {"done"}
    for item in media:
        assert (env.services.settings.media_dir / item.path).stat().st_size == item.bytes_done

    assert await scheduler.run_now("archive-permit-users")
    assert await ArchivePermitUser.filter(corp_id=env.corp.pk).count() == len(log.employees)
    assert await scheduler.run_now("archive-idle-sources")
    assert all(job.failures == 0 for job in scheduler.jobs.values()), [
        (j.name, j.last_error) for j in scheduler.jobs.values() if j.failures
    ]


async def test_notifies_for_a_tenant_without_the_archive_are_skipped(env: Env) -> None:
    from wecom_app.store.archive import ArchiveSettings

    # A pull that was asked for stays scheduled (the debounce outlasts the test), so an
    # empty schedule after the notify means none was asked for, not one already run.
    runtime = env.runtime
    runtime.debounce_s = 3600.0
    requested: list[str] = []
    request_pull = runtime.request_pull

    async def recording(corp: Corp) -> None:
        requested.append(corp.corp_id)
        await request_pull(corp)

    runtime.request_pull = recording  # type: ignore[method-assign]

    await ArchiveSettings.filter(corp_id=env.corp.pk).update(enabled=False)
    await env.callback(self_built_event(TEST_CORP_ID, "msgaudit_notify", AgentID=1))
    assert requested == []
    assert runtime._scheduled == {}
    row = await InboxEvent.get(name="msgaudit_notify")
    assert row.status == "skipped"
    assert "has not enabled the chat archive" in row.last_error

    # The same notify for a tenant with the archive does ask for a pull (the check can fail).
    await ArchiveSettings.filter(corp_id=env.corp.pk).update(enabled=True)
    await env.callback(
        self_built_event(TEST_CORP_ID, "msgaudit_notify", create_time=1_700_000_001, AgentID=1)
    )
    assert requested == [TEST_CORP_ID]
    assert set(runtime._scheduled) == {env.corp.pk}


async def test_the_demo_gives_the_demo_org_an_archive(env: Env) -> None:
    from wecom_app.demo.archive import enable_demo_archive

    archive_of(env.sim).orgs.pop(TEST_CORP_ID)  # the demo makes its own
    said: list[str] = []
    result = await enable_demo_archive(
        env.services, env.sim, env.corp, messages=300, say=said.append
    )
    assert result.messages == 300
    assert result.stored == 300
    assert result.parked == result.failed == 0
    assert result.media_done == await ArchiveMedia.filter(corp_id=env.corp.pk).count() > 0
    assert "300 messages stored" in said[-1]
    assert result.permitted == len(env.archive_org().permit_users) > 0
    assert any("employees with archiving enabled" in line for line in said)
    # Running the demo again finds everything in place, stores nothing twice and says
    # what the archive holds (not "0 stored, 0 media" because this run had nothing new).
    again = await enable_demo_archive(env.services, env.sim, env.corp, say=said.append)
    assert (again.stored, again.media_done) == (300, result.media_done)
    assert await ArchiveMessage.filter(corp_id=env.corp.pk).count() == 300


def _counting_refusals(
    runtime: ArchiveRuntime, method: str, refused: Callable[[Any], bool]
) -> asyncio.Queue[None]:
    """Wrap ``runtime.<method>``: each call the held lease refuses puts one item."""
    calls: asyncio.Queue[None] = asyncio.Queue()
    original = getattr(runtime, method)

    async def counting(*args: Any, **kwargs: Any) -> Any:
        result = await original(*args, **kwargs)
        if refused(result):
            calls.put_nowait(None)
        return result

    setattr(runtime, method, counting)
    return calls


async def _refused_twice(refused: asyncio.Queue[None], demo: asyncio.Task[Any]) -> None:
    """Until the demo was turned away twice (it waits and looks again, not gives up)."""
    for _ in range(2):
        waiting = asyncio.create_task(refused.get())
        await asyncio.wait({waiting, demo}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()
        assert not demo.done(), demo.result()


# The app's scheduler works the archive too: its first pull and media runs come seconds
# after start-up, i.e. while the demo configures and pulls. Each test below puts one of
# those runs where it used to spoil the demo's report (0 stored, 0 media downloaded).


async def test_the_demo_waits_for_a_media_job_that_holds_the_queue(env: Env) -> None:
    from wecom_app.archive.lease import Lease
    from wecom_app.demo.archive import enable_demo_archive

    archive_of(env.sim).orgs.pop(TEST_CORP_ID)
    # The scheduler's archive-media run holds the tenant's media queue…
    job = Lease(env.runtime.kv, f"archive-media:{env.corp.pk}", ttl_s=600.0)
    assert await job.acquire()
    refused = _counting_refusals(env.runtime, "download_media", lambda report: report is None)
    demo = asyncio.create_task(
        enable_demo_archive(env.services, env.sim, env.corp, messages=300, say=lambda _: None)
    )
    await _refused_twice(refused, demo)  # the demo looked twice, found it held, waits
    assert await ArchiveMedia.filter(corp_id=env.corp.pk, status="done").count() == 0
    # …and lets go (it downloaded nothing: all of it is left to the demo).
    await job.release()
    result = await asyncio.wait_for(demo, 60)
    queued = await ArchiveMedia.filter(corp_id=env.corp.pk).count()
    assert result.media_done == queued > 0
    assert await ArchiveMedia.filter(corp_id=env.corp.pk, status="done").count() == queued


async def test_the_demo_waits_for_a_scheduled_pull_that_holds_the_tenant(env: Env) -> None:
    from wecom_app.archive.lease import Lease
    from wecom_app.archive.puller import Puller
    from wecom_app.demo.archive import enable_demo_archive

    archive_of(env.sim).orgs.pop(TEST_CORP_ID)
    job = Lease(env.runtime.kv, Puller.lease_name(env.corp.pk), ttl_s=600.0)
    assert await job.acquire()
    said: list[str] = []
    refused = _counting_refusals(env.runtime, "pull", lambda report: report.skipped)
    demo = asyncio.create_task(
        enable_demo_archive(env.services, env.sim, env.corp, messages=300, say=said.append)
    )
    await _refused_twice(refused, demo)
    assert not demo.done()  # waiting for the other puller, not reporting "0 stored"
    await job.release()
    result = await asyncio.wait_for(demo, 60)
    assert (result.stored, result.cursor_seq) == (300, 300)
    assert result.media_done == await ArchiveMedia.filter(corp_id=env.corp.pk).count() > 0
    assert "300 messages stored" in said[-1]


async def test_a_scheduled_pull_as_the_demo_stores_the_secret_finds_the_keys(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wecom_app.demo import archive as archive_demo

    archive_of(env.sim).orgs.pop(TEST_CORP_ID)
    pulled: list[int] = []

    async def secret_then_a_scheduled_pull(corp: Corp, secret: str, box: Any) -> None:
        await set_archive_secret(corp, secret, box)
        report = await env.runtime.pull(corp)  # the archive-pull job, at the worst moment
        pulled.append(report.ok)

    monkeypatch.setattr("wecom_app.demo.archive.set_archive_secret", secret_then_a_scheduled_pull)
    result = await archive_demo.enable_demo_archive(
        env.services, env.sim, env.corp, messages=300, say=lambda _: None
    )
    assert pulled == [300]  # decoded: the keys were stored before the secret
    assert (result.stored, result.parked) == (300, 0)
    assert result.media_done == await ArchiveMedia.filter(corp_id=env.corp.pk).count() > 0
