"""Issue 16, item 2: every route that returns archived text writes an audit entry.

The app's routes are enumerated. Every route under the watched paths (the compliance
console and the sidebar) must be classified: either it returns archive text and is in
:data:`ARCHIVE_TEXT` — then a request to it as someone allowed must write an audit entry
naming who read, whose conversation, what, and the request's client — or it is in
:data:`NO_ARCHIVE_TEXT` with the reason. A new route that is in neither fails the test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from tests.consoles.test_compliance import sign_in
from tests.sidebar.test_access import Cast, build_cast
from tests.support.search import message, store
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.directory import GroupChat
from wecom_app.store.search import Alert, AlertRule, AuditEntry

WATCHED = ("/console/compliance", "/compliance", "/sidebar")
UA = "audit-walk/1.0 (issue 16)"

# (method, route path) → what the route shows of the archive
ARCHIVE_TEXT: dict[tuple[str, str], str] = {
    ("GET", "/console/compliance/"): "search results",
    ("GET", "/console/compliance/export"): "an export",
    ("GET", "/console/compliance/api/search"): "search results",
    ("GET", "/console/compliance/api/export"): "an export",
    ("GET", "/console/compliance/context/{message_id:bigint}"): "messages around a hit",
    ("GET", "/console/compliance/api/context/{message_id:bigint}"): "messages around a hit",
    ("GET", "/console/compliance/conversation"): "a whole conversation",
    ("GET", "/console/compliance/api/conversation"): "a whole conversation",
    ("GET", "/console/compliance/media/{media_id:bigint}"): "a media file",
    ("GET", "/console/compliance/alerts"): "the alerted messages",
    ("GET", "/console/compliance/api/alerts"): "the alerted messages",
    ("GET", "/sidebar/api/customers/{external_userid}"): "the newest messages, insights",
    ("GET", "/sidebar/api/customers/{external_userid}/messages"): "the message history",
    ("GET", "/sidebar/api/groups/{chat_id}"): "a group chat's keywords",
}

_WRITES = "a write; answers no archive text"
NO_ARCHIVE_TEXT: dict[tuple[str, str], str] = {
    ("POST", "/console/compliance/saved"): _WRITES,
    ("POST", "/console/compliance/saved/{saved_id:int}/delete"): _WRITES,
    ("GET", "/console/compliance/api/saved"): "saved queries, not messages",
    ("POST", "/console/compliance/api/saved"): _WRITES,
    ("DELETE", "/console/compliance/api/saved/{saved_id:int}"): _WRITES,
    ("POST", "/console/compliance/alerts/{alert_id:bigint}/ack"): _WRITES,
    ("POST", "/console/compliance/api/alerts/{alert_id:bigint}/ack"): _WRITES,
    ("POST", "/console/compliance/rules"): _WRITES,
    ("POST", "/console/compliance/rules/{rule_id:int}/toggle"): _WRITES,
    ("GET", "/console/compliance/api/rules"): "rules, not messages",
    ("POST", "/console/compliance/api/rules"): _WRITES,
    ("GET", "/console/compliance/holds"): "holds: subjects, not messages",
    ("POST", "/console/compliance/holds"): _WRITES,
    ("POST", "/console/compliance/holds/{hold_id:int}/release"): _WRITES,
    ("GET", "/console/compliance/audit"): "the audit log itself",
    ("GET", "/console/compliance/api/audit"): "the audit log itself",
    ("GET", "/console/compliance/api/audit/verify"): "the chain's check",
    ("GET", "/compliance"): "a redirect",
    ("GET", "/compliance/"): "a redirect",
    ("GET", "/sidebar"): "a redirect",
    ("GET", "/sidebar/"): "the page shell",
    ("GET", "/sidebar/api/session"): "who is signed in",
    ("GET", "/sidebar/api/jsconfig"): "JS-SDK signatures",
    ("GET", "/sidebar/login"): "sign-in",
    ("GET", "/sidebar/oauth/callback"): "sign-in",
    ("POST", "/sidebar/logout"): "sign-out",
    ("GET", "/sidebar/api/tags"): "the corp's tag library",
    ("POST", "/sidebar/api/customers/{external_userid}/tags"): _WRITES,
    ("POST", "/sidebar/api/customers/{external_userid}/remark"): _WRITES,
    ("POST", "/sidebar/api/customers/{external_userid}/notes"): _WRITES,
    ("DELETE", "/sidebar/api/customers/{external_userid}/notes/{note_id:bigint}"): _WRITES,
    ("PUT", "/sidebar/api/customers/{external_userid}/stage"): _WRITES,
    ("PUT", "/sidebar/api/customers/{external_userid}/fields"): _WRITES,
    ("POST", "/sidebar/api/customers/{external_userid}/reminders"): _WRITES,
    (
        "POST",
        "/sidebar/api/customers/{external_userid}/reminders/{reminder_id:bigint}/done",
    ): _WRITES,
    ("GET", "/sidebar/api/quick-replies"): "quick replies, not messages",
    ("POST", "/sidebar/api/quick-replies"): _WRITES,
    ("PUT", "/sidebar/api/quick-replies/{reply_id:int}"): _WRITES,
    ("DELETE", "/sidebar/api/quick-replies/{reply_id:int}"): _WRITES,
    ("POST", "/sidebar/api/quick-replies/{reply_id:int}/used"): _WRITES,
    ("GET", "/sidebar/admin/api/licences"): "which members lack an interface licence",
    ("GET", "/sidebar/admin/api/settings"): "tenant settings",
    ("PUT", "/sidebar/admin/api/settings"): _WRITES,
    ("GET", "/sidebar/admin/api/quick-replies"): "quick replies, not messages",
    ("POST", "/sidebar/admin/api/quick-replies"): _WRITES,
    ("PUT", "/sidebar/admin/api/quick-replies/{reply_id:int}"): _WRITES,
    ("DELETE", "/sidebar/admin/api/quick-replies/{reply_id:int}"): _WRITES,
    ("GET", "/sidebar/admin/api/verify-files"): "domain verification files",
    ("POST", "/sidebar/admin/api/verify-files"): _WRITES,
    ("DELETE", "/sidebar/admin/api/verify-files/{filename}"): _WRITES,
    ("GET", "/sidebar/preview"): "the developer preview shell",
    ("GET", "/sidebar/preview/api/directory"): "names of the directory, no messages",
    ("GET", "/sidebar/preview/api/verify"): "a JS-SDK signature check",
}


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(list(route.routes or []), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path


def _sidebar_client(world: SidebarWorld, userid: str) -> httpx.AsyncClient:
    """A signed-in sidebar client that comes from a known address with a known agent."""
    client = world.client_for(userid)
    client._transport = httpx.ASGITransport(app=world.app, client=("203.0.113.8", 4712))
    client.headers["user-agent"] = UA
    return client


@dataclass
class Walk:
    cast: Cast
    console: httpx.AsyncClient
    sidebar: dict[str, httpx.AsyncClient]  # person → signed-in sidebar client


@pytest.fixture
async def walk(tmp_path: Path, database: str, kv: KV) -> AsyncIterator[Walk]:
    async with sidebar_world(tmp_path, database, kv, customers=80, employees=14) as world:
        cast = await build_cast(world)
        console = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=world.app, client=("203.0.113.7", 4711)),
            base_url="http://testserver",
            headers={"user-agent": UA},
        )
        await sign_in(world.services, console, world.corp, "auditor", "compliance")
        sidebar = {}
        for person in ("follower", "successor", "manager"):
            sidebar[person] = _sidebar_client(world, cast.people[person])
        try:
            yield Walk(cast, console, sidebar)
        finally:
            await console.aclose()


def test_the_lists_hold_no_route_twice() -> None:
    assert not set(ARCHIVE_TEXT) & set(NO_ARCHIVE_TEXT)


async def test_every_watched_route_is_classified(walk: Walk) -> None:
    found = {r for r in _walk(list(walk.cast.world.app.routes)) if r[1].startswith(WATCHED)}
    unclassified = sorted(found - set(ARCHIVE_TEXT) - set(NO_ARCHIVE_TEXT))
    assert not unclassified, (
        f"classify these routes in {__name__}: archive text (and audited) or not: {unclassified}"
    )
    gone = sorted((set(ARCHIVE_TEXT) | set(NO_ARCHIVE_TEXT)) - found)
    assert not gone, f"these classified routes no longer exist: {gone}"


async def _requests(walk: Walk) -> list[tuple[str, httpx.AsyncClient, str, str]]:
    """(route, client, url, whose conversation the entry must name) for every archive route."""
    world = walk.cast.world
    corp = world.corp
    customer = walk.cast.customers["c_follow"]
    follower = walk.cast.people["follower"]
    hit, image = await store(
        corp,
        [
            message(corp, "返现 说好的", sender=follower, customer=customer),
            message(corp, "图片", sender=follower, customer=customer, msgtype="image"),
        ],
    )
    media_dir = world.settings.media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "walk.jpg").write_bytes(b"\xff\xd8jpeg")
    media = await ArchiveMedia.create(
        corp=corp,
        msgid=image.msgid,
        sdkfileid="s",
        fileid_hash="h",
        status="done",
        path="walk.jpg",
        msgtype="image",
    )
    rule = await AlertRule.create(corp_id=corp.id, name="r", kind="words", pattern="返现")
    await Alert.create(corp_id=corp.id, rule=rule, message=hit, matched="返现")
    chat = await GroupChat.filter(corp_id=corp.id).first()
    assert chat is not None, "the generated org has group chats"
    owner = _sidebar_client(world, chat.owner)
    c = walk.console
    s = walk.sidebar
    conversation = hit.conversation
    transferred = walk.cast.customers["c_transfer"]
    base = "/sidebar/api/customers/"
    return [
        ("/console/compliance/", c, "/console/compliance/?q=返现", ""),
        ("/console/compliance/export", c, "/console/compliance/export?q=返现&format=csv", ""),
        ("/console/compliance/api/search", c, "/console/compliance/api/search?q=返现", ""),
        ("/console/compliance/api/export", c, "/console/compliance/api/export?q=返现", ""),
        (
            "/console/compliance/context/{message_id:bigint}",
            c,
            f"/console/compliance/context/{hit.id}",
            "",
        ),
        (
            "/console/compliance/api/context/{message_id:bigint}",
            c,
            f"/console/compliance/api/context/{hit.id}",
            "",
        ),
        (
            "/console/compliance/conversation",
            c,
            f"/console/compliance/conversation?conversation={conversation}",
            conversation,
        ),
        (
            "/console/compliance/api/conversation",
            c,
            f"/console/compliance/api/conversation?conversation={conversation}",
            conversation,
        ),
        (
            "/console/compliance/media/{media_id:bigint}",
            c,
            f"/console/compliance/media/{media.id}",
            "",
        ),
        ("/console/compliance/alerts", c, "/console/compliance/alerts", conversation),
        ("/console/compliance/api/alerts", c, "/console/compliance/api/alerts", conversation),
        ("/sidebar/api/customers/{external_userid}", s["follower"], base + customer, customer),
        (
            "/sidebar/api/customers/{external_userid}/messages",
            s["follower"],
            base + customer + "/messages",
            customer,
        ),
        (
            "/sidebar/api/customers/{external_userid}/messages",
            s["follower"],
            base + customer + "/messages?q=返现",
            customer,
        ),
        ("/sidebar/api/customers/{external_userid}", s["manager"], base + customer, customer),
        (
            "/sidebar/api/customers/{external_userid}/messages",
            s["manager"],
            base + customer + "/messages",
            customer,
        ),
        (
            "/sidebar/api/customers/{external_userid}",
            s["successor"],
            base + transferred,
            transferred,
        ),
        (
            "/sidebar/api/customers/{external_userid}/messages",
            s["successor"],
            base + transferred + "/messages?of=predecessors",
            transferred,
        ),
        (
            "/sidebar/api/groups/{chat_id}",
            owner,
            f"/sidebar/api/groups/{chat.chat_id}",
            chat.chat_id,
        ),
    ]


async def test_every_archive_text_route_writes_an_audit_entry(walk: Walk) -> None:
    corp = walk.cast.world.corp
    requests = await _requests(walk)
    assert {r for r, *_ in requests} == {path for _, path in ARCHIVE_TEXT}, "walk every route"
    for route, client, url, whose in requests:
        before = await AuditEntry.filter(corp_id=corp.id).count()
        response = await client.get(url)
        assert response.status_code == 200, (route, url, response.text[:300])
        entries = await AuditEntry.filter(corp_id=corp.id, seq__gt=before).order_by("seq")
        assert entries, f"{route} ({url}) wrote no audit entry"
        entry = entries[0]
        detail = json.loads(entry.detail)
        assert entry.actor, route
        assert detail["client"]["ua"] == UA, (route, detail)
        assert detail["client"]["ip"].startswith("203.0.113."), (route, detail)
        if whose:
            assert whose in entry.detail, (route, whose, detail)


async def test_repeated_profile_opens_in_the_cache_window_are_one_entry(walk: Walk) -> None:
    """The profile is every chat switch: the same profile to the same client within the
    cache window is one entry; another client, or the history, is a new entry each time."""
    corp = walk.cast.world.corp
    customer = walk.cast.customers["c_follow"]
    url = f"/sidebar/api/customers/{customer}"
    follower = walk.sidebar["follower"]

    async def entries(action: str) -> int:
        return await AuditEntry.filter(corp_id=corp.id, action=action).count()

    for _ in range(3):
        assert (await follower.get(url)).status_code == 200
    assert await entries("sidebar_profile") == 1
    other_agent = {"user-agent": UA + " other"}
    assert (await follower.get(url, headers=other_agent)).status_code == 200
    assert await entries("sidebar_profile") == 2
    for _ in range(3):
        assert (await follower.get(url + "/messages")).status_code == 200
    assert await entries("sidebar_history") == 3
