"""JS-SDK tickets (Doc 90506) and a simulator-only signature check.

- ``GET /cgi-bin/get_jsapi_ticket`` → the corp ticket (``wx.config``);
- ``GET /cgi-bin/ticket/get?type=agent_config`` → the app ticket (``wx.agentConfig``).

Both take the corp token (self-built ``gettoken`` or third-party ``get_corp_token``).
WeCom's limits are enforced: per hour a corp may fetch 400 corp tickets, at most 100 of
them through one app, and an app 100 app tickets; past that the answer is 45009 ❓ (the
pages state the limits, not the errcode). A ticket lives 7200 s; fetching again while
it is valid returns the same ticket ❓ (as the simulator's tokens do).

``GET /cgi-bin/sim/jsapi/verify`` exists only here: it answers whether a ``wx.config``
(``kind=config``) or ``wx.agentConfig`` (``kind=agent_config``) signature is one WeCom's
client would accept — computed with a ticket this simulator issued to that corp (and,
for agent_config, to that app) and still valid. The sidebar's preview page uses it to
make its stub ``wx`` fail exactly where the real client would (40093 / 42012), and an
app can call it to find out that it talks to the simulator.

The state lives beside the :class:`Simulator` (a weak map), so the simulator's own
modules need no change to carry it.
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass, field

from wecom_app.protocol import jsapi
from wecom_app.simulator.api_common import (
    FREQ_OUT_OF_LIMIT,
    INVALID_PARAMETER,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
)
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.tokens import TokenKind

TICKET_TTL_S = 7200
CORP_TICKETS_PER_HOUR = 400
APP_TICKETS_PER_HOUR = 100
JSAPI_SIGNATURE_ERROR = 40093
WRONG_AGENT_TICKET = 42012


@dataclass
class IssuedTicket:
    value: str
    kind: str  # "corp" | "agent"
    corp_id: str
    app: str  # which app fetched it ("agent:1000002" or "suite:ww…")
    expires_at: float


@dataclass
class JsapiState:
    """Tickets issued by one simulator, and the hourly fetch counts."""

    sim: Simulator
    current: dict[tuple[str, str, str], IssuedTicket] = field(default_factory=dict)
    issued: list[IssuedTicket] = field(default_factory=list)
    fetches: dict[tuple[str, int], int] = field(default_factory=dict)

    def _count(self, *limits: tuple[str, int]) -> None:
        """Take one fetch from every named limit, or from none when any is used up."""
        hour = int(self.sim.clock() // 3600)
        for name, limit in limits:
            if self.fetches.get((name, hour), 0) >= limit:
                raise ApiError(FREQ_OUT_OF_LIMIT, f"{name}: jsapi ticket fetch limit reached")
        for name, _ in limits:
            self.fetches[(name, hour)] = self.fetches.get((name, hour), 0) + 1

    def fetch(self, kind: str, corp_id: str, app: str) -> IssuedTicket:
        if kind == "corp":
            self._count(
                (f"corp:{corp_id}", CORP_TICKETS_PER_HOUR),
                (f"corp:{corp_id}:{app}", APP_TICKETS_PER_HOUR),
            )
        else:
            self._count((f"agent:{corp_id}:{app}", APP_TICKETS_PER_HOUR))
        # The corp ticket is the corp's whichever app asks; the app ticket is the app's.
        key = (kind, corp_id, app if kind == "agent" else "")
        now = self.sim.clock()
        ticket = self.current.get(key)
        if ticket is None or ticket.expires_at <= now:
            value = "".join(secrets.choice(_ALPHABET) for _ in range(86))
            ticket = IssuedTicket(value, kind, corp_id, app, now + TICKET_TTL_S)
            self.current[key] = ticket
            self.issued.append(ticket)
        return ticket

    def fetch_count(self, name: str) -> int:
        """Fetches this hour under a limit name (``corp:<corpid>``, ``agent:<corpid>:<app>``)."""
        return self.fetches.get((name, int(self.sim.clock() // 3600)), 0)

    def check(
        self,
        kind: str,
        corp_id: str,
        url: str,
        noncestr: str,
        timestamp: str,
        signature: str,
        agent_id: str = "",
    ) -> int:
        """0 when the client would accept the signature, else the errcode it reports."""
        now = self.sim.clock()
        wanted = "corp" if kind == "config" else "agent"
        for ticket in self.issued:
            if ticket.corp_id != corp_id or ticket.expires_at <= now:
                continue
            if not jsapi.verify(ticket.value, noncestr, timestamp, url, signature):
                continue
            if ticket.kind != wanted:
                # A corp ticket in wx.agentConfig: the client's 42012.
                return WRONG_AGENT_TICKET if wanted == "agent" else JSAPI_SIGNATURE_ERROR
            if wanted == "agent" and agent_id and not _same_app(ticket.app, agent_id):
                return WRONG_AGENT_TICKET
            return 0
        return JSAPI_SIGNATURE_ERROR


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_STATES: weakref.WeakKeyDictionary[Simulator, JsapiState] = weakref.WeakKeyDictionary()


def _same_app(app: str, agent_id: str) -> bool:
    return app == f"agent:{agent_id}" or app.startswith("suite:")


def jsapi_state(sim: Simulator) -> JsapiState:
    """The JS-SDK state of ``sim`` (created on first use)."""
    state = _STATES.get(sim)
    if state is None:
        state = _STATES[sim] = JsapiState(sim)
    return state


def _app_of(call: ApiCall) -> tuple[str, str]:
    token = call.token
    if token is None or token.kind is not TokenKind.ACCESS or not token.corp_id:
        raise ApiError(40014)
    org = call.org()
    if token.third_party:
        return token.corp_id, f"suite:{token.suite_id}"
    agent_id = org.app.agent_id if org.app is not None else 0
    return token.corp_id, f"agent:{agent_id}"


def get_jsapi_ticket(call: ApiCall) -> JsonObject:
    corp_id, app = _app_of(call)
    ticket = jsapi_state(call.sim).fetch("corp", corp_id, app)
    return {"ticket": ticket.value, "expires_in": max(0, int(ticket.expires_at - call.sim.clock()))}


def get_ticket(call: ApiCall) -> JsonObject:
    if call.text("type") != "agent_config":
        raise ApiError(INVALID_PARAMETER, "type must be agent_config")
    corp_id, app = _app_of(call)
    ticket = jsapi_state(call.sim).fetch("agent", corp_id, app)
    return {"ticket": ticket.value, "expires_in": max(0, int(ticket.expires_at - call.sim.clock()))}


def verify_signature(call: ApiCall) -> JsonObject:
    kind = call.text("kind")
    if kind not in ("config", "agent_config"):
        raise ApiError(INVALID_PARAMETER, "kind must be config or agent_config")
    result = jsapi_state(call.sim).check(
        kind,
        call.text("corpid"),
        call.text("url"),
        call.text("noncestr"),
        call.text("timestamp"),
        call.text("signature"),
        call.text("agentid"),
    )
    return {"simulator": True, "result": result}


APIS = (
    Api("/cgi-bin/get_jsapi_ticket", "GET", get_jsapi_ticket),
    Api("/cgi-bin/ticket/get", "GET", get_ticket),
    Api("/cgi-bin/sim/jsapi/verify", "GET", verify_signature, auth=None),
)
