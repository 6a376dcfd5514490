"""One place that turns a tenant into WeCom API access (tokens + API groups).

Self-built tenants use their corp secret (``gettoken``); suite-installed tenants use the
suite token + their permanent code (``service/get_corp_token``). Providers are cached per
corp; :meth:`WeComAccess.forget` drops one when its credentials change.
"""

from __future__ import annotations

from wecom_app import tenants
from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.store.models import Corp
from wecom_app.wecom import (
    AuthorizedCorpTokenProvider,
    CorpAPI,
    CorpTokenProvider,
    ServiceAPI,
    SuiteTokenProvider,
    TokenSource,
    WeComClient,
)


class NoAccess(Exception):
    """The tenant is unknown, cancelled, or has no usable credentials."""


class WeComAccess:
    def __init__(self, settings: Settings, kv: KV, box: SecretBox, client: WeComClient) -> None:
        self.settings = settings
        self.kv = kv
        self.box = box
        self.client = client
        self._suite: SuiteTokenProvider | None = None
        self._corps: dict[str, TokenSource] = {}

    def suite_tokens(self) -> SuiteTokenProvider:
        suite = self.settings.suite
        if suite is None:
            raise NoAccess("no suite is configured")
        if self._suite is None:
            suite_id = suite.suite_id

            async def ticket() -> str | None:
                return await tenants.current_suite_ticket(suite_id, self.box)

            self._suite = SuiteTokenProvider(
                self.client,
                self.kv,
                self.box,
                suite_id=suite.suite_id,
                suite_secret=suite.suite_secret,
                suite_ticket=ticket,
            )
        return self._suite

    def service_api(self) -> ServiceAPI:
        return ServiceAPI(self.client, self.suite_tokens())

    async def corp_tokens(self, corp_id: str) -> TokenSource:
        cached = self._corps.get(corp_id)
        if cached is not None:
            return cached
        corp = await Corp.filter(corp_id=corp_id).first()
        if corp is None or corp.status == "cancelled":
            raise NoAccess(f"corp {corp_id!r} is not an active tenant")
        provider: TokenSource
        if corp.mode == "self_built":
            secret = self.box.open(corp.secret_sealed, "corp.secret")
            if not secret:
                raise NoAccess(f"corp {corp_id!r} has no app secret")
            provider = CorpTokenProvider(
                self.client, self.kv, self.box, corp_id=corp_id, corp_secret=secret
            )
        else:
            code = self.box.open(corp.permanent_code_sealed, "corp.permanent_code")
            if not code:
                raise NoAccess(f"corp {corp_id!r} has no permanent code")
            provider = AuthorizedCorpTokenProvider(
                self.client,
                self.kv,
                self.box,
                suite=self.suite_tokens(),
                auth_corpid=corp_id,
                permanent_code=code,
            )
        self._corps[corp_id] = provider
        return provider

    async def corp_api(self, corp_id: str) -> CorpAPI:
        return CorpAPI(self.client, await self.corp_tokens(corp_id))

    def forget(self, corp_id: str) -> None:
        self._corps.pop(corp_id, None)
