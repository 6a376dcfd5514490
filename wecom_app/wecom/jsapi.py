"""JS-SDK tickets (jsapi_ticket), with the corp token; cached in the KV store.

- corp ticket for ``wx.config``: ``GET /cgi-bin/get_jsapi_ticket`` (Doc 90506);
- app ticket for ``wx.agentConfig``: ``GET /cgi-bin/ticket/get?type=agent_config``.

Third-party apps call both with the corp token from ``service/get_corp_token``; a
self-built app with its own ``gettoken`` token — :class:`~wecom_app.wecom.client.TokenSource`
hides the difference. WeCom allows a corp **400** corp-ticket fetches per hour, at most
**100** of them by one app, and an app **100** app-ticket fetches per hour; past that
the page cannot be signed for the rest of the hour. So tickets are cached in the KV
store (sealed, like tokens) until ``expires_in`` minus a margin, fetched single-flight
(one fetch however many pages and processes ask at once), and every fetch first takes
a slot from an hourly budget kept in the KV store, so even a bug that loops on
invalidation stops at our budget instead of WeCom's block.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from wecom_app.kv import KV
from wecom_app.secretbox import SecretBox
from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.errors import RateLimited, Unreachable
from wecom_app.wecom.parsing import integer, text
from wecom_app.wecom.tokens import CachedTokenProvider

CORP_TICKET_PATH = "/cgi-bin/get_jsapi_ticket"
AGENT_TICKET_PATH = "/cgi-bin/ticket/get"

# WeCom's hourly limits (Doc 90506); budgets default a little below them.
CORP_TICKETS_PER_HOUR = 400
APP_TICKETS_PER_HOUR = 100
_DEFAULT_EXPIRES_IN = 7200


@dataclass(frozen=True)
class Ticket:
    ticket: str
    expires_in: int

    def __repr__(self) -> str:
        return f"Ticket(ticket='***', expires_in={self.expires_in})"


def _ticket_from(data: dict[str, object], path: str) -> Ticket:
    ticket = text(data, "ticket")
    if not ticket:
        raise Unreachable(-1, "the answer has no ticket", path, retry_safe=False)
    return Ticket(ticket, integer(data, "expires_in") or _DEFAULT_EXPIRES_IN)


class JsapiAPI:
    """The two ticket calls, uncached (use :class:`JsapiTickets` in the product)."""

    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self.tokens = tokens

    async def get_corp_ticket(self) -> Ticket:
        """The corp's jsapi_ticket, for ``wx.config``.

        https://developer.work.weixin.qq.com/document/path/90506
        """
        data = await self._client.get(CORP_TICKET_PATH, token=self.tokens)
        return _ticket_from(data, CORP_TICKET_PATH)

    async def get_agent_ticket(self) -> Ticket:
        """The app's jsapi_ticket, for ``wx.agentConfig`` (a corp ticket there fails, 42012).

        https://developer.work.weixin.qq.com/document/path/90506
        """
        data = await self._client.get(
            AGENT_TICKET_PATH, {"type": "agent_config"}, token=self.tokens
        )
        return _ticket_from(data, AGENT_TICKET_PATH)


class HourlyBudget:
    """Fixed one-hour windows counted in the KV store, shared by every process."""

    def __init__(self, kv: KV, clock: Callable[[], float] = time.time) -> None:
        self._kv = kv
        self._clock = clock

    async def take(self, name: str, limit: int, path: str) -> None:
        """Count one use of ``name``; :class:`RateLimited` once ``limit`` is used up."""
        hour = int(self._clock() // 3600)
        used = await self._kv.incr(f"jsapi-budget:{name}:{hour}", ttl=3600)
        if used > limit:
            raise RateLimited(
                45009,
                f"our hourly budget of {limit} ticket fetches for {name} is used up",
                path,
            )


class _TicketProvider(CachedTokenProvider):
    kind: ClassVar[str]

    def __init__(
        self,
        api: JsapiAPI,
        kv: KV,
        box: SecretBox,
        budget: HourlyBudget,
        *,
        corp_id: str,
        agent_id: str,
        corp_budget: int,
        app_budget: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            kv=kv,
            box=box,
            cache_key=f"jsapi-ticket:{self.kind}:{corp_id}:{agent_id}",
            scope=corp_id,
            clock=clock,
        )
        self.api = api
        self._budget = budget
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._corp_budget = corp_budget
        self._app_budget = app_budget


class CorpTicketProvider(_TicketProvider):
    """The corp ticket (``wx.config``): counts against the corp's 400 and the app's 100."""

    kind: ClassVar[str] = "corp"
    fetch_path: ClassVar[str] = CORP_TICKET_PATH

    async def _fetch(self) -> tuple[str, int]:
        await self._budget.take(f"corp:{self.corp_id}", self._corp_budget, CORP_TICKET_PATH)
        await self._budget.take(
            f"corp:{self.corp_id}:app:{self.agent_id}", self._app_budget, CORP_TICKET_PATH
        )
        ticket = await self.api.get_corp_ticket()
        return ticket.ticket, ticket.expires_in


class AgentTicketProvider(_TicketProvider):
    """The app ticket (``wx.agentConfig``): 100 per app per hour."""

    kind: ClassVar[str] = "agent"
    fetch_path: ClassVar[str] = AGENT_TICKET_PATH

    async def _fetch(self) -> tuple[str, int]:
        await self._budget.take(
            f"agent:{self.corp_id}:app:{self.agent_id}", self._app_budget, AGENT_TICKET_PATH
        )
        ticket = await self.api.get_agent_ticket()
        return ticket.ticket, ticket.expires_in


class JsapiTickets:
    """Cached ticket providers per (corp, app); one instance per process."""

    def __init__(
        self,
        client: WeComClient,
        kv: KV,
        box: SecretBox,
        *,
        corp_budget: int = CORP_TICKETS_PER_HOUR,
        app_budget: int = APP_TICKETS_PER_HOUR,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._kv = kv
        self._box = box
        self._clock = clock
        self._budget = HourlyBudget(kv, clock)
        self._corp_budget = corp_budget
        self._app_budget = app_budget
        self._providers: dict[tuple[str, str, str], _TicketProvider] = {}

    def _provider(
        self, cls: type[_TicketProvider], tokens: TokenSource, corp_id: str, agent_id: str
    ) -> _TicketProvider:
        key = (cls.kind, corp_id, agent_id)
        provider = self._providers.get(key)
        if provider is not None and provider.api.tokens is not tokens:
            # The corp's token provider was replaced (credentials changed): use the new one.
            provider.api = JsapiAPI(self._client, tokens)
        if provider is None:
            provider = self._providers[key] = cls(
                JsapiAPI(self._client, tokens),
                self._kv,
                self._box,
                self._budget,
                corp_id=corp_id,
                agent_id=agent_id,
                corp_budget=self._corp_budget,
                app_budget=self._app_budget,
                clock=self._clock,
            )
        return provider

    def corp(self, tokens: TokenSource, corp_id: str, agent_id: str) -> _TicketProvider:
        """The provider of the corp ticket, fetched with ``tokens`` (the app's corp token)."""
        return self._provider(CorpTicketProvider, tokens, corp_id, agent_id)

    def agent(self, tokens: TokenSource, corp_id: str, agent_id: str) -> _TicketProvider:
        """The provider of the app ticket of ``agent_id``."""
        return self._provider(AgentTicketProvider, tokens, corp_id, agent_id)

    def forget(self, corp_id: str) -> None:
        """Drop the providers of a corp whose credentials changed (the cache stays valid)."""
        for key in [k for k in self._providers if k[1] == corp_id]:
            del self._providers[key]
