"""In-process signals between features (Django-style, async, typed by convention).

A feature that must react to another's change connects a receiver instead of editing
the other's handler: ``employee_resigned.connect(draft_plan)``. Receivers run in the
sender's transaction (inside the inbox worker's), in connection order; an exception
propagates, so the whole event is retried — receivers must be idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receiver = Callable[..., Awaitable[None]]


class Signal:
    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver] = []

    def connect(self, receiver: Receiver) -> Receiver:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    async def send(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            await receiver(**kwargs)


# corp: Corp, employee: Employee, resigned_at: int (epoch s)
employee_resigned = Signal("employee_resigned")
# corp: Corp, external_userid: str, userid: str, change: str (added | deleted_by_employee
# | deleted_by_customer | transferred), at: int
relation_changed = Signal("relation_changed")
