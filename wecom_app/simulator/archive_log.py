"""What the archive generator yields: who talks where, each message and what it meant.

:class:`GeneratedArchive` is the log plus its cast; :meth:`GeneratedArchive.load_into`
puts it into an :class:`~wecom_app.simulator.archive.OrgArchive` together with the
msgaudit side (who is archived, who agreed, the internal groups).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app.simulator.archive import ArchiveRoom, MediaBlob, OrgArchive
from wecom_app.simulator.archive_corpus import DEFAULT_START

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    company: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    roomid: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GeneratedMessage:
    """One decrypted message plus what the generator meant by it."""

    message: JsonObject
    conversation: str  # roomid or the sorted 1:1 pair joined by "|"; "" for switch
    customer: str | None  # the customer of a 1:1 chat
    media: tuple[tuple[str, MediaBlob], ...] = ()  # (sdkfileid, blob)

    @property
    def msgid(self) -> str:
        return str(self.message["msgid"])

    @property
    def msgtype(self) -> str:
        return str(self.message.get("msgtype", "switch"))


@dataclass
class GeneratedArchive:
    corp_id: str
    corp_name: str
    employees: list[Person]
    customers: list[Person]
    robots: list[Person]
    groups: list[Group]
    messages: list[GeneratedMessage] = field(default_factory=list)

    @property
    def media(self) -> dict[str, MediaBlob]:
        return {fileid: blob for m in self.messages for fileid, blob in m.media}

    def msgtypes(self) -> Counter[str]:
        return Counter(m.msgtype for m in self.messages)

    def load_into(self, org: OrgArchive, *, key_versions: Sequence[int] | None = None) -> None:
        """Append the log to ``org``: the versions in order, each for an equal span
        (the admin rotated keys over time), and register every media file.

        The msgaudit side follows the log: every employee is archived, each customer's
        agree/disagree message sets their consent with that employee, and internal
        groups are known to ``msgaudit/groupchat/get``.
        """
        versions = list(key_versions or [org.current_version])
        span = max(1, -(-len(self.messages) // len(versions)))
        for index, generated in enumerate(self.messages):
            org.append(
                generated.message, publickey_ver=versions[min(index // span, len(versions) - 1)]
            )
            for fileid, blob in generated.media:
                org.add_media(blob, fileid)
            self._consent(org, generated.message)
        for employee in self.employees:
            org.permit(employee.id)
        for group in self.groups:
            if all(not m.startswith(("wm", "wo", "wb")) for m in group.members):
                created = int(DEFAULT_START.timestamp())
                org.add_room(
                    ArchiveRoom(
                        roomid=group.roomid,
                        name=group.name,
                        creator=group.members[0],
                        created_at=created,
                        members=tuple((m, created) for m in group.members),
                    )
                )

    @staticmethod
    def _consent(org: OrgArchive, message: JsonObject) -> None:
        kind = message.get("msgtype")
        if kind not in ("agree", "disagree"):
            return
        body = message.get(kind)
        if not isinstance(body, dict):
            return
        customer = str(body.get("userid", ""))
        when = body.get(f"{kind}_time", message.get("msgtime", 0))
        at = (when if isinstance(when, int) else 0) // 1000
        status = "Agree" if kind == "agree" else "Disagree"
        receivers = [r for r in message.get("tolist", []) if isinstance(r, str)]
        roomid = message.get("roomid") or ""
        if roomid:
            org.agree_in_room(str(roomid), customer, status, at)
        else:
            for employee in receivers:
                org.agree(employee, customer, status, at)


@dataclass
class Conversation:
    """A conversation being generated: a 1:1 chat, a customer group or an internal chat."""

    kind: str  # sales | service | group | internal
    members: tuple[str, ...]
    roomid: str = ""
    name: str = ""

    @property
    def key(self) -> str:
        return self.roomid or "|".join(sorted(self.members))
