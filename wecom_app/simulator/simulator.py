"""The simulated WeCom: world, clock, tokens, faults, limits, callbacks — one object.

Typical use::

    sim = Simulator(seed=1)
    org = sim.add_org(generate_org(seed=1, customers=5000))
    sim.enable_self_built_app(org.corp_id, secret=..., callback_token=..., callback_aes_key=...)
    app = create_simulator_app(sim)          # wecom_app.simulator.api
    transport = httpx.ASGITransport(app=app)  # or serve it with uvicorn

    sim.add_customer(org.corp_id, "zhangwei")   # records add_external_contact
    await sim.deliver_callbacks(client, "http://our-app")

Third-party flow: :meth:`add_suite`, :meth:`push_suite_ticket`, :meth:`authorize` (the
admin installs: an auth code and a ``create_auth`` push), :meth:`cancel_authorization`.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable

import httpx

from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.simulator.actions_chats import GroupChatActions
from wecom_app.simulator.actions_customers import CustomerActions
from wecom_app.simulator.actions_directory import DirectoryActions
from wecom_app.simulator.actions_tags import TagActions
from wecom_app.simulator.callbacks import WECOM_ATTEMPTS, WECOM_TIMEOUT_S, verify_url
from wecom_app.simulator.emitter import (
    DATA_CALLBACK_PATH,
    SUITE_CALLBACK_PATH,
    CallbackOutbox,
    Delivery,
    PendingCallback,
)
from wecom_app.simulator.faults import Faults, RateLimits
from wecom_app.simulator.generator import PeopleFactory, hex_id
from wecom_app.simulator.state import (
    AuthCode,
    Authorization,
    Org,
    PreAuthCode,
    SelfBuiltApp,
    SimClock,
    Suite,
    World,
)
from wecom_app.simulator.tokens import TokenStore

AUTH_CODE_TTL_S = 600  # 10 minutes, single use
PRE_AUTH_CODE_TTL_S = 1200
SUITE_TICKET_TTL_S = 1800  # valid 30 minutes
SUITE_TICKET_INTERVAL_S = 600  # pushed every 10 minutes

_KEY_ALPHABET = string.ascii_letters + string.digits


class Simulator(CustomerActions, DirectoryActions, TagActions, GroupChatActions):
    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        seed: int = 0,
        per_minute: int = 10_000,
        per_hour: int = 150_000,
    ) -> None:
        self.clock: Callable[[], float] = clock if clock is not None else SimClock()
        self.world = World()
        # Separate streams: ids of new people/things vs. secrets and tokens, so that
        # making API calls does not change which customer ``add_customer`` invents.
        self.people = PeopleFactory(random.Random(seed))
        self._secrets = random.Random(f"secrets:{seed}")
        self.tokens = TokenStore(self.clock, self._secrets)
        self.faults = Faults()
        self.limits = RateLimits(self.clock, per_minute=per_minute, per_hour=per_hour)
        self.calls: Counter[str] = Counter()
        self.callbacks = CallbackOutbox(self.world, self.clock)

    # -- orgs and apps -----------------------------------------------------------------

    def add_org(self, org: Org) -> Org:
        self.world.orgs[org.corp_id] = org
        return org

    def org(self, corp_id: str) -> Org:
        return self.world.orgs[corp_id]

    def enable_self_built_app(
        self,
        corp_id: str,
        *,
        secret: str | None = None,
        callback_token: str | None = None,
        callback_aes_key: str | None = None,
        agent_id: int = 1000002,
    ) -> SelfBuiltApp:
        """Give the org a self-built app: ``gettoken`` accepts its secret, and its
        callbacks go to ``/callbacks/corp/{corp_id}``."""
        app = SelfBuiltApp(
            agent_id=agent_id,
            secret=secret or self._random_text(43),
            callback_token=callback_token or self._random_text(16),
            callback_aes_key=callback_aes_key or self._random_text(43),
        )
        self.world.orgs[corp_id].app = app
        return app

    def add_suite(
        self,
        suite_id: str | None = None,
        *,
        secret: str | None = None,
        token: str | None = None,
        aes_key: str | None = None,
        provider_corp_id: str | None = None,
    ) -> Suite:
        suite_id = suite_id or hex_id(self._secrets, "ww", 16)
        suite = Suite(
            suite_id=suite_id,
            secret=secret or self._random_text(43),
            token=token or self._random_text(16),
            aes_key=aes_key or self._random_text(43),
            # Not drawn from the seeded generator: existing seeds keep their worlds.
            provider_corp_id=provider_corp_id or "wwprovider" + suite_id[-8:],
        )
        self.world.suites[suite.suite_id] = suite
        return suite

    # -- time --------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the simulator clock; suite tickets are pushed every 10 minutes as time passes."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("the injected clock cannot be advanced; advance it yourself")
        advance(seconds)
        for suite in self.world.suites.values():
            last = suite.last_ticket_push
            if last is not None and self.clock() - last >= SUITE_TICKET_INTERVAL_S:
                self.push_suite_ticket(suite.suite_id)

    # -- the suite flow ----------------------------------------------------------------

    def push_suite_ticket(self, suite_id: str | None = None) -> str:
        """Issue a new suite ticket and record its ``suite_ticket`` push."""
        suite = self._suite(suite_id)
        ticket = self._random_text(64)
        now = self.clock()
        suite.tickets = {t: at for t, at in suite.tickets.items() if now - at < SUITE_TICKET_TTL_S}
        suite.tickets[ticket] = now
        suite.last_ticket_push = now
        self.callbacks.emit_suite(suite.suite_id, "suite_ticket", {"SuiteTicket": ticket})
        return ticket

    def ticket_is_valid(self, suite_id: str, ticket: str) -> bool:
        issued = self.world.suites[suite_id].tickets.get(ticket)
        return issued is not None and self.clock() - issued < SUITE_TICKET_TTL_S

    def new_pre_auth_code(self, suite_id: str) -> PreAuthCode:
        code = PreAuthCode(
            code=self._random_text(64),
            suite_id=suite_id,
            expires_at=self.clock() + PRE_AUTH_CODE_TTL_S,
        )
        self.world.pre_auth_codes[code.code] = code
        return code

    def authorize(
        self,
        suite_id: str,
        corp: Org | str,
        *,
        state: str = "",
        installer: str | None = None,
        push: bool = True,
        auth_type: int = 0,
    ) -> str:
        """An admin of ``corp`` installs the suite; returns the temporary auth code.

        With ``push`` (a marketplace install) WeCom pushes ``create_auth``; an install
        from the provider's own site only redirects with the code (wecom-protocol.md §2),
        which is ``push=False``.
        """
        suite = self._suite(suite_id)
        org = self.add_org(corp) if isinstance(corp, Org) else self.world.orgs[corp]
        key = (suite.suite_id, org.corp_id)
        existing = self.world.authorizations.get(key)
        if existing is not None and existing.active:
            raise ValueError(f"{org.corp_id} already authorised {suite.suite_id}")
        admins = [e.userid for e in org.active_employees()]
        self.world.authorizations[key] = Authorization(
            suite_id=suite.suite_id,
            corp_id=org.corp_id,
            permanent_code=self._random_text(43),
            agent_id=1000000 + len(self.world.authorizations) + 1,
            installer_userid=installer or (admins[0] if admins else ""),
            state=state,
            auth_type=auth_type,
        )
        code = AuthCode(
            code=self._random_text(64),
            suite_id=suite.suite_id,
            corp_id=org.corp_id,
            expires_at=self.clock() + AUTH_CODE_TTL_S,
        )
        self.world.auth_codes[code.code] = code
        if push:
            self.callbacks.emit_suite(
                suite.suite_id, "create_auth", {"AuthCode": code.code, "State": state}
            )
        return code.code

    def install_from_link(self, pre_auth_code: str, corp: Org | str, *, state: str = "") -> str:
        """The admin followed the provider's install link: no push, the code is in the redirect."""
        pre = self.world.pre_auth_codes.get(pre_auth_code)
        if pre is None or pre.expires_at <= self.clock():
            raise ValueError("pre_auth_code is unknown or expired")
        return self.authorize(pre.suite_id, corp, state=state, push=False, auth_type=pre.auth_type)

    def cancel_authorization(self, suite_id: str, corp_id: str) -> PendingCallback:
        """The corp uninstalls: tokens die, the permanent code stops working (40084)."""
        authorization = self.world.authorizations[(suite_id, corp_id)]
        authorization.active = False
        self.tokens.invalidate(corp_id=corp_id, suite_id=suite_id)
        return self.callbacks.emit_suite(suite_id, "cancel_auth", {"AuthCorpId": corp_id})

    def change_authorization(self, suite_id: str, corp_id: str) -> PendingCallback:
        """The admin changed the app's visible range or permissions → ``change_auth``."""
        if not self.world.authorizations[(suite_id, corp_id)].active:
            raise ValueError("authorisation was cancelled")
        return self.callbacks.emit_suite(suite_id, "change_auth", {"AuthCorpId": corp_id})

    # -- tokens ------------------------------------------------------------------------

    def invalidate_token(
        self, token: str | None = None, *, corp_id: str | None = None, errcode: int = 40014
    ) -> int:
        """WeCom revokes a token early (one token, or every token of a corp)."""
        return self.tokens.invalidate(token, corp_id=corp_id, errcode=errcode)

    # -- callbacks ---------------------------------------------------------------------

    async def verify_suite_urls(
        self, client: httpx.AsyncClient, base_url: str = "", suite_id: str | None = None
    ) -> dict[str, bool]:
        """Save the suite's command and data URLs in the provider admin: WeCom verifies
        each with a GET encrypted under the provider's corp id (wecom-protocol.md §1)."""
        suite = self._suite(suite_id)
        crypto = CallbackCrypto(suite.token, suite.aes_key, suite.provider_corp_id)
        base = base_url.rstrip("/")
        return {
            path: await verify_url(client, crypto, base + path, clock=self.clock)
            for path in (SUITE_CALLBACK_PATH, DATA_CALLBACK_PATH)
        }

    @property
    def pending_callbacks(self) -> list[PendingCallback]:
        return self.callbacks.pending

    def pop_callbacks(self) -> list[PendingCallback]:
        return self.callbacks.pop()

    async def deliver_callbacks(
        self,
        client: httpx.AsyncClient,
        base_url: str = "",
        *,
        timeout_s: float = WECOM_TIMEOUT_S,
        attempts: int = WECOM_ATTEMPTS,
    ) -> list[Delivery]:
        return await self.callbacks.deliver(
            client, base_url, timeout_s=timeout_s, attempts=attempts
        )

    # -- helpers -----------------------------------------------------------------------

    def _suite(self, suite_id: str | None) -> Suite:
        if suite_id is None:
            if len(self.world.suites) != 1:
                raise ValueError("name the suite: the simulator has none or several")
            return next(iter(self.world.suites.values()))
        return self.world.suites[suite_id]

    def _random_text(self, length: int) -> str:
        return "".join(self._secrets.choice(_KEY_ALPHABET) for _ in range(length))
