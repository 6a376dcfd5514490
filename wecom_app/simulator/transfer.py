"""Customer and group-chat transfer (在职继承 / 离职继承) in the simulated WeCom.

WeCom's rules (wecom-protocol.md §5; Docs 92125, 94088, 92124, 96331, 96333, 96334,
95703), kept on the simulator clock so tests can move through a 24-hour takeover:

* ``transfer_customer`` / ``resigned/transfer_customer`` answer per customer; errcode 0
  only *starts* a transfer, which completes **24 h** later (status 2 → 1);
* a customer who refuses (configurable: :attr:`TransferDesk.refusing`) does so after
  :data:`REFUSE_AFTER_S` → status 3 and a ``transfer_fail`` callback
  (``customer_refused``); a takeover member at the customer cap when the takeover is due
  → status 4 and ``transfer_fail`` (``customer_limit_exceed``). The callback names the
  **takeover** member and the customer, never the handover member;
* on-job: a customer at most **2 times per 90 days** (40128);
* resigned: the handover member must have left (40097), and not more than a year ago;
* on completion the relationship moves: the handover member's relation ends (on-job:
  ``del_external_contact`` with ``Source=DELETE_BY_TRANSFER``) and the takeover member
  gets a new one **without** the predecessor's remark, description or tags;
* group chats move at once, at most 300 a day per handover → takeover pair.

Time does not run by itself: due transfers are settled whenever a transfer API is
called, or when a test calls :meth:`TransferDesk.settle` after advancing the clock
(the other API groups read the world as it was last settled).

Where WeCom's pages do not pin an errcode to a situation, the constant says ❓.
"""

from __future__ import annotations

import heapq
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wecom_app.simulator.api_common import GROUP_DISMISSED, INVALID_CHAT_ID
from wecom_app.simulator.state import FollowRelation, GroupChatMember, GroupChatStatus, Org

if TYPE_CHECKING:
    from wecom_app.simulator.simulator import Simulator

ONJOB = "onjob"
RESIGNED = "resigned"

TAKEOVER_DELAY_S = 24 * 3600
REFUSE_AFTER_S = 3600  # ❓ a refusing customer answers the notice within the hour
ONJOB_WINDOW_S = 90 * 86400
ONJOB_MAX_PER_WINDOW = 2
RESIGNED_MAX_AGE_S = 365 * 86400
CHATS_PER_DAY = 300
DEFAULT_CUSTOMER_CAP = 5000  # ❓ vendors say 5,000 by default, expandable
CHINA_UTC_OFFSET_S = 8 * 3600  # WeCom's "day" is a day in China
RESULT_PAGE_SIZE = 100  # ❓ transfer_result pages are undocumented in size
ASSIGNED_BY_ADMIN = 202  # add_way: 管理员/负责人分配

# transfer_result status
DONE = 1
WAITING = 2
REFUSED = 3
TAKEOVER_AT_LIMIT = 4
NO_RECORD = 5

# errcodes
INVALID_EXTERNAL_USERID = 40096
HANDOVER_NOT_RESIGNED = 40097
TAKEOVER_NOT_VERIFIED = 40098
TAKEOVER_AT_CAP = 40099
ALREADY_IN_TRANSFER = 40100
TRANSFERRED_TOO_OFTEN = 40128
TRANSFER_IN_PROGRESS = 40129
SAME_MEMBER = 40130
NOT_HANDOVER_CUSTOMER = 40131
NO_RELATIONSHIP = 84061
# ❓ WeCom does not document the answer for a member who left more than a year ago;
# their customers can no longer be assigned, so we answer "no relationship" per customer.
DIMISSION_TOO_OLD = NO_RELATIONSHIP
CHAT_OWNER_NOT_RESIGNED = 90500
# Group-chat codes of WeCom's global table (Doc 90313; Doc 95703's sample shows 90501).
CHAT_NOT_CUSTOMER_GROUP = 90501  # not a customer group chat
CHAT_OWNER_RESIGNED = 90502  # groupchat/onjob_transfer of a chat whose owner has left
CHAT_INHERITING = 90507  # the resigned chat's inheritance is in progress (faults only)
CHAT_INHERITED = 90508  # resigned transfer of a chat already inherited by new_owner
# ❓ WeCom documents the 300-a-day limit per handover → takeover pair but no errcode
# for it: the simulator answers the chat with 45009 (接口调用超过限制).
CHAT_DAILY_LIMIT = 45009
CHAT_TRANSFERRED_TOO_OFTEN = TRANSFERRED_TOO_OFTEN  # ❓ the 2-per-90-days rule for chats

FAIL_REFUSED = "customer_refused"
FAIL_LIMIT = "customer_limit_exceed"


def china_day(at: float) -> int:
    return int((at + CHINA_UTC_OFFSET_S) // 86400)


@dataclass
class TransferRecord:
    """One customer's transfer between one handover and one takeover member."""

    seq: int
    corp_id: str
    mode: str
    handover: str
    takeover: str
    external_userid: str
    started_at: float
    due_at: float
    refuse_at: float | None = None
    status: int = WAITING
    # WeCom: the time taken over; while waiting, the future automatic takeover time;
    # 0 when the customer refused.
    takeover_time: int = 0

    @property
    def next_event_at(self) -> float:
        return self.due_at if self.refuse_at is None else min(self.refuse_at, self.due_at)


@dataclass
class ChatTransfer:
    corp_id: str
    mode: str
    chat_id: str
    handover: str
    takeover: str
    at: float


@dataclass
class TransferDesk:
    """The transfer state of one simulator, with the knobs tests turn."""

    sim: Simulator
    # Customers (external_userid) who refuse every transfer offered to them.
    refusing: set[str] = field(default_factory=set)
    # Members (userid) not real-name verified: cannot take customers over (40098).
    unverified: set[str] = field(default_factory=set)
    # Per-member customer caps; :attr:`default_cap` for everyone else.
    caps: dict[str, int] = field(default_factory=dict)
    default_cap: int = DEFAULT_CUSTOMER_CAP
    # (corp, mode, handover, takeover) → external_userid → newest record, in start order.
    records: dict[tuple[str, str, str, str], dict[str, TransferRecord]] = field(
        default_factory=dict
    )
    # (corp, external_userid) → the transfer in flight for that customer
    pending: dict[tuple[str, str], TransferRecord] = field(default_factory=dict)
    # (corp, external_userid) → start times of accepted on-job transfers
    onjob_history: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    chat_log: list[ChatTransfer] = field(default_factory=list)
    # (corp, chat_id) → times of on-job chat transfers; (corp, handover, takeover, day) → count
    chat_history: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    chats_per_day: Counter[tuple[str, str, str, int]] = field(default_factory=Counter)
    _seq: int = 0
    _queue: list[tuple[float, int]] = field(default_factory=list)

    # -- knobs -------------------------------------------------------------------------

    def cap(self, userid: str) -> int:
        return self.caps.get(userid, self.default_cap)

    def now(self) -> float:
        return self.sim.clock()

    # -- customers -----------------------------------------------------------------------

    def start(self, org: Org, mode: str, handover: str, takeover: str, external_userid: str) -> int:
        """Start one customer's transfer; its per-customer errcode (0: started)."""
        now = self.now()
        corp_id = org.corp_id
        if external_userid not in org.customers:
            return INVALID_EXTERNAL_USERID
        if org.follow(handover, external_userid) is None:
            return NOT_HANDOVER_CUSTOMER if mode == ONJOB else NO_RELATIONSHIP
        if mode == RESIGNED:
            departed = org.departed.get(handover)
            if departed is not None and now - departed.dimission_time > RESIGNED_MAX_AGE_S:
                return DIMISSION_TOO_OLD
        if takeover in self.unverified:
            return TAKEOVER_NOT_VERIFIED
        if (corp_id, external_userid) in self.pending:
            return TRANSFER_IN_PROGRESS if mode == ONJOB else ALREADY_IN_TRANSFER
        if mode == ONJOB:
            recent = [
                t
                for t in self.onjob_history.get((corp_id, external_userid), [])
                if now - t < ONJOB_WINDOW_S
            ]
            if len(recent) >= ONJOB_MAX_PER_WINDOW:
                return TRANSFERRED_TOO_OFTEN
        if len(org.follows_by_user.get(takeover, {})) >= self.cap(takeover):
            return TAKEOVER_AT_CAP
        self._seq += 1
        record = TransferRecord(
            seq=self._seq,
            corp_id=corp_id,
            mode=mode,
            handover=handover,
            takeover=takeover,
            external_userid=external_userid,
            started_at=now,
            due_at=now + TAKEOVER_DELAY_S,
            refuse_at=now + REFUSE_AFTER_S if external_userid in self.refusing else None,
            takeover_time=int(now + TAKEOVER_DELAY_S),
        )
        pair = self.records.setdefault((corp_id, mode, handover, takeover), {})
        pair.pop(external_userid, None)  # the newest record goes to the end of the list
        pair[external_userid] = record
        self.pending[(corp_id, external_userid)] = record
        if mode == ONJOB:
            self.onjob_history.setdefault((corp_id, external_userid), []).append(now)
        heapq.heappush(self._queue, (record.next_event_at, record.seq))
        return 0

    def results(
        self, corp_id: str, mode: str, handover: str, takeover: str
    ) -> list[TransferRecord]:
        return list(self.records.get((corp_id, mode, handover, takeover), {}).values())

    def unassigned(self, org: Org) -> list[tuple[str, str, int]]:
        """(handover, external_userid, dimission_time) of departed members' customers
        that are not being transferred, oldest departure first."""
        rows: list[tuple[str, str, int]] = []
        departed = sorted(org.departed.values(), key=lambda d: d.dimission_time)
        for leaver in departed:
            userid = leaver.employee.userid
            for external_userid in org.follows_by_user.get(userid, {}):
                if (org.corp_id, external_userid) not in self.pending:
                    rows.append((userid, external_userid, leaver.dimission_time))
        return rows

    def settle(self) -> int:
        """Apply every refusal and takeover due by now; returns how many were applied."""
        now = self.now()
        applied = 0
        by_seq = {r.seq: r for r in self.pending.values()}
        while self._queue and self._queue[0][0] <= now:
            _, seq = heapq.heappop(self._queue)
            record = by_seq.get(seq)
            if record is None or record.status != WAITING:
                continue  # a stale queue entry
            self._apply(record)
            applied += 1
        return applied

    def _apply(self, record: TransferRecord) -> None:
        org = self.sim.world.orgs[record.corp_id]
        del self.pending[(record.corp_id, record.external_userid)]
        if record.refuse_at is not None and record.refuse_at <= record.due_at:
            record.status = REFUSED
            record.takeover_time = 0
            self._fail(record, FAIL_REFUSED)
            return
        handover_relation = org.follow(record.handover, record.external_userid)
        if record.takeover not in org.employees or handover_relation is None:
            # ❓ The takeover member left before the takeover, or the relationship ended
            # meanwhile: WeCom keeps no record of a transfer it could not complete.
            record.status = NO_RECORD
            record.takeover_time = 0
            return
        if len(org.follows_by_user.get(record.takeover, {})) >= self.cap(record.takeover):
            record.status = TAKEOVER_AT_LIMIT
            record.takeover_time = 0
            self._fail(record, FAIL_LIMIT)
            return
        org.remove_follow(record.handover, record.external_userid)
        if org.follow(record.takeover, record.external_userid) is None:
            # A native transfer carries no remark, description or tags over.
            org.add_follow(
                FollowRelation(
                    userid=record.takeover,
                    external_userid=record.external_userid,
                    createtime=int(record.due_at),
                    add_way=ASSIGNED_BY_ADMIN,
                    oper_userid=record.handover,
                )
            )
        record.status = DONE
        record.takeover_time = int(record.due_at)
        if record.mode == ONJOB:
            self.sim.callbacks.emit(
                record.corp_id,
                "change_external_contact",
                "del_external_contact",
                {
                    "UserID": record.handover,
                    "ExternalUserID": record.external_userid,
                    "Source": "DELETE_BY_TRANSFER",
                },
            )

    def _fail(self, record: TransferRecord, reason: str) -> None:
        self.sim.callbacks.emit(
            record.corp_id,
            "change_external_contact",
            "transfer_fail",
            {
                "UserID": record.takeover,
                "ExternalUserID": record.external_userid,
                "FailReason": reason,
            },
        )

    # -- group chats ---------------------------------------------------------------------

    def transfer_chat(self, org: Org, mode: str, chat_id: str, new_owner: str) -> int:
        """Move one group chat to ``new_owner`` at once; its errcode (0: moved)."""
        now = self.now()
        chat = org.group_chats.get(chat_id)
        if chat is None:
            return INVALID_CHAT_ID
        if chat.dismissed:
            return GROUP_DISMISSED
        inherited = chat.status == GroupChatStatus.INHERITED
        if mode == RESIGNED and inherited and chat.owner == new_owner:
            return CHAT_INHERITED  # asked again for a chat it already handed over
        owner_active = chat.owner in org.employees
        if mode == RESIGNED and owner_active:
            return CHAT_OWNER_NOT_RESIGNED
        if mode == ONJOB and not owner_active:
            return CHAT_OWNER_RESIGNED
        if chat.owner == new_owner:
            return SAME_MEMBER
        day_key = (org.corp_id, chat.owner, new_owner, china_day(now))
        if self.chats_per_day[day_key] >= CHATS_PER_DAY:
            return CHAT_DAILY_LIMIT
        if mode == ONJOB:
            recent = [
                t
                for t in self.chat_history.get((org.corp_id, chat_id), [])
                if now - t < ONJOB_WINDOW_S
            ]
            if len(recent) >= ONJOB_MAX_PER_WINDOW:
                return CHAT_TRANSFERRED_TOO_OFTEN
            self.chat_history.setdefault((org.corp_id, chat_id), []).append(now)
        self.chats_per_day[day_key] += 1
        self.chat_log.append(ChatTransfer(org.corp_id, mode, chat_id, chat.owner, new_owner, now))
        if chat.member(new_owner) is None:
            chat.members.append(
                GroupChatMember(userid=new_owner, type=1, join_time=int(now), invitor=chat.owner)
            )
        chat.owner = new_owner
        chat.status = GroupChatStatus.INHERITED if mode == RESIGNED else GroupChatStatus.NORMAL
        return 0


_DESKS: weakref.WeakKeyDictionary[Simulator, TransferDesk] = weakref.WeakKeyDictionary()


def transfer_desk(sim: Simulator) -> TransferDesk:
    """The transfer state of ``sim`` (created on first use)."""
    desk = _DESKS.get(sim)
    if desk is None:
        desk = _DESKS[sim] = TransferDesk(sim)
    return desk
