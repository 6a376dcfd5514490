"""The exchange of one auth code for the permanent code: exactly once per code.

A conditional update of the code's ``auth_exchanges`` row (``pending → exchanging``)
elects the one caller that calls WeCom; the others wait for its outcome
(:func:`settled`) or leave it. The winner stores the tenant (permanent code sealed),
its installing admin, a primed corp token, and queues the initial full sync.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from wecom_app import sync
from wecom_app.install.credentials import PERMANENT_CODE_PURPOSE, drop_tokens
from wecom_app.install.errors import InstallError
from wecom_app.store.directory import AuthExchange, ConsoleRole
from wecom_app.store.models import Corp
from wecom_app.wecom import AuthorizedCorpTokenProvider, WeComError
from wecom_app.wecom.service import PermanentCode
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

AUTH_CODE_PURPOSE = "auth_exchange.code"
# The redirect waits this long for an exchange another caller is doing.
EXCHANGE_WAIT_S = 20.0
# An exchange "in progress" for longer than this was interrupted (its process died):
# the code may or may not have been spent, so the admin is told to install again.
STALE_EXCHANGE_S = 120.0
# WeCom's auth codes live 10 minutes.
AUTH_CODE_TTL_S = 600.0
_POLL_S = 0.05


def code_hash(auth_code: str) -> str:
    """The key of a code's ``auth_exchanges`` row (the code itself is not kept)."""
    return hashlib.sha256(auth_code.encode()).hexdigest()


async def _take(digest: str) -> bool:
    """Claim the exchange of one code (pending → exchanging); True for exactly one caller."""
    taken = await AuthExchange.filter(code_hash=digest, status="pending").update(
        status="exchanging", updated_at=datetime.now(UTC)
    )
    return bool(taken)


async def exchange(services: Services, digest: str, auth_code: str) -> Corp | None:
    """Exchange the code if we win the claim; None when another caller has it."""
    if not await _take(digest):
        return None
    row = await AuthExchange.get(code_hash=digest)
    try:
        answer = await _permanent_code(services, auth_code)
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


async def _permanent_code(services: Services, auth_code: str) -> PermanentCode:
    """v1, or v2 (WeCom's recommended path) with ``WECOM_PERMANENT_CODE_API=v2``."""
    api = services.wecom.service_api()
    suite = services.settings.suite
    if suite is not None and suite.permanent_code_api == "v2":
        return await api.get_permanent_code_v2(auth_code)
    return await api.get_permanent_code(auth_code)


async def _exchange_failed(digest: str, error: str) -> None:
    await AuthExchange.filter(code_hash=digest).update(
        status="failed", error=error[:2000], code_sealed="", updated_at=datetime.now(UTC)
    )


async def settled(digest: str) -> Corp:
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
    await drop_tokens(services, corp.corp_id)
    services.tenant_changed(corp.corp_id)
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
        return await exchange(services, row.code_hash, code)
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
