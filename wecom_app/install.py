"""Installing the app into an org: the suite flow, self-built registration, and what
follows (auth changes, uninstalls, a permanent code WeCom no longer accepts).

Suite flow (wecom-protocol.md §2)::

    install_link()  suite token → pre-auth code → [set_session_info] → WeCom's install page
    WeCom           redirects back with auth_code  ──→ complete_install(source="redirect")
                    and/or pushes create_auth      ──→ handler: record_auth_code() + kick
    exchange        get_permanent_code (once per code, whoever comes first) → the tenant
                    (permanent code sealed), its installing admin, a primed corp token,
                    and the initial full sync queued as a job

An auth code is single use, so the exchange must happen exactly once per code. The
``auth_exchanges`` row (unique sha256 of the code) arbitrates: a conditional update
``pending → exchanging`` lets one caller call WeCom; everyone else waits for its outcome
(the redirect) or leaves it (the callback handler). The callback handler never calls
WeCom itself: it runs inside the inbox worker's transaction, which must not be rolled
back after the code was spent. It records the code (sealed) and a background task or
the ``install-exchanges`` job exchanges it.

Public functions:

- :func:`install_link`, :func:`complete_install`, :func:`record_auth_code`,
  :func:`process_pending_installs` (the job), :func:`kick_exchange`;
- :func:`register_self_built_org`;
- :func:`refresh_auth_info` (``change_auth``), :func:`cancel_install` (``cancel_auth``),
  :func:`mark_disconnected` (WeCom rejected our credentials), :func:`reconnect`,
  :func:`disconnected_reason`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from wecom_app import sync, tenants
from wecom_app.config import SelfBuiltApp, SuiteApp
from wecom_app.store.directory import AuthExchange, ConsoleRole, SyncRun
from wecom_app.store.models import Corp
from wecom_app.sync.state import UNFINISHED
from wecom_app.wecom import (
    AuthCancelled,
    AuthorizedCorpTokenProvider,
    CorpTokenProvider,
    InvalidCredential,
    SuiteTicketMissing,
    WeComError,
)
from wecom_app.wecom.service import PermanentCode, install_url
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

PERMANENT_CODE_PURPOSE = "corp.permanent_code"
AUTH_CODE_PURPOSE = "auth_exchange.code"
# The redirect waits this long for an exchange another caller is doing.
EXCHANGE_WAIT_S = 20.0
# An exchange "in progress" for longer than this was interrupted (its process died):
# the code may or may not have been spent, so the admin is told to install again.
STALE_EXCHANGE_S = 120.0
# WeCom's auth codes live 10 minutes.
AUTH_CODE_TTL_S = 600.0
_POLL_S = 0.05


class InstallError(Exception):
    """The install could not complete; the message is written for the admin."""


def code_hash(auth_code: str) -> str:
    return hashlib.sha256(auth_code.encode()).hexdigest()


def _suite(services: Services) -> SuiteApp:
    suite = services.settings.suite
    if suite is None:
        raise InstallError("this deployment has no third-party suite configured")
    return suite


# -- the suite flow -------------------------------------------------------------------------


async def install_link(
    services: Services, *, redirect_uri: str, state: str, test_install: bool = False
) -> str:
    """The URL of WeCom's install page for our suite; WeCom returns to ``redirect_uri``.

    ``test_install`` marks the session as a test install (``auth_type`` 1), as WeCom
    requires for a suite not yet on the marketplace. Raises :class:`SuiteTicketMissing`
    before WeCom's first ticket push, :class:`WeComError` when WeCom refuses.
    """
    suite = _suite(services)
    api = services.wecom.service_api()
    pre = await api.get_pre_auth_code()
    if test_install:
        await api.set_session_info(pre.pre_auth_code, auth_type=1)
    return install_url(suite.suite_id, pre.pre_auth_code, redirect_uri, state)


async def record_auth_code(services: Services, auth_code: str, *, source: str) -> str:
    """Remember an auth code for its exchange (a no-op if it is known); its hash.

    Safe inside a transaction: ``INSERT ... ON CONFLICT DO NOTHING`` neither raises nor
    aborts it. The code is kept sealed only until its exchange.
    """
    suite = _suite(services)
    digest = code_hash(auth_code)
    await AuthExchange.bulk_create(
        [
            AuthExchange(
                suite_id=suite.suite_id,
                code_hash=digest,
                status="pending",
                source=source[:24],
                code_sealed=services.secrets.seal(auth_code, AUTH_CODE_PURPOSE),
            )
        ],
        ignore_conflicts=True,
    )
    return digest


async def complete_install(services: Services, auth_code: str, *, source: str) -> Corp:
    """Exchange ``auth_code`` for the permanent code once, whoever asks first; the corp.

    ``source``: ``"redirect"`` (the admin's browser came back), ``"create_auth"``,
    ``"reset_permanent_code"``. A second call with the same code returns the same corp
    without calling WeCom. Raises WeCom's error (:class:`WeComError`, e.g. the code
    expired or was used) when this call's exchange was refused, and
    :class:`InstallError` (message for the admin) when another caller's exchange of the
    same code failed or is still running after :data:`EXCHANGE_WAIT_S`.
    """
    digest = await record_auth_code(services, auth_code, source=source)
    corp = await _exchange(services, digest, auth_code)
    if corp is None:
        return await _settled(digest)
    return corp


async def _take(digest: str) -> bool:
    """Claim the exchange of one code (pending → exchanging); True for exactly one caller."""
    taken = await AuthExchange.filter(code_hash=digest, status="pending").update(
        status="exchanging", updated_at=datetime.now(UTC)
    )
    return bool(taken)


async def _exchange(services: Services, digest: str, auth_code: str) -> Corp | None:
    """Exchange the code if we win the claim; None when another caller has it."""
    if not await _take(digest):
        return None
    row = await AuthExchange.get(code_hash=digest)
    try:
        answer = await services.wecom.service_api().get_permanent_code(auth_code)
    except WeComError as exc:
        await _exchange_failed(digest, f"WeCom refused the code: {exc.explanation}")
        raise
    except BaseException:
        # Cancelled or a bug: whether WeCom spent the code is unknown.
        await _exchange_failed(digest, "interrupted during the exchange; install again")
        raise
    corp = await _store_install(services, digest, answer, row.source)
    await _after_install(services, corp, answer, source=row.source)
    return corp


async def _exchange_failed(digest: str, error: str) -> None:
    await AuthExchange.filter(code_hash=digest).update(
        status="failed", error=error[:2000], code_sealed="", updated_at=datetime.now(UTC)
    )


async def _settled(digest: str) -> Corp:
    """Wait for another caller's exchange of the same code to finish."""
    waited = 0.0
    while True:
        row = await AuthExchange.get(code_hash=digest)
        if row.status == "done":
            return await Corp.get(corp_id=row.corp_id)
        if row.status == "failed":
            raise InstallError(f"the installation could not complete: {row.error}")
        if waited >= EXCHANGE_WAIT_S:
            raise InstallError("the installation is still being processed; reload shortly")
        await asyncio.sleep(_POLL_S)
        waited += _POLL_S


async def _store_install(
    services: Services, digest: str, answer: PermanentCode, source: str
) -> Corp:
    info = answer.auth_corp_info
    now = services.clock()
    async with in_transaction():
        corp = await Corp.filter(corp_id=info.corpid).select_for_update().first()
        if corp is None:
            corp = Corp(corp_id=info.corpid, mode="suite")
        if corp.mode == "self_built":
            # One tenant, one way in: an org that runs us as its own app keeps that.
            log.warning("corp %s installed the suite but runs the self-built app", info.corpid)
        else:
            corp.mode = "suite"
            corp.status = "active"
        corp.name = info.corp_name or corp.name
        if answer.agents:
            corp.agent_id = str(answer.agents[0].agentid)
        corp.permanent_code_sealed = services.secrets.seal(
            answer.permanent_code, PERMANENT_CODE_PURPOSE
        )
        auth_info: dict[str, Any] = {
            k: v for k, v in (corp.auth_info or {}).items() if not k.startswith("disconnected")
        }
        # raw carries no secrets (PermanentCode.parse drops tokens and codes).
        auth_info.update(answer.raw)
        auth_info["installed_at"] = now
        auth_info["install_source"] = source
        corp.auth_info = auth_info
        await corp.save()
        installer = answer.auth_user_info.userid if answer.auth_user_info else ""
        if installer:
            await ConsoleRole.get_or_create(
                corp=corp, userid=installer, role="admin", defaults={"granted_by": "install"}
            )
        await AuthExchange.filter(code_hash=digest).update(
            status="done",
            corp_id=info.corpid,
            code_sealed="",
            error="",
            updated_at=datetime.now(UTC),
        )
    log.info("corp %s installed the suite (%s)", info.corpid, source)
    return corp


async def _after_install(
    services: Services, corp: Corp, answer: PermanentCode, *, source: str
) -> None:
    await _drop_tokens(services, corp.corp_id)
    services.resolver.invalidate(corp.corp_id)
    if corp.mode != "suite":
        return
    try:
        provider = await services.wecom.corp_tokens(corp.corp_id)
    except NoAccess:
        return
    if isinstance(provider, AuthorizedCorpTokenProvider) and answer.access_token:
        # get_permanent_code hands us a corp token: the sync's first call saves one.
        await provider.prime(answer.access_token, answer.expires_in or 7200)
    if source != "reset_permanent_code":
        await sync.start_full_sync(services, corp.corp_id, reason=f"install:{source}")


def kick_exchange(services: Services, digest: str) -> None:
    """Exchange a recorded code in the background once the recording is committed."""
    if not sync.background_enabled(services):
        return

    async def go() -> None:
        waited = 0.0
        try:
            while waited < 5.0:
                row = await AuthExchange.filter(code_hash=digest).first()
                if row is not None:
                    if row.status == "pending":
                        await _exchange_recorded(services, row)
                    return
                await asyncio.sleep(_POLL_S)
                waited += _POLL_S
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background exchange of an auth code failed")

    sync.spawn(go(), name="auth-exchange")


async def _exchange_recorded(services: Services, row: AuthExchange) -> Corp | None:
    code = services.secrets.open(row.code_sealed, AUTH_CODE_PURPOSE) if row.code_sealed else ""
    if not code:
        await _exchange_failed(row.code_hash, "the code was not kept; install again")
        return None
    try:
        return await _exchange(services, row.code_hash, code)
    except WeComError as exc:
        log.warning("auth code exchange failed: %s", exc)
        return None


async def process_pending_installs(services: Services) -> int:
    """The job: exchange recorded codes; give up on expired and interrupted ones."""
    now = datetime.now(UTC)
    await AuthExchange.filter(
        status="exchanging", updated_at__lt=now - timedelta(seconds=STALE_EXCHANGE_S)
    ).update(
        status="failed",
        error="interrupted during the exchange; install again",
        code_sealed="",
        updated_at=now,
    )
    await AuthExchange.filter(
        status="pending", created_at__lt=now - timedelta(seconds=AUTH_CODE_TTL_S)
    ).update(status="failed", error="the code expired before its exchange", code_sealed="")
    done = 0
    for row in await AuthExchange.filter(status="pending").order_by("id"):
        if await _exchange_recorded(services, row) is not None:
            done += 1
    return done


# -- self-built -----------------------------------------------------------------------------


async def register_self_built_org(
    services: Services, app: SelfBuiltApp, *, admin_userids: list[str], verify: bool = True
) -> Corp:
    """Make an org's self-built app a tenant (secrets sealed) and queue its first sync.

    ``verify`` first asks WeCom for a token with the secret, so a wrong secret is
    reported here (:class:`InstallError`) instead of failing the sync later.
    """
    if verify:
        probe = CorpTokenProvider(
            services.wecom.client,
            services.kv_store,
            services.secrets,
            corp_id=app.corp_id,
            corp_secret=app.corp_secret,
        )
        await services.kv_store.delete(probe.cache_key)
        try:
            await probe.get()
        except WeComError as exc:
            raise InstallError(f"WeCom refused the app secret: {exc.explanation}") from exc
    await _drop_tokens(services, app.corp_id)
    corp = await tenants.register_self_built(app, services.secrets)
    if corp.status == "disconnected":
        corp.status = "active"
        corp.auth_info = _without_disconnection(corp.auth_info)
        await corp.save(update_fields=["status", "auth_info", "updated_at"])
    for userid in dict.fromkeys(u for u in admin_userids if u):
        await ConsoleRole.get_or_create(
            corp=corp, userid=userid, role="admin", defaults={"granted_by": "register"}
        )
    services.resolver.invalidate(app.corp_id)
    await sync.start_full_sync(services, corp.corp_id, reason="register")
    return corp


# -- after the install ------------------------------------------------------------------------


async def refresh_auth_info(services: Services, corp_id: str) -> Corp | None:
    """``change_auth``: re-read what the corp authorised, and queue a sync (the visible
    range may have changed). None when the corp is not an installed tenant."""
    corp = await Corp.filter(corp_id=corp_id, mode="suite").first()
    if corp is None or corp.status == "cancelled":
        return None
    code = services.secrets.open(corp.permanent_code_sealed, PERMANENT_CODE_PURPOSE)
    try:
        info = await services.wecom.service_api().get_auth_info(corp_id, code)
    except AuthCancelled as exc:
        await mark_disconnected(services, corp_id, exc.explanation, errcode=exc.errcode)
        return await Corp.get(corp_id=corp_id)
    corp.name = info.auth_corp_info.corp_name or corp.name
    if info.agents:
        corp.agent_id = str(info.agents[0].agentid)
    corp.auth_info = {
        **(corp.auth_info or {}),
        "auth_corp_info": info.auth_corp_info.raw,
        "auth_info": info.raw.get("auth_info", {}),
        "auth_changed_at": services.clock(),
    }
    await corp.save(update_fields=["name", "agent_id", "auth_info", "updated_at"])
    await sync.start_full_sync(services, corp_id, reason="change_auth")
    return corp


async def cancel_install(services: Services, corp_id: str, *, at: int = 0) -> Corp | None:
    """``cancel_auth``: the tenant is cancelled, its syncs stop, its tokens are gone.

    ``at`` is WeCom's time of the cancel: one older than the corp's latest install (a
    late retry after a re-install) changes nothing. Callbacks for a cancelled tenant
    are skipped from now on. Its data stays (retention is another feature's policy).
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        return corp
    installed_at = float((corp.auth_info or {}).get("installed_at", 0) or 0)
    if at and installed_at and at < installed_at:
        log.info("cancel_auth of %s is older than its latest install; ignored", corp_id)
        return corp
    await _drop_tokens(services, corp_id)
    corp.status = "cancelled"
    corp.auth_info = {**(corp.auth_info or {}), "cancelled_at": at or services.clock()}
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    await SyncRun.filter(corp_id=corp.id, status__in=UNFINISHED).update(
        status="cancelled",
        error="the tenant cancelled the authorisation",
        finished_at=datetime.now(UTC),
    )
    services.resolver.invalidate(corp_id)
    log.info("corp %s cancelled the authorisation", corp_id)
    return corp


async def mark_disconnected(
    services: Services, corp_id: str, reason: str, *, errcode: int | None = None
) -> None:
    """WeCom rejected the tenant's credentials: stop using them and tell the admin why.

    The reason is kept in ``corp.auth_info["disconnected_reason"]`` (with ``_at`` and
    ``_errcode``) for the admin console; :func:`reconnect` or a new install clears it.
    """
    corp = await Corp.filter(corp_id=corp_id).first()
    if corp is None or corp.status == "cancelled":
        return
    corp.status = "disconnected"
    corp.auth_info = {
        **(corp.auth_info or {}),
        "disconnected_reason": reason,
        "disconnected_at": services.clock(),
        "disconnected_errcode": errcode,
    }
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    services.wecom.forget(corp_id)
    log.warning("corp %s disconnected: %s", corp_id, reason)


def disconnected_reason(corp: Corp) -> str:
    """Why WeCom stopped accepting this tenant's credentials ("" when it did not)."""
    if corp.status != "disconnected":
        return ""
    reason = (corp.auth_info or {}).get("disconnected_reason")
    return str(reason) if reason else "WeCom rejected the app's credentials"


async def reconnect(services: Services, corp_id: str) -> Corp:
    """Try the stored credentials again (the admin fixed something); active if they work."""
    corp = await Corp.get(corp_id=corp_id)
    if corp.status == "cancelled":
        raise InstallError("the app was uninstalled: install it again")
    await _drop_tokens(services, corp_id)
    try:
        provider = await services.wecom.corp_tokens(corp_id)
        await provider.get()
    except (AuthCancelled, InvalidCredential) as exc:
        await mark_disconnected(services, corp_id, exc.explanation, errcode=exc.errcode)
        raise InstallError(f"WeCom still refuses: {exc.explanation}") from exc
    except NoAccess as exc:
        raise InstallError(str(exc)) from exc
    corp.status = "active"
    corp.auth_info = _without_disconnection(corp.auth_info)
    await corp.save(update_fields=["status", "auth_info", "updated_at"])
    await sync.start_full_sync(services, corp_id, reason="reconnect")
    return corp


def _without_disconnection(info: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (info or {}).items() if not k.startswith("disconnected")}


async def _drop_tokens(services: Services, corp_id: str) -> None:
    """Forget the corp's token provider here and its cached token everywhere (KV)."""
    provider = None
    try:
        provider = await services.wecom.corp_tokens(corp_id)
    except NoAccess:
        provider = None
    services.wecom.forget(corp_id)
    key = getattr(provider, "cache_key", None)
    if isinstance(key, str):
        await services.kv_store.delete(key)


__all__ = [
    "InstallError",
    "SuiteTicketMissing",
    "cancel_install",
    "code_hash",
    "complete_install",
    "disconnected_reason",
    "install_link",
    "kick_exchange",
    "mark_disconnected",
    "process_pending_installs",
    "reconnect",
    "record_auth_code",
    "refresh_auth_info",
    "register_self_built_org",
]
