"""A message's index terms: its text terms and its filter terms (whose it is, where, what).

The archive's decoder processes compute both once per message (:class:`IndexTerms`)
and the archive writer announces them beside the stored message; search indexes them
as they are, or computes them here itself for a message that came without them.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from wecom_app.text.terms import filter_term, index_terms


class IndexTerms(NamedTuple):
    """The search index's terms of one message, each space-separated, as stored.

    ``text`` is "" when the message has nothing to index (then ``filters`` is "" too).
    """

    text: str
    filters: str


class HasText(Protocol):
    @property
    def text(self) -> str: ...


def text_terms(msg: HasText) -> list[str]:
    """The index terms of a message's text."""
    return index_terms(msg.text)


def is_external_id(userid: str) -> bool:
    """A customer's external_userid (``wo…``/``wm…``), as opposed to an employee's userid."""
    return userid.startswith(("wo", "wm")) and len(userid) >= 20


def is_robot_id(userid: str) -> bool:
    return userid.startswith("wb")


class MessageLike(Protocol):
    """The fields of a message the filters look at (a model or a view of one)."""

    @property
    def employee_userid(self) -> str: ...
    @property
    def external_userid(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def receivers(self) -> Any: ...
    @property
    def roomid(self) -> str: ...
    @property
    def msgtype(self) -> str: ...


def employees_of(msg: MessageLike) -> list[str]:
    """Employees a message belongs to: the employee side of a customer chat, the sender,
    and in internal chats the receivers (room members who only received a message are
    not counted: they did not say it, and a room lists every member)."""
    found: list[str] = []
    if msg.employee_userid:
        found.append(msg.employee_userid)
    if msg.sender and not is_external_id(msg.sender) and not is_robot_id(msg.sender):
        found.append(msg.sender)
    if msg.direction == "internal":
        found.extend(
            r for r in msg.receivers or [] if isinstance(r, str) and r and not is_external_id(r)
        )
    return list(dict.fromkeys(found))


def customers_of(msg: MessageLike) -> list[str]:
    found: list[str] = []
    if msg.external_userid:
        found.append(msg.external_userid)
    if msg.sender and is_external_id(msg.sender):
        found.append(msg.sender)
    return list(dict.fromkeys(found))


def filter_terms(msg: MessageLike) -> list[str]:
    terms = [filter_term("e", e) for e in employees_of(msg)]
    terms += [filter_term("x", c) for c in customers_of(msg)]
    if msg.roomid:
        terms.append(filter_term("r", msg.roomid))
    if msg.msgtype:
        terms.append(filter_term("t", msg.msgtype))
    if msg.direction:
        terms.append(filter_term("d", msg.direction))
    return terms
