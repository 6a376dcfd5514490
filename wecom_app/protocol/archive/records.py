"""The normalised archive message (:class:`ArchiveRecord`) and the facts derived for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from wecom_app.protocol.archive.fields import JsonObject

ACTION_SEND: Final = "send"
ACTION_RECALL: Final = "recall"
ACTION_SWITCH: Final = "switch"
ACTIONS: Final = frozenset({ACTION_SEND, ACTION_RECALL, ACTION_SWITCH})

MSGTYPE_SWITCH: Final = "switch"
"""Switch records carry no msgtype; we give them this one so every record has a type."""


class Party(StrEnum):
    EMPLOYEE = "employee"
    CUSTOMER = "customer"
    ROBOT = "robot"


class Direction(StrEnum):
    EMPLOYEE_TO_CUSTOMER = "employee_to_customer"
    CUSTOMER_TO_EMPLOYEE = "customer_to_employee"
    INTERNAL = "internal"
    ROBOT = "robot"  # a group robot (wb…) sent it
    NONE = "none"  # switch records belong to no conversation


def party_of(user_id: str) -> Party:
    """Who an id in ``from``/``tolist`` is.

    Ids outside the org are external_userids: ``wm…``/``wo…`` for WeChat customers and
    members of other orgs, ``wb…`` for group robots; the org's own members have userids.
    """
    if user_id.startswith(("wm", "wo")):
        return Party.CUSTOMER
    if user_id.startswith("wb"):
        return Party.ROBOT
    return Party.EMPLOYEE


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file a message refers to, to be fetched with GetMediaData."""

    kind: str  # image, voice, video, emotion, file, meeting_voice_call, voip_doc_share
    sdkfileid: str
    md5sum: str
    size: int | None
    filename: str = ""
    ext: str = ""  # a file extension to store it under ("" when unknown)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveRecord:
    """A decrypted archive message in one shape for every type.

    ``body`` is the type's own object (for chatrecord and mixed with each item's
    content parsed); for unknown types it is the whole message. ``raw`` is always the
    whole decrypted message, to be stored as received.
    """

    msgid: str
    seq: int
    action: str
    msgtype: str
    sender: str
    receivers: tuple[str, ...]
    roomid: str
    msgtime: int  # ms since the epoch, UTC
    text: str
    body: JsonObject
    unknown: bool = False
    pre_msgid: str = ""  # revoke: the message that was recalled
    conversation_key: str = ""
    customers: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()
    robots: tuple[str, ...] = ()
    customer: str | None = None  # the customer of a 1:1 chat
    direction: Direction = Direction.NONE
    media: tuple[MediaRef, ...] = ()
    problems: tuple[str, ...] = ()
    raw: JsonObject = field(default_factory=dict, repr=False)

    @property
    def is_group(self) -> bool:
        return bool(self.roomid)


def conversation_key(roomid: str, sender: str, receivers: Iterable[str]) -> str:
    """The group's roomid, or the sorted ids of a 1:1 chat joined by ``|``.

    ``|`` occurs in no WeCom id, so a pair key cannot collide with a roomid.
    """
    if roomid:
        return roomid
    people = sorted({sender, *receivers} - {""})
    return "|".join(people)
