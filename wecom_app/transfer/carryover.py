"""What follows a customer to their new employee when a transfer completes.

:func:`carry_over` is the one entry point, called once a transfer is done (WeCom's
``transfer_result`` status 1). Today it

* ends the predecessor's relationship in our directory (``FollowRelation.status =
  "transferred"``) and gives the successor one carrying the predecessor's remark,
  description and tags — what the tracker then re-applies in WeCom (a native transfer
  drops them);
* moves the predecessor's open follow-up reminders about that customer to the successor;
* records a :class:`~wecom_app.store.transfer.CustomerTransfer` row (table
  ``customer_transfers``), which the sidebar reads to let the successor see the
  predecessor's archived conversations with the customer;
* writes a timeline entry on both sides (:mod:`wecom_app.directory.timeline`, kind
  ``transferred``, direction ``out`` for the predecessor and ``in`` for the successor),
  deduplicated, so a re-run adds nothing;
* sends ``signals.relation_changed`` (change ``transferred``) for a predecessor
  relation it ended.

Customer-owned data (notes, sales stage, custom fields) belongs to the customer, not
the employee, and needs no move. Other features extend the carry-over without editing
this module: :func:`register_hook` adds an ``async (corp, moves) -> None`` called in
the same transaction, after the steps above (``moves`` are :class:`Move` values). Every
step, hooks included, must be idempotent: a tracker that dies after carrying over and
before recording it does the carry-over again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from wecom_app import signals
from wecom_app.directory import timeline
from wecom_app.store.directory import FollowRelation, Tag
from wecom_app.store.models import Corp
from wecom_app.store.sidebar import Reminder
from wecom_app.store.sql import chunks, json_list, placeholders
from wecom_app.store.transfer import CustomerTransfer
from wecom_app.transfer.sql import fetch_in, json_object

log = logging.getLogger(__name__)

ASSIGNED_BY_ADMIN = 202  # WeCom's add_way for a customer assigned by an admin
# The directory's DELETE_BY_TRANSFER entry and our takeover time are the same end when
# this close (WeCom's callback time and takeover_time need not be the same second).
SAME_END_S = 2 * 86400


@dataclass(frozen=True)
class Move:
    """One customer going from ``from_userid`` to ``to_userid`` at ``completed_at``."""

    external_userid: str
    from_userid: str
    to_userid: str
    completed_at: int
    mode: str = ""
    plan_id: int | None = None


@dataclass
class Carried:
    """What the predecessor had on the customer, and what to set for the successor.

    ``set_*`` / ``add_tag_ids`` is what the tracker applies in WeCom: everything for a
    successor new to the customer; only what they lack when they already followed the
    customer (their own remark is never overwritten). Decided once, at the first
    carry-over, and kept in ``CustomerTransfer.carried``, so a re-run applies the same.
    """

    remark: str = ""
    description: str = ""
    # corp tags: mark_tag can set them for the successor
    corp_tag_ids: list[str] = field(default_factory=list)
    # personal (2) and rule (3) tags: WeCom's API cannot set them; kept for the sidebar
    other_tag_ids: list[str] = field(default_factory=list)
    set_remark: str = ""
    set_description: str = ""
    add_tag_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "remark": self.remark,
            "description": self.description,
            "corp_tag_ids": self.corp_tag_ids,
            "other_tag_ids": self.other_tag_ids,
            "set_remark": self.set_remark,
            "set_description": self.set_description,
            "add_tag_ids": self.add_tag_ids,
        }

    @classmethod
    def from_json(cls, data: object) -> Carried:
        if not isinstance(data, dict):
            return cls()
        return cls(
            remark=str(data.get("remark", "")),
            description=str(data.get("description", "")),
            corp_tag_ids=json_list(data.get("corp_tag_ids")),
            other_tag_ids=json_list(data.get("other_tag_ids")),
            set_remark=str(data.get("set_remark", "")),
            set_description=str(data.get("set_description", "")),
            add_tag_ids=json_list(data.get("add_tag_ids")),
        )


Hook = Callable[[Corp, Sequence[Move]], Awaitable[None]]
_HOOKS: list[Hook] = []


def register_hook(hook: Hook) -> Hook:
    """Run ``hook(corp, moves)`` in every carry-over (once per hook, in order)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def unregister_hook(hook: Hook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


async def carry_over(
    corp: Corp, external_userid: str, from_userid: str, to_userid: str, *, completed_at: int = 0
) -> Carried:
    """Move our data about ``external_userid`` from ``from_userid`` to ``to_userid``."""
    moves = [Move(external_userid, from_userid, to_userid, completed_at)]
    carried = await carry_over_many(corp, moves)
    return carried[external_userid]


async def carry_over_many(corp: Corp, moves: Sequence[Move]) -> dict[str, Carried]:
    """:func:`carry_over` for many customers at once (one set of queries per 500)."""
    carried: dict[str, Carried] = {}
    if not moves:
        return carried
    tag_types = dict(await Tag.filter(corp_id=corp.id).values_list("tag_id", "type"))
    ended: list[Move] = []
    async with in_transaction():
        for chunk in chunks(list(moves)):
            carried.update(await _carry_chunk(corp, chunk, tag_types, ended))
        for hook in list(_HOOKS):
            await hook(corp, moves)
    # Only relations this carry-over ended: the directory's DELETE_BY_TRANSFER callback
    # (on-job transfers) may have ended and announced them already.
    for move in ended:
        await signals.relation_changed.send(
            corp=corp,
            external_userid=move.external_userid,
            userid=move.from_userid,
            change="transferred",
            at=move.completed_at,
        )
    return carried


async def _carry_chunk(
    corp: Corp, moves: Sequence[Move], tag_types: dict[str, int], ended_moves: list[Move]
) -> dict[str, Carried]:
    externals = [m.external_userid for m in moves]
    users = {m.from_userid for m in moves} | {m.to_userid for m in moves}
    corp_mark = placeholders(1)[0]
    relations = {
        (r["userid"], r["external_userid"]): r
        for r in await fetch_in(
            "SELECT id, userid, external_userid, remark, description, tag_ids, status, "
            f"remark_corp_name, remark_mobiles FROM follow_relations WHERE corp_id = {corp_mark}",
            [corp.id],
            "external_userid",
            externals,
        )
        if r["userid"] in users
    }
    done = {
        (t["external_userid"], t["from_userid"], t["to_userid"], int(t["completed_at"])): t[
            "carried"
        ]
        for t in await fetch_in(
            "SELECT external_userid, from_userid, to_userid, completed_at, carried "
            f"FROM customer_transfers WHERE corp_id = {corp_mark}",
            [corp.id],
            "external_userid",
            externals,
        )
    }
    carried: dict[str, Carried] = {}
    new_relations: list[FollowRelation] = []
    ended: dict[int, list[int]] = defaultdict(list)
    for move in moves:
        before = relations.get((move.from_userid, move.external_userid))
        after = relations.get((move.to_userid, move.external_userid))
        if before is not None and before["status"] == "active":
            ended[move.completed_at].append(before["id"])
            ended_moves.append(move)
        key = (move.external_userid, move.from_userid, move.to_userid, move.completed_at)
        if key in done:
            # Carried over before (a re-run): the same decision, nothing to change again.
            carried[move.external_userid] = Carried.from_json(json_object(done[key]))
            continue
        tags = json_list(before["tag_ids"]) if before is not None else []
        corp_tags = [t for t in tags if tag_types.get(t, 1) == 1]
        what = Carried(
            remark=str(before["remark"]) if before is not None else "",
            description=str(before["description"]) if before is not None else "",
            corp_tag_ids=corp_tags,
            other_tag_ids=[t for t in tags if tag_types.get(t, 1) != 1],
        )
        carried[move.external_userid] = what
        if after is None:
            what.set_remark, what.set_description = what.remark, what.description
            what.add_tag_ids = list(corp_tags)
            new_relations.append(
                FollowRelation(
                    corp_id=corp.id,
                    external_userid=move.external_userid,
                    userid=move.to_userid,
                    remark=what.remark,
                    description=what.description,
                    tag_ids=list(tags),
                    added_at=move.completed_at,
                    add_way=ASSIGNED_BY_ADMIN,
                    oper_userid=move.from_userid,
                    remark_corp_name=str(before["remark_corp_name"]) if before is not None else "",
                    remark_mobiles=json_list(before["remark_mobiles"])
                    if before is not None
                    else [],
                )
            )
            continue
        # The successor already had the customer (or a sync saw the native transfer
        # first, with nothing on it): fill what is missing, keep what they set.
        changes: dict[str, Any] = {}
        if not after["remark"] and what.remark:
            changes["remark"] = what.set_remark = what.remark
        if not after["description"] and what.description:
            changes["description"] = what.set_description = what.description
        mine = json_list(after["tag_ids"])
        what.add_tag_ids = [t for t in corp_tags if t not in mine]
        merged = mine + [t for t in tags if t not in mine]
        if merged != mine:
            changes["tag_ids"] = merged
        if after["status"] != "active":
            changes.update(status="active", ended_at=None)
        if changes:
            await FollowRelation.filter(id=after["id"]).update(**changes)
    for completed_at, ids in ended.items():
        await FollowRelation.filter(id__in=ids).update(status="transferred", ended_at=completed_at)
    if new_relations:
        await FollowRelation.bulk_create(new_relations, ignore_conflicts=True)

    await _move_reminders(corp, moves)

    now_rows = [
        CustomerTransfer(
            corp_id=corp.id,
            external_userid=m.external_userid,
            from_userid=m.from_userid,
            to_userid=m.to_userid,
            mode=m.mode,
            plan_id=m.plan_id,
            completed_at=m.completed_at,
            carried=carried[m.external_userid].to_json(),
            created_at=float(m.completed_at),
        )
        for m in moves
    ]
    await CustomerTransfer.bulk_create(now_rows, ignore_conflicts=True)
    await timeline.record(corp.id, await _timeline_entries(corp, moves))
    return carried


async def _move_reminders(corp: Corp, moves: Sequence[Move]) -> None:
    by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in moves:
        by_pair[(m.from_userid, m.to_userid)].append(m.external_userid)
    for (from_userid, to_userid), externals in by_pair.items():
        await Reminder.filter(
            corp_id=corp.id, external_userid__in=externals, userid=from_userid, done_at=None
        ).update(userid=to_userid)


async def _timeline_entries(corp: Corp, moves: Sequence[Move]) -> list[timeline.Entry]:
    """A ``transferred`` entry on both sides (predecessor: ``direction=out``; successor:
    ``in``), keyed like the directory's entry for a relation end — (employee, customer,
    time) — so a DELETE_BY_TRANSFER callback of the same moment makes one entry, not
    two. A predecessor entry the directory already wrote at another second is kept and
    ours skipped."""
    already: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in await fetch_in(
        "SELECT userid, external_userid, occurred_at FROM timeline_events "
        f"WHERE corp_id = {placeholders(1)[0]} AND kind = 'transferred'",
        [corp.id],
        "external_userid",
        [m.external_userid for m in moves],
    ):
        already[(r["userid"], r["external_userid"])].append(int(r["occurred_at"]))
    entries = []
    for m in moves:
        for side, userid, other in (
            ("out", m.from_userid, m.to_userid),
            ("in", m.to_userid, m.from_userid),
        ):
            seen = already.get((userid, m.external_userid), [])
            if side == "out" and any(abs(t - m.completed_at) <= SAME_END_S for t in seen):
                continue
            entries.append(
                timeline.Entry(
                    external_userid=m.external_userid,
                    userid=userid,
                    kind="transferred",
                    occurred_at=m.completed_at,
                    key_parts=(userid, m.external_userid, m.completed_at),
                    detail={
                        "direction": side,
                        "from_userid": m.from_userid,
                        "to_userid": m.to_userid,
                        "other_userid": other,
                        "mode": m.mode,
                    },
                )
            )
    return entries
