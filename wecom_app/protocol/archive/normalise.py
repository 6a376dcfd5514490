"""A decrypted archive message → :class:`~wecom_app.protocol.archive.records.ArchiveRecord`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from wecom_app.protocol import jsonin
from wecom_app.protocol.archive.bodies import KNOWN_MSGTYPES, body_of, extract_known, gather_text
from wecom_app.protocol.archive.errors import MalformedMessage
from wecom_app.protocol.archive.fields import JsonObject, as_int
from wecom_app.protocol.archive.records import (
    ACTION_SWITCH,
    ACTIONS,
    MSGTYPE_SWITCH,
    ArchiveRecord,
    Direction,
    MediaRef,
    Party,
    conversation_key,
    party_of,
)


def parse_message(plaintext: bytes | str) -> JsonObject:
    """Decrypted bytes → the message object (raises :class:`MalformedMessage`)."""
    try:
        doc = jsonin.loads(plaintext)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"decrypted message is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedMessage("decrypted message is not a JSON object")
    return doc


def normalise_message(
    message: bytes | str | Mapping[str, Any], *, seq: int, msgid: str | None = None
) -> ArchiveRecord:
    """Turn one decrypted message into an :class:`ArchiveRecord`.

    ``seq`` (and ``msgid``, when given) come from the :class:`ChatData` record; a msgid
    inside the message that differs from the record's means the wrong plaintext was
    paired with the record and raises :class:`MalformedMessage`. Apart from that and a
    plaintext that is not a JSON object with a msgid, nothing raises: odd fields are
    listed in ``problems`` and unknown types are kept whole.
    """
    doc: JsonObject = dict(message) if isinstance(message, Mapping) else parse_message(message)
    inner_id = doc.get("msgid")
    if inner_id is None or inner_id == "":
        if not msgid:
            raise MalformedMessage("message has no msgid")
        inner_id = msgid
    if not isinstance(inner_id, str):
        raise MalformedMessage("message msgid is not a string")
    if msgid and inner_id != msgid:
        raise MalformedMessage(
            f"message msgid {inner_id!r} does not match its record's msgid {msgid!r}"
        )
    action = doc.get("action")
    if action == ACTION_SWITCH or (
        action is None and "msgtype" not in doc and "user" in doc and "time" in doc
    ):
        return _switch(doc, inner_id, seq)
    return _message(doc, inner_id, seq)


def _switch(doc: JsonObject, msgid: str, seq: int) -> ArchiveRecord:
    problems: list[str] = []
    user = doc.get("user")
    if not isinstance(user, str):
        problems.append("switch: user missing")
        user = ""
    time = as_int(doc.get("time"))
    if time is None:
        problems.append("switch: time missing")
        time = 0
    party = party_of(user) if user else Party.EMPLOYEE
    return ArchiveRecord(
        msgid=msgid,
        seq=seq,
        action=ACTION_SWITCH,
        msgtype=MSGTYPE_SWITCH,
        sender=user,
        receivers=(),
        roomid="",
        msgtime=time,
        text="",
        body={k: v for k, v in doc.items() if k not in ("msgid", "action")},
        employees=(user,) if user and party is Party.EMPLOYEE else (),
        direction=Direction.NONE,
        problems=tuple(problems),
        raw=doc,
    )


def _message(doc: JsonObject, msgid: str, seq: int) -> ArchiveRecord:
    problems: list[str] = []
    action = doc.get("action")
    if not isinstance(action, str) or not action:
        problems.append("action missing")
        action = ""
    elif action not in ACTIONS:
        problems.append(f"unknown action {action!r}")
    sender = doc.get("from")
    if not isinstance(sender, str):
        problems.append("from missing")
        sender = ""
    tolist = doc.get("tolist")
    receivers: list[str] = []
    if isinstance(tolist, list):
        receivers = [r for r in tolist if isinstance(r, str) and r]
        if len(receivers) != len(tolist):
            problems.append("tolist has non-string entries")
    elif tolist is not None:
        problems.append("tolist is not a list")
    roomid = doc.get("roomid")
    if roomid is None:
        roomid = ""
    if not isinstance(roomid, str):
        problems.append("roomid is not a string")
        roomid = ""
    msgtime = as_int(doc.get("msgtime"))
    if msgtime is None:
        problems.append("msgtime missing")
        msgtime = 0
    msgtype = doc.get("msgtype")
    if not isinstance(msgtype, str):
        problems.append("msgtype missing")
        msgtype = ""

    unknown = False
    body: JsonObject | None = None
    text: list[str] = []
    media: list[MediaRef] = []
    if msgtype in KNOWN_MSGTYPES:
        body, found = body_of(doc, msgtype)
        problems.extend(found)
        if body is not None:
            extracted = extract_known(msgtype, body)
            text, media, body = extracted.text, extracted.media, extracted.body
            problems.extend(extracted.problems)
    if body is None:
        # An unknown type, or a known one without its body: keep everything.
        unknown = True
        body = doc
        gather_text(doc, text)
        if msgtype not in KNOWN_MSGTYPES:
            problems.append(f"unknown msgtype {msgtype!r}")

    pre_msgid = ""
    if msgtype == "revoke" and not unknown:
        value = body.get("pre_msgid")
        if isinstance(value, str) and value:
            pre_msgid = value
        else:
            problems.append("revoke: pre_msgid missing")

    # one pass over the people (a group message lists every member of the room)
    by_party: dict[Party, list[str]] = {Party.CUSTOMER: [], Party.ROBOT: [], Party.EMPLOYEE: []}
    for person in dict.fromkeys([sender, *receivers]):
        if person:
            by_party[party_of(person)].append(person)
    customers = tuple(by_party[Party.CUSTOMER])
    robots = tuple(by_party[Party.ROBOT])
    employees = tuple(by_party[Party.EMPLOYEE])
    customer = customers[0] if not roomid and len(customers) == 1 else None

    return ArchiveRecord(
        msgid=msgid,
        seq=seq,
        action=action,
        msgtype=msgtype,
        sender=sender,
        receivers=tuple(receivers),
        roomid=roomid,
        msgtime=msgtime,
        text="\n".join(text),
        body=body,
        unknown=unknown,
        pre_msgid=pre_msgid,
        conversation_key=conversation_key(roomid, sender, receivers),
        customers=customers,
        employees=employees,
        robots=robots,
        customer=customer,
        direction=_direction(sender, customers),
        media=tuple(_unique_media(media)),
        problems=tuple(problems),
        raw=doc,
    )


def _direction(sender: str, customers: Sequence[str]) -> Direction:
    """``customers``: the customers among the sender and receivers."""
    if not sender:
        return Direction.NONE
    party = party_of(sender)
    if party is Party.CUSTOMER:
        return Direction.CUSTOMER_TO_EMPLOYEE
    if party is Party.ROBOT:
        return Direction.ROBOT
    if customers:  # the sender is an employee, so a customer is among the receivers
        return Direction.EMPLOYEE_TO_CUSTOMER
    return Direction.INTERNAL


def _unique_media(media: Iterable[MediaRef]) -> Iterator[MediaRef]:
    seen: set[str] = set()
    for ref in media:
        if ref.sdkfileid not in seen:
            seen.add(ref.sdkfileid)
            yield ref
