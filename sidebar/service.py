"""The sidebar's work behind its HTTP endpoints: access, profiles, WeCom look-ups.

**Speed.** A profile is built from our store and cached in the KV store, keyed by the
customer's *version* (bumped by every change the sidebar makes: tags, remark, notes,
stage, fields, reminders, a refresh, a transfer — in any process, since the version
lives in the KV store) and by the viewer's grant, for ``WECOM_APP_SIDEBAR_CACHE_SECONDS``
(changes made elsewhere — callbacks, the archive puller — show within that time). The
process that built a profile also keeps it in memory beside its version, so reopening
one costs a single KV read (the version: one Redis round trip; nothing with the
in-process KV). Concurrent misses of one profile share one build. A read may reuse
this process's access decision for ``WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS``; changes
always decide afresh.

What a miss costs (measured with ``bench/sidebar.py``): on SQLite the access check and
the build's two statements read through :mod:`sidebar.sql`'s own connection on the
event loop (a few tens of microseconds each) rather than queueing for Tortoise's
worker thread, which under load made every hand-off wait for the GIL — fifty
concurrent misses took hundreds of milliseconds. Building and encoding a profile is
about half a millisecond of CPU (keyword filtering memoised per token); the profile
route is the first ``create_app`` tries, a verified session cookie is remembered (its
age still checked), answers carry pre-encoded headers (:class:`sidebar.http.PrivateJSON`),
tenant settings are cached for ten seconds, and ``wecom-app serve`` freezes startup's
objects out of the GC's full passes (``freeze_after_startup``; they were 40 ms pauses).

**WeCom, at most once.** A customer whose WeCom data is older than the tenant's
``refresh_minutes`` is refreshed with one ``externalcontact/get`` in the background
(single-flight across processes through a KV marker) while the stored profile is
served at once, marked ``refreshing``. When the viewer has no relation with a customer
in our store, WeCom is asked once (the callback of a customer they added a moment ago
may not be applied yet); the answer is remembered for five minutes, and the same path
runs whether the customer exists or not, so a refusal reveals nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from sidebar import access, insights, profile
from sidebar.access import CustomerGrant, GroupGrant
from sidebar.config import SidebarConfig
from sidebar.session import Sessions
from sidebar.tenant import TenantSettings, TenantSettingsCache
from wecom_app.directory import customers, group_chats
from wecom_app.kv import KV
from wecom_app.search.audit import AuditKey
from wecom_app.store.db import dialect
from wecom_app.store.directory import GroupChat
from wecom_app.store.models import Corp
from wecom_app.wecom.errors import Unlicensed, WeComError
from wecom_app.wecom.jsapi import JsapiTickets
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

# WeCom ids: external_userid (wm…/wo…), chat ids (wr…), userids — letters, digits, - and _.
WECOM_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
LOOKUP_MEMORY_S = 300
LOOKUPS_PER_MINUTE = 20
MAX_CACHED_GRANTS = 100_000
# Profiles this process built, kept beside the KV copy (~6 KB each; the expired ones
# are dropped when full, then all): a reopen costs the version look-up only.
MAX_LOCAL_PROFILES = 10_000


def valid_id(value: str) -> bool:
    return WECOM_ID.fullmatch(value) is not None


class SidebarService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.config = SidebarConfig.from_settings(services.settings)
        self.sessions = Sessions(services.settings.secret_key, self.config)
        self.audit_key = AuditKey.of(services.settings)  # archive reads are audited
        self.tenant_settings = TenantSettingsCache()
        self.background: set[asyncio.Task[None]] = set()
        self._tickets: JsapiTickets | None = None
        self._simulator: bool | None = None
        self._grants: dict[tuple[int, str, str], tuple[float, CustomerGrant]] = {}
        # (corp, customer, viewer, grant fingerprint) -> (version, expires at, body)
        self._profiles: dict[tuple[int, str, str, str], tuple[str, float, bytes]] = {}
        # Profiles being built now, by cache key: concurrent misses share one build.
        self._building: dict[str, asyncio.Future[bytes | None]] = {}
        self._warm = False
        # The access cache's clock (tests move it).
        self.monotonic: Callable[[], float] = time.monotonic

    # -- plumbing ----------------------------------------------------------------------

    @property
    def kv(self) -> KV:
        return self.services.kv_store

    def now(self) -> float:
        return float(self.services.clock())

    @property
    def tickets(self) -> JsapiTickets:
        if self._tickets is None:
            self._tickets = JsapiTickets(
                self.services.wecom.client, self.kv, self.services.secrets, clock=self.now
            )
        return self._tickets

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the response; kept referenced so it is not collected."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def drain(self) -> None:
        """Wait for background work (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    async def settings_for(self, corp_pk: int) -> TenantSettings:
        return await self.tenant_settings.get(corp_pk)

    # -- versions and the profile cache -------------------------------------------------

    def _version_key(self, corp_pk: int, external_userid: str) -> str:
        return f"sidebar:ver:{corp_pk}:{external_userid}"

    async def bump(self, corp_pk: int, external_userid: str) -> None:
        """Something about the customer changed: cached profiles are stale now."""
        await self.kv.incr(self._version_key(corp_pk, external_userid), ttl=7 * 86400)

    async def _version(self, corp_pk: int, external_userid: str) -> str:
        raw = await self.kv.get(self._version_key(corp_pk, external_userid))
        return raw.decode() if raw else "0"

    # -- access ------------------------------------------------------------------------

    async def customer_grant(
        self, corp_pk: int, corp_id: str, viewer: str, external_userid: str, *, fresh: bool = True
    ) -> CustomerGrant | None:
        """Whether ``viewer`` may see the customer, and why.

        ``fresh=False`` (reads) may reuse a grant decided in this process within the
        last ``WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS``: the hot path of an employee
        reopening a profile then costs no query. Changes always decide afresh, and
        refusals are never reused.
        """
        if not valid_id(external_userid):
            return None
        key = (corp_pk, viewer, external_userid)
        ttl = self.config.access_cache_seconds
        if not fresh and ttl > 0:
            hit = self._grants.get(key)
            if hit is not None and hit[0] > self.monotonic():
                return hit[1]
        grant = await self._decide(corp_pk, corp_id, viewer, external_userid)
        if grant is None:
            self._grants.pop(key, None)
        elif ttl > 0:
            if len(self._grants) >= MAX_CACHED_GRANTS:
                self._grants.clear()
            self._grants[key] = (self.monotonic() + ttl, grant)
        return grant

    async def _decide(
        self, corp_pk: int, corp_id: str, viewer: str, external_userid: str
    ) -> CustomerGrant | None:
        settings = await self.settings_for(corp_pk)
        grant = await access.customer_grant(
            corp_pk, viewer, external_userid, successor_view=settings.successor_view
        )
        if grant is not None:
            return grant
        if await self._may_look_up(
            corp_pk, viewer, "c:" + external_userid
        ) and await self._look_up_customer(corp_pk, corp_id, viewer, external_userid):
            return await access.customer_grant(
                corp_pk, viewer, external_userid, successor_view=settings.successor_view
            )
        return None

    async def group_grant(
        self, corp_pk: int, corp_id: str, viewer: str, chat_id: str
    ) -> GroupGrant | None:
        if not valid_id(chat_id):
            return None
        grant = await access.group_grant(corp_pk, viewer, chat_id)
        if grant is not None:
            return grant
        if await self._may_look_up(corp_pk, viewer, "g:" + chat_id) and await self._look_up_group(
            corp_pk, corp_id, viewer, chat_id
        ):
            return await access.group_grant(corp_pk, viewer, chat_id)
        return None

    async def _may_look_up(self, corp_pk: int, viewer: str, subject: str) -> bool:
        """Ask WeCom about (viewer, subject) at most once per five minutes, and at most
        :data:`LOOKUPS_PER_MINUTE` times a minute per viewer."""
        fresh = await self.kv.set_if_absent(
            f"sidebar:lookup:{corp_pk}:{viewer}:{subject}", "1", ttl=LOOKUP_MEMORY_S
        )
        if not fresh:
            return False
        minute = int(self.now() // 60)
        used = await self.kv.incr(f"sidebar:lookups:{corp_pk}:{viewer}:{minute}", ttl=60)
        return used <= LOOKUPS_PER_MINUTE

    async def _corp(self, corp_pk: int) -> Corp | None:
        return await Corp.filter(id=corp_pk, status__in=access.ACTIVE_TENANT).first()

    async def _look_up_customer(
        self, corp_pk: int, corp_id: str, viewer: str, external_userid: str
    ) -> bool:
        corp = await self._corp(corp_pk)
        if corp is None:
            return False
        try:
            api = await self.services.wecom.corp_api(corp_id)
            detail = await api.external_contact.get(external_userid)
        except Unlicensed:
            raise  # the employee has no interface licence: the sidebar says so
        except (WeComError, NoAccess) as exc:
            log.info("sidebar: WeCom has no customer for this look-up (%s)", type(exc).__name__)
            return False
        if all(f.userid != viewer for f in detail.follow_users):
            return False
        await customers.write_customer_detail(corp, detail, at=int(self.now()))
        await self.bump(corp_pk, external_userid)
        return True

    async def _look_up_group(self, corp_pk: int, corp_id: str, viewer: str, chat_id: str) -> bool:
        corp = await self._corp(corp_pk)
        if corp is None:
            return False
        try:
            api = await self.services.wecom.corp_api(corp_id)
            chat = await api.groupchat.get(chat_id, need_name=True)
        except (WeComError, NoAccess) as exc:
            log.info("sidebar: WeCom has no group chat for this look-up (%s)", type(exc).__name__)
            return False
        if chat.owner != viewer and all(m.userid != viewer or m.type != 1 for m in chat.members):
            return False
        await group_chats.write_group_chat(corp, chat, at=int(self.now()))
        return True

    # -- the profile ---------------------------------------------------------------------

    async def warm_up(self) -> None:
        """Load jieba's IDF table (about a second) in a thread, not on the event loop."""
        if not self._warm:
            await asyncio.to_thread(insights.warm_up)
            self._warm = True

    async def profile_bytes(
        self, corp_pk: int, corp_id: str, grant: CustomerGrant, external_userid: str
    ) -> bytes:
        ttl = self.config.cache_seconds
        if ttl <= 0:
            return await self._build_profile(corp_pk, corp_id, grant, external_userid)
        version = await self._version(corp_pk, external_userid)
        local = (corp_pk, external_userid, grant.viewer, grant.fingerprint)
        mine = self._profiles.get(local)
        if mine is not None and mine[0] == version and mine[1] > self.monotonic():
            return mine[2]
        key = (
            f"sidebar:profile:{corp_pk}:{external_userid}:{grant.viewer}:"
            f"{grant.fingerprint}:{version}"
        )
        cached = await self.kv.get(key)
        if cached is not None:
            return cached  # built by another process: it keeps it, not us
        pending = self._building.get(key)
        if pending is not None:
            # The same profile is being built for a concurrent request: share its work
            # (or, if that build failed, build it ourselves).
            shared = await asyncio.shield(pending)
            if shared is not None:
                return shared
            return await self._build_profile(corp_pk, corp_id, grant, external_userid)
        building: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._building[key] = building
        body: bytes | None = None
        try:
            expires = self.monotonic() + ttl
            body = await self._build_profile(corp_pk, corp_id, grant, external_userid)
            await self.kv.set(key, body, ttl=ttl)
            self._keep_profile(local, (version, expires, body))
            return body
        finally:
            del self._building[key]
            building.set_result(body)

    def _keep_profile(
        self, local: tuple[int, str, str, str], entry: tuple[str, float, bytes]
    ) -> None:
        if len(self._profiles) >= MAX_LOCAL_PROFILES:
            now = self.monotonic()
            self._profiles = {k: v for k, v in self._profiles.items() if v[1] > now}
            if len(self._profiles) >= MAX_LOCAL_PROFILES:
                self._profiles.clear()
        self._profiles[local] = entry

    async def _build_profile(
        self, corp_pk: int, corp_id: str, grant: CustomerGrant, external_userid: str
    ) -> bytes:
        settings = await self.settings_for(corp_pk)
        await self.warm_up()
        if dialect() == "postgres":
            # One pooled connection for the dozen reads: Tortoise otherwise takes and
            # resets a pool connection per query (two extra round trips each).
            async with in_transaction():
                document = await profile.build(
                    corp_pk, external_userid, grant, settings, now=self.now()
                )
        else:
            document = await profile.build(
                corp_pk, external_userid, grant, settings, now=self.now()
            )
        document["refreshing"] = await self._refresh_if_stale(
            corp_pk,
            corp_id,
            external_userid,
            int(document["customer"].get("updated_at", 0)),
            settings,
        )
        return encode(document)

    async def _refresh_if_stale(
        self,
        corp_pk: int,
        corp_id: str,
        external_userid: str,
        updated_at: int,
        settings: TenantSettings,
    ) -> bool:
        """Start one background refresh when our copy is older than the tenant allows."""
        if not updated_at or self.now() - updated_at < settings.refresh_minutes * 60:
            return False
        marker = f"sidebar:refresh:{corp_pk}:{external_userid}"
        if not await self.kv.set_if_absent(marker, "1", ttl=max(60, settings.refresh_minutes * 60)):
            return False  # another request (or process) is refreshing it
        self.spawn(self._refresh(corp_pk, corp_id, external_userid))
        return True

    async def _refresh(self, corp_pk: int, corp_id: str, external_userid: str) -> None:
        try:
            corp = await self._corp(corp_pk)
            if corp is None:
                return
            api = await self.services.wecom.corp_api(corp_id)
            detail = await api.external_contact.get(external_userid)
            await customers.write_customer_detail(corp, detail, at=int(self.now()))
            await customers.refresh_customer_status(corp_pk, [external_userid])
        except (WeComError, NoAccess) as exc:
            log.warning("sidebar: refreshing a customer from WeCom failed: %s", exc)
            return
        except Exception:
            log.exception("sidebar: refreshing a customer failed")
            return
        await self.bump(corp_pk, external_userid)

    # -- the simulator ------------------------------------------------------------------------

    async def runs_against_simulator(self) -> bool:
        """Whether WeCom is the built-in simulator (it answers a path only it has)."""
        if self._simulator is None:
            if not self.config.custom_api_base and self.services.transport is None:
                self._simulator = False
            else:
                try:
                    data = await self.services.wecom.client.get(
                        "/cgi-bin/sim/jsapi/verify", {"kind": "config"}, scope="simulator"
                    )
                    self._simulator = data.get("simulator") is True
                except WeComError:
                    self._simulator = False
        return self._simulator

    async def preview_enabled(self) -> bool:
        if self.config.preview == "on":
            return True
        if self.config.preview == "off":
            return False
        return await self.runs_against_simulator()

    async def group_exists(self, corp_pk: int, chat_id: str) -> bool:
        return await GroupChat.filter(corp_id=corp_pk, chat_id=chat_id).exists()


def encode(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
