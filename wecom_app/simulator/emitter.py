"""Callbacks the simulated WeCom owes its apps, and their delivery.

A change made the way a person makes it in WeCom (a customer adds an employee, an admin
renames a tag) is recorded here once per app that WeCom would tell (wecom-protocol.md
§3): the corp's self-built app at ``/callbacks/corp/{corp_id}`` in the data envelope
(``ToUserName, FromUserName=sys, CreateTime, MsgType=event, Event``), and every suite
the corp authorised at ``/callbacks/suite`` in the command envelope (``SuiteId,
InfoType, TimeStamp, AuthCorpId``). Changes made through the API record nothing.

:meth:`CallbackOutbox.deliver` posts them in order with the existing
:class:`~wecom_app.simulator.callbacks.CallbackSender` (5 s timeout, 3 attempts,
re-encrypted per attempt), dated by the simulator clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

import httpx

from wecom_app.protocol.crypto import CallbackCrypto
from wecom_app.protocol.events import Event, parse_event
from wecom_app.protocol.xml import parse_xml
from wecom_app.simulator.callbacks import (
    WECOM_ATTEMPTS,
    WECOM_TIMEOUT_S,
    CallbackSender,
    DeliveryReport,
    event_xml,
    self_built_event,
    suite_command,
)
from wecom_app.simulator.state import World

FieldValue = str | int | list[str]
Fields = dict[str, FieldValue]

SUITE_CALLBACK_PATH = "/callbacks/suite"
DATA_CALLBACK_PATH = "/callbacks/data"


def corp_callback_path(corp_id: str) -> str:
    return f"/callbacks/corp/{corp_id}"


class RecipientKind(Enum):
    SELF_BUILT = "self_built"
    SUITE = "suite"


@dataclass(frozen=True)
class Recipient:
    """Where a callback goes and how it is sealed (token, AES key, receive id)."""

    kind: RecipientKind
    path: str
    token: str
    aes_key: str
    receive_id: str  # the corp id for self-built apps, the suite id for command callbacks
    to_user: str
    agent_id: str = ""

    def crypto(self) -> CallbackCrypto:
        return CallbackCrypto(self.token, self.aes_key, self.receive_id)


@dataclass
class PendingCallback:
    recipient: Recipient
    fields: Fields

    def xml(self) -> bytes:
        return event_xml(self.fields)

    def event(self) -> Event:
        """The typed event the app will see (for tests and logs)."""
        return parse_event(parse_xml(self.xml()))


@dataclass
class Delivery:
    callback: PendingCallback
    report: DeliveryReport


@dataclass
class CallbackOutbox:
    world: World
    clock: Callable[[], float]
    pending: list[PendingCallback] = field(default_factory=list)
    delivered: list[Delivery] = field(default_factory=list)

    def emit(
        self,
        corp_id: str,
        event: str,
        change_type: str,
        fields: Mapping[str, FieldValue],
        *,
        third_party_fields: Mapping[str, FieldValue] | None = None,
    ) -> list[PendingCallback]:
        """Record ``event`` for every app of ``corp_id`` that WeCom would notify.

        ``third_party_fields`` replaces ``fields`` for suites where WeCom tells
        third-party apps less (contact changes carry no names or phones for them).
        """
        now = int(self.clock())
        recorded: list[PendingCallback] = []
        org = self.world.orgs[corp_id]
        if org.app is not None:
            envelope = self_built_event(corp_id, event, change_type, create_time=now)
            envelope.update(fields)
            recipient = Recipient(
                kind=RecipientKind.SELF_BUILT,
                path=corp_callback_path(corp_id),
                token=org.app.callback_token,
                aes_key=org.app.callback_aes_key,
                receive_id=corp_id,
                to_user=corp_id,
                agent_id=str(org.app.agent_id),
            )
            recorded.append(PendingCallback(recipient, envelope))
        for authorization in self.world.active_authorizations(corp_id):
            command = suite_command(authorization.suite_id, event, timestamp=now)
            command["AuthCorpId"] = corp_id
            if change_type:
                command["ChangeType"] = change_type
            command.update(fields if third_party_fields is None else third_party_fields)
            recorded.append(PendingCallback(self._suite_recipient(authorization.suite_id), command))
        self.pending.extend(recorded)
        return recorded

    def emit_suite(
        self, suite_id: str, info_type: str, fields: Mapping[str, FieldValue]
    ) -> PendingCallback:
        """A suite-level command callback (suite_ticket, create_auth, cancel_auth, ...)."""
        command = suite_command(suite_id, info_type, timestamp=int(self.clock()))
        command.update(fields)
        callback = PendingCallback(self._suite_recipient(suite_id), command)
        self.pending.append(callback)
        return callback

    def pop(self) -> list[PendingCallback]:
        taken, self.pending = self.pending, []
        return taken

    async def deliver(
        self,
        client: httpx.AsyncClient,
        base_url: str = "",
        *,
        timeout_s: float = WECOM_TIMEOUT_S,
        attempts: int = WECOM_ATTEMPTS,
    ) -> list[Delivery]:
        """POST every pending callback, oldest first, as WeCom does; returns the reports.

        WeCom gives up on a callback after its last attempt, and so does this: an
        unanswered callback is reported, not kept.
        """
        results: list[Delivery] = []
        while self.pending:
            callback = self.pending.pop(0)
            recipient = callback.recipient
            sender = CallbackSender(
                client,
                recipient.crypto(),
                base_url.rstrip("/") + recipient.path,
                timeout_s=timeout_s,
                attempts=attempts,
                clock=self.clock,
                command=recipient.kind is RecipientKind.SUITE,
            )
            report = await sender.send(
                callback.xml(), to_user=recipient.to_user, agent_id=recipient.agent_id
            )
            results.append(Delivery(callback, report))
        self.delivered.extend(results)
        return results

    def _suite_recipient(self, suite_id: str) -> Recipient:
        suite = self.world.suites[suite_id]
        return Recipient(
            kind=RecipientKind.SUITE,
            path=SUITE_CALLBACK_PATH,
            token=suite.token,
            aes_key=suite.aes_key,
            receive_id=suite_id,
            to_user=suite_id,
        )
