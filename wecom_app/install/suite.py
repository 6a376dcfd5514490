"""The suite flow's entry points: the install link, an auth code recorded (the
``create_auth`` callback), and the install completed (the admin's redirect back).
The exchange itself is :mod:`.exchange`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wecom_app.config import SuiteApp
from wecom_app.install.errors import InstallError
from wecom_app.install.exchange import AUTH_CODE_PURPOSE, code_hash, exchange, settled
from wecom_app.store.directory import AuthExchange
from wecom_app.store.models import Corp
from wecom_app.wecom.service import INSTALL_URL, install_url

if TYPE_CHECKING:
    from wecom_app.services import Services


def suite_of(services: Services) -> SuiteApp:
    """The deployment's suite; an :class:`InstallError` when it runs self-built only."""
    suite = services.settings.suite
    if suite is None:
        raise InstallError("this deployment has no third-party suite configured")
    return suite


async def install_link(
    services: Services,
    *,
    redirect_uri: str,
    state: str,
    test_install: bool = False,
    page: str = INSTALL_URL,
) -> str:
    """The URL of WeCom's install page for our suite; WeCom returns to ``redirect_uri``.

    ``test_install`` marks the session as a test install (``auth_type`` 1), as WeCom
    requires for a suite not yet on the marketplace. ``page``: where the install page
    is (WeCom's; a simulator's in the demo). Raises :class:`SuiteTicketMissing`
    before WeCom's first ticket push, :class:`WeComError` when WeCom refuses.
    """
    suite = suite_of(services)
    api = services.wecom.service_api()
    pre = await api.get_pre_auth_code()
    if test_install:
        await api.set_session_info(pre.pre_auth_code, auth_type=1)
    return install_url(suite.suite_id, pre.pre_auth_code, redirect_uri, state, page)


async def record_auth_code(services: Services, auth_code: str, *, source: str) -> str:
    """Remember an auth code for its exchange (a no-op if it is known); its hash.

    Safe inside a transaction: ``INSERT ... ON CONFLICT DO NOTHING`` neither raises nor
    aborts it. The code is kept sealed only until its exchange.
    """
    suite = suite_of(services)
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
    same code failed or is still running after :data:`.exchange.EXCHANGE_WAIT_S`.
    """
    digest = await record_auth_code(services, auth_code, source=source)
    corp = await exchange(services, digest, auth_code)
    if corp is None:
        return await settled(digest)
    return corp
