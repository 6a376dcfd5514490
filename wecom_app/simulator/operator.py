"""Operator controls: what people do in WeCom that no API call does, on demand.

A demo (or a tester at the keyboard) needs WeCom's world to move: an employee leaves
(the admin removes them in WeCom's contacts, which sends ``delete_user``), a customer
refuses to be handed over, a day passes so the transfers WeCom completes after 24 h
complete. :class:`Operator` does each on a :class:`~wecom_app.simulator.simulator.
Simulator` and, when told where the app listens (:attr:`Operator.callback_base`),
delivers the callbacks at once, as WeCom would. :func:`operator_routes` serves the same
controls over HTTP on the simulator's app (``/operator/*``, JSON in and out), which is
what ``wecom-app simulator …`` and the demo console's buttons call.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wecom_app.protocol import jsonin
from wecom_app.simulator.transfer import transfer_desk

if TYPE_CHECKING:
    from wecom_app.simulator.simulator import Simulator

MAX_ADVANCE_S = 400 * 86400  # a year and a bit: enough for any rule the simulator keeps
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\+?\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?$")


class OperatorError(ValueError):
    """A control that cannot be done (unknown employee, bad duration, ...)."""


def parse_duration(text: str) -> float:
    """``"+24h"``, ``"90 m"``, ``"2d"``, ``"3600"`` (seconds) → seconds."""
    found = _DURATION.match(text.strip().lower())
    if found is None:
        raise OperatorError(f"not a duration: {text!r} (try +24h, 90m, 2d)")
    seconds = float(found.group(1)) * _UNITS[found.group(2) or "s"]
    if not 0 < seconds <= MAX_ADVANCE_S:
        raise OperatorError(f"a duration between 1 s and {MAX_ADVANCE_S // 86400} days")
    return seconds


@dataclass
class Operator:
    sim: Simulator
    # The app's base URL: callbacks are delivered there after each control ("" keeps
    # them queued for whoever delivers them, as tests do).
    callback_base: str = ""

    def _corp(self, corp_id: str) -> str:
        if corp_id:
            if corp_id not in self.sim.world.orgs:
                raise OperatorError(f"no org {corp_id}")
            return corp_id
        orgs = list(self.sim.world.orgs)
        if len(orgs) > 1:  # several: the one that installed an app, if only one did
            orgs = sorted({a.corp_id for a in self.sim.world.authorizations.values() if a.active})
            orgs += [o.corp_id for o in self.sim.world.orgs.values() if o.app is not None]
            orgs = list(dict.fromkeys(orgs))
        if len(orgs) != 1:
            raise OperatorError("name the org (corp_id): the simulator has none or several")
        return orgs[0]

    def leave(self, userid: str, corp_id: str = "") -> str:
        """The employee leaves the org; WeCom sends ``delete_user``."""
        corp = self._corp(corp_id)
        if userid not in self.sim.org(corp).employees:
            raise OperatorError(f"no active employee {userid!r} in {corp}")
        self.sim.delete_employee(corp, userid)
        return corp

    def refuse(self, external_userid: str, corp_id: str = "", *, refuse: bool = True) -> None:
        """The customer refuses (or, with ``refuse=False``, accepts again) every transfer."""
        corp = self._corp(corp_id)
        if external_userid not in self.sim.org(corp).customers:
            raise OperatorError(f"no customer {external_userid!r} in {corp}")
        desk = transfer_desk(self.sim)
        if refuse:
            desk.refusing.add(external_userid)
        else:
            desk.refusing.discard(external_userid)

    def advance(self, seconds: float) -> int:
        """Move the clock and settle what fell due (takeovers, refusals); how many."""
        if not 0 < seconds <= MAX_ADVANCE_S:
            raise OperatorError("advance between 1 s and a year")
        self.sim.advance(seconds)
        return transfer_desk(self.sim).settle()

    async def deliver(self, client: httpx.AsyncClient | None = None) -> int:
        """Deliver the queued callbacks to :attr:`callback_base`; how many were sent."""
        if not self.callback_base or not self.sim.pending_callbacks:
            return 0
        if client is not None:
            return len(await self.sim.deliver_callbacks(client, self.callback_base))
        async with httpx.AsyncClient(timeout=10.0) as own:
            return len(await self.sim.deliver_callbacks(own, self.callback_base))

    def state(self) -> dict[str, Any]:
        desk = transfer_desk(self.sim)
        return {
            "now": self.sim.clock(),
            "departed": {
                corp_id: sorted(org.departed) for corp_id, org in self.sim.world.orgs.items()
            },
            "refusing": sorted(desk.refusing),
            "transfers_pending": len(desk.pending),
            "callbacks_pending": len(self.sim.pending_callbacks),
        }


_operators: weakref.WeakKeyDictionary[Simulator, Operator] = weakref.WeakKeyDictionary()


def operator_of(sim: Simulator) -> Operator:
    """The one :class:`Operator` of ``sim``."""
    operator = _operators.get(sim)
    if operator is None:
        operator = _operators[sim] = Operator(sim)
    return operator


def operator_routes(sim: Simulator) -> list[Route]:
    """``GET /operator`` (state) and ``POST /operator/{leave,refuse,advance}``."""

    async def state(request: Request) -> Response:
        return JSONResponse(operator_of(sim).state())

    async def leave(request: Request) -> Response:
        body = await _body(request)
        operator = operator_of(sim)
        corp = operator.leave(_text(body, "userid"), str(body.get("corp_id", "")))
        return await _done(operator, {"corp_id": corp, "left": body["userid"]})

    async def refuse(request: Request) -> Response:
        body = await _body(request)
        operator = operator_of(sim)
        refusing = body.get("refuse", True) is not False
        operator.refuse(
            _text(body, "external_userid"), str(body.get("corp_id", "")), refuse=refusing
        )
        return await _done(
            operator, {"external_userid": body["external_userid"], "refuse": refusing}
        )

    async def advance(request: Request) -> Response:
        body = await _body(request)
        raw = body.get("by", body.get("seconds"))
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            seconds = float(raw)
        elif isinstance(raw, str):
            seconds = parse_duration(raw)
        else:
            raise OperatorError('say how far: {"by": "+24h"} or {"seconds": 86400}')
        operator = operator_of(sim)
        settled = operator.advance(seconds)
        return await _done(operator, {"advanced_s": seconds, "settled": settled})

    return [
        Route("/operator", _guard(state), methods=["GET"]),
        Route("/operator/leave", _guard(leave), methods=["POST"]),
        Route("/operator/refuse", _guard(refuse), methods=["POST"]),
        Route("/operator/advance", _guard(advance), methods=["POST"]),
    ]


def _guard(handler: Any) -> Any:
    async def guarded(request: Request) -> Response:
        try:
            response: Response = await handler(request)
        except OperatorError as error:
            return JSONResponse({"ok": False, "error": str(error)}, status_code=400)
        return response

    return guarded


async def _done(operator: Operator, result: dict[str, Any]) -> Response:
    delivered = await operator.deliver()
    return JSONResponse(
        {"ok": True, **result, "callbacks_delivered": delivered, "now": operator.sim.clock()}
    )


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        parsed: Any = jsonin.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise OperatorError("the body must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise OperatorError("the body must be a JSON object")
    return parsed


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise OperatorError(f"{key} is required")
    return value
