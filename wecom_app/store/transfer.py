"""Customer transfer tables (issue 7): tenant settings, plans, items, completed transfers.

A :class:`TransferPlan` hands one employee's customers and group chats to successors;
each customer or chat is one :class:`TransferItem` whose ``status`` walks

    planned → submitting → waiting → done | refused | limit | no_record | failed
    planned → blocked | cancelled          (never sent to WeCom)
    chats:    planned → submitting → done | failed   (WeCom moves chats at once)

``submitting`` is written and committed *before* the WeCom call, with a fresh
``submit_token``; a worker killed after that leaves the item ``submitting``, and the
next run asks WeCom (``transfer_result`` / ``groupchat/get``) what happened instead of
sending it again. Times of the transfer machinery are epoch seconds (floats, from the
services clock), like the inbox's.

:class:`CustomerTransfer` is the history of completed customer transfers: who had the
customer, who has them now, when, and what was carried over. The sidebar reads it to
let a successor see the predecessor's archived conversations with that customer.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from wecom_app.store.models import Corp


class TransferSettings(Model):
    """Per-tenant transfer settings; a missing row means the defaults."""

    id = fields.IntField(primary_key=True)
    corp: fields.OneToOneRelation[Corp] = fields.OneToOneField(
        "models.Corp", related_name="transfer_settings", on_delete=fields.CASCADE
    )
    # Draft a plan as soon as WeCom tells us an employee left (never submits by itself).
    auto_draft = fields.BooleanField(default=False)
    # single | round_robin | least_loaded | same_department
    strategy = fields.CharField(max_length=24, default="least_loaded")
    # Default successors; empty: active colleagues of the leaver's department.
    successor_userids: list[str] = fields.JSONField(default=list)
    keep_tag_together = fields.BooleanField(default=False)
    # Which tag group defines "the same tag" ("" = any corp tag, the first one).
    tag_group_id = fields.CharField(max_length=64, default="")
    # The customer limit WeCom enforces per member (❓ 5,000 by default, expandable);
    # member_caps overrides it per userid.
    customer_cap = fields.IntField(default=5000)
    member_caps: dict[str, int] = fields.JSONField(default=dict)
    # Sent to customers of on-job transfers ("" = WeCom's default text).
    transfer_success_msg = fields.CharField(max_length=200, default="")
    notify_successors = fields.BooleanField(default=True)
    # Who gets the summary of plans nobody in particular started (auto drafts, CLI).
    admin_userids: list[str] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "transfer_settings"


class TransferPlan(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="transfer_plans", on_delete=fields.CASCADE
    )
    handover_userid = fields.CharField(max_length=64)
    # onjob | resigned: decided again when submitting (the handover may leave meanwhile)
    mode = fields.CharField(max_length=16)
    # draft | running | done | cancelled
    status = fields.CharField(max_length=16, default="draft")
    # The handover's userid while the plan is draft or running, NULL after: with the
    # unique constraint, at most one open plan per employee (a replayed signal or a
    # second admin click finds the open plan instead of making another).
    open_handover = fields.CharField(max_length=64, null=True)
    strategy = fields.CharField(max_length=24)
    # successors, keep_tag_together, tag_group_id as chosen for this plan
    options: dict[str, Any] = fields.JSONField(default=dict)
    transfer_success_msg = fields.CharField(max_length=200, default="")
    # admin | auto (employee_resigned) | reconcile | cli
    source = fields.CharField(max_length=16, default="admin")
    created_by = fields.CharField(max_length=64, default="")
    # Bumped by every edit: a preview names the version it showed, a submit may insist.
    version = fields.IntField(default=1)
    # successor userid → True once told which customers are coming
    notified: dict[str, bool] = fields.JSONField(default=dict)
    summary_sent = fields.BooleanField(default=False)
    created_at = fields.FloatField()
    updated_at = fields.FloatField()
    submitted_at = fields.FloatField(null=True)
    finished_at = fields.FloatField(null=True)

    corp_id: int

    class Meta:
        table = "transfer_plans"
        unique_together = (("corp", "open_handover"),)
        indexes = (("corp", "status"),)


class TransferItem(Model):
    id = fields.BigIntField(primary_key=True)
    plan: fields.ForeignKeyRelation[TransferPlan] = fields.ForeignKeyField(
        "models.TransferPlan", related_name="items", on_delete=fields.CASCADE
    )
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="transfer_items", on_delete=fields.CASCADE
    )
    # customer | chat
    kind = fields.CharField(max_length=8)
    # external_userid or chat_id
    target_id = fields.CharField(max_length=64)
    # the customer's or chat's name when planned (for people reading the plan)
    label = fields.CharField(max_length=255, default="")
    # the tag that keeps customers together ("" when none)
    group_key = fields.CharField(max_length=64, default="")
    takeover_userid = fields.CharField(max_length=64, default="")
    # onjob | resigned, fixed when submitted
    mode = fields.CharField(max_length=16, default="")
    status = fields.CharField(max_length=16, default="planned")
    # WeCom's errcode for this item (0 when none) and our plain-language reason
    errcode = fields.IntField(default=0)
    reason = fields.TextField(default="")
    attempts = fields.IntField(default=0)
    # The idempotency marker: set, with status submitting, before the call is made.
    submit_token = fields.CharField(max_length=32, default="")
    submitting_at = fields.FloatField(null=True)
    # The call's outcome is unknown (sent, no answer): ask WeCom, never resend blindly.
    uncertain = fields.BooleanField(default=False)
    accepted_at = fields.FloatField(null=True)  # WeCom answered errcode 0
    due_at = fields.FloatField(null=True)  # when WeCom will take over (accepted + 24 h)
    not_before = fields.FloatField(default=0)  # chats past the daily limit wait
    wecom_status = fields.SmallIntField(default=0)  # last transfer_result status
    takeover_time = fields.BigIntField(default=0)
    finished_at = fields.FloatField(null=True)
    # Re-applying the predecessor's remark, description and tags for the successor:
    # "" (not needed yet) | pending | done | failed
    reapply = fields.CharField(max_length=8, default="")
    updated_at = fields.FloatField(default=0)

    plan_id: int
    corp_id: int

    class Meta:
        table = "transfer_items"
        unique_together = (("plan", "kind", "target_id"),)
        indexes = (
            ("plan", "status"),
            ("corp", "kind", "target_id"),
            ("corp", "takeover_userid", "status"),
        )


class CustomerTransfer(Model):
    """A completed customer transfer: ``from_userid`` had the customer, ``to_userid``
    has them since ``completed_at`` (WeCom's takeover time, epoch seconds).

    The sidebar uses it to let ``to_userid`` see ``from_userid``'s archived
    conversations with ``external_userid``; ``carried`` records what was re-applied for
    the successor (remark, description, corp tags) and the predecessor's tags WeCom's
    API cannot set (personal and rule tags), for the sidebar to show.
    """

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="customer_transfers", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    from_userid = fields.CharField(max_length=64)
    to_userid = fields.CharField(max_length=64)
    # onjob | resigned | "" (learnt without a plan of ours)
    mode = fields.CharField(max_length=16, default="")
    plan_id = fields.IntField(null=True)
    completed_at = fields.BigIntField()
    carried: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.FloatField()

    corp_id: int

    class Meta:
        table = "customer_transfers"
        unique_together = (("corp", "external_userid", "from_userid", "to_userid", "completed_at"),)
        indexes = (("corp", "to_userid"), ("corp", "external_userid"))
