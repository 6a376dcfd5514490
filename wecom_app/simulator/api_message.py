"""App messages (``message/send``, Doc 90236) of the simulated WeCom, recorded for tests.

Every message accepted is kept in :func:`sent_messages` with its recipients, so a test
can read what an employee was told. Members who are unknown or have left are answered
in ``invaliduser`` (``a|b``) and receive nothing; a message with no valid recipient at
all fails with 81013, as WeCom does. Past 30 messages a minute (1,000 an hour) from one
app to one member WeCom drops the message for that member without an error (Doc 90236):
the answer is ok, the member is left out of the stored message and counted in
:func:`dropped_messages`.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wecom_app.simulator.api_common import INVALID_PARAMETER, Api, ApiCall, ApiError, JsonObject

if TYPE_CHECKING:
    from wecom_app.simulator.simulator import Simulator

INVALID_AGENT_ID = 40056
INVALID_MESSAGE_TYPE = 40008
CONTENT_TOO_LONG = 45002
NO_VALID_RECIPIENT = 81013
MAX_TEXT_BYTES = 2048
MAX_RECIPIENTS = 1000
SUPPORTED = ("text", "textcard", "markdown")


@dataclass
class SentMessage:
    corp_id: str
    agent_id: int
    touser: list[str]
    msgtype: str
    body: dict[str, Any]
    at: float
    msgid: str

    @property
    def text(self) -> str:
        """The readable content: the text, or a card's title and description."""
        if self.msgtype == "textcard":
            return f"{self.body.get('title', '')}\n{self.body.get('description', '')}"
        return str(self.body.get("content", ""))


@dataclass
class _Outbox:
    messages: list[SentMessage] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (userid, msgid)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


_OUTBOXES: weakref.WeakKeyDictionary[Simulator, _Outbox] = weakref.WeakKeyDictionary()


def _outbox(sim: Simulator) -> _Outbox:
    box = _OUTBOXES.get(sim)
    if box is None:
        box = _OUTBOXES[sim] = _Outbox()
    return box


def sent_messages(sim: Simulator, userid: str | None = None) -> list[SentMessage]:
    """Messages sent through ``sim`` (to ``userid`` only, when given), oldest first."""
    messages = _outbox(sim).messages
    return [m for m in messages if userid is None or userid in m.touser]


def dropped_messages(sim: Simulator, userid: str | None = None) -> list[str]:
    """The msgids WeCom dropped for ``userid`` (over the per-member limit)."""
    return [m for u, m in _outbox(sim).dropped if userid is None or u == userid]


def _agent_ids(call: ApiCall) -> set[int]:
    org = call.org()
    ids = {a.agent_id for a in call.sim.world.active_authorizations(org.corp_id)}
    if org.app is not None:
        ids.add(org.app.agent_id)
    return ids


def send(call: ApiCall) -> JsonObject:
    org = call.org()
    agent_id = call.integer("agentid", 0)
    if agent_id not in _agent_ids(call):
        raise ApiError(INVALID_AGENT_ID)
    msgtype = call.text("msgtype")
    if msgtype not in SUPPORTED:
        raise ApiError(INVALID_MESSAGE_TYPE, "invalid message type")
    body = call.body.get(msgtype)
    if not isinstance(body, dict):
        raise ApiError(INVALID_PARAMETER, f"{msgtype} is missing")
    if msgtype == "textcard":
        if not body.get("title") or not body.get("description") or not body.get("url"):
            raise ApiError(INVALID_PARAMETER, "textcard needs title, description and url")
        size = len(str(body["description"]).encode())
    else:
        if not body.get("content"):
            raise ApiError(INVALID_PARAMETER, "content is missing")
        size = len(str(body["content"]).encode())
    if size > MAX_TEXT_BYTES:
        raise ApiError(CONTENT_TOO_LONG, "content size out of limit")
    wanted = [u for u in call.text("touser").split("|") if u]
    if len(wanted) > MAX_RECIPIENTS:
        raise ApiError(INVALID_PARAMETER, f"touser holds at most {MAX_RECIPIENTS} members")
    valid = [u for u in dict.fromkeys(wanted) if u in org.employees]
    invalid = [u for u in dict.fromkeys(wanted) if u not in org.employees]
    if not valid:
        raise ApiError(NO_VALID_RECIPIENT)
    box = _outbox(call.sim)
    msgid = f"sim-msg-{next(box.ids)}"
    limits = call.sim.limits
    delivered = [u for u in valid if limits.allow_message(org.corp_id, agent_id, u)]
    box.dropped.extend((u, msgid) for u in valid if u not in delivered)
    box.messages.append(
        SentMessage(
            corp_id=org.corp_id,
            agent_id=agent_id,
            touser=delivered,
            msgtype=msgtype,
            body=dict(body),
            at=call.sim.clock(),
            msgid=msgid,
        )
    )
    return {
        "invaliduser": "|".join(invalid),
        "invalidparty": "",
        "invalidtag": "",
        "unlicenseduser": "",
        "msgid": msgid,
    }


APIS = (Api("/cgi-bin/message/send", "POST", send),)
