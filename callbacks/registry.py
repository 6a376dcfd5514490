"""Event handlers registered by event name and change type (the wechatpy way).

``registry.on("change_contact", "delete_user", transactional=True)`` handles exactly
that change; ``registry.on("suite_ticket", transactional=True)`` handles every change
type of that name. ``transactional`` is required: False for every handler that calls
WeCom (see :class:`Registration`). A handler is a
few lines that call a service (Zulip / Chatwoot style).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wecom_app.config import Settings
from wecom_app.kv import KV
from wecom_app.protocol.events import Event
from wecom_app.secretbox import SecretBox
from wecom_app.wecom_access import WeComAccess

if TYPE_CHECKING:
    from wecom_app.archive.runtime import ArchiveRuntime
    from wecom_app.services import Services


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may use, built by the composition root (:mod:`wecom_app.runtime`).

    Passed in, so a test builds one with fakes. ``services`` is the core container, for
    the services that take one (install, tenants, sync); ``archive()`` opens (once) and
    returns the process's chat-archive runtime.
    """

    settings: Settings
    secrets: SecretBox
    kv: KV
    wecom: WeComAccess
    services: Services
    archive: Callable[[], ArchiveRuntime]
    clock: Callable[[], float] = time.time


class SkipEvent(Exception):
    """The event cannot apply and never will (e.g. its corp is not a tenant): record why."""


Handler = Callable[[HandlerContext, Event], Awaitable[None]]


@dataclass(frozen=True)
class Registration:
    handler: Handler
    # True: the handler's database work commits together with the inbox row's "done" —
    # exactly once in effect. Handlers that call WeCom register with
    # transactional=False: they run outside a transaction (a network round trip must not
    # hold the database, which on SQLite is one connection every callback waits for),
    # open their own short transactions for their writes, and must therefore be
    # idempotent; "done" is recorded after they return. There is no default: every
    # handler says which it is (``registry.on(..., transactional=...)``).
    transactional: bool


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str | None], Registration] = {}

    def on(
        self, name: str, change_type: str | None = None, *, transactional: bool
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            key = (name, change_type)
            if key in self._handlers:
                raise ValueError(f"a handler for {name}:{change_type} is already registered")
            self._handlers[key] = Registration(handler, transactional)
            return handler

        return register

    def lookup(self, name: str, change_type: str) -> Registration | None:
        return self._handlers.get((name, change_type)) or self._handlers.get((name, None))

    def find(self, name: str, change_type: str) -> Handler | None:
        registration = self.lookup(name, change_type)
        return None if registration is None else registration.handler

    def registrations(self) -> dict[tuple[str, str | None], Registration]:
        return dict(self._handlers)

    def names(self) -> list[str]:
        return sorted(f"{n}:{c}" if c else n for n, c in self._handlers)
