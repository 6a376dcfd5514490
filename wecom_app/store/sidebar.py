"""Sidebar tables (issue 6): notes, stages, custom fields, reminders, quick replies.

What WeCom does not keep for us: notes, the sales stage and custom fields belong to the
*customer* (any employee who may see the customer sees them, and they stay when the
customer is handed to a colleague); reminders belong to an employee until a transfer
moves them; quick replies are tenant-wide (``owner_userid == ""``) or personal. Who
handed a customer to whom is the transfer feature's ``customer_transfers``.
Every table carries its corp, and every lookup is scoped by it.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from wecom_app.store.models import Corp


class SidebarSettings(Model):
    """Per-tenant sidebar settings; a missing row means the defaults."""

    id = fields.IntField(primary_key=True)
    corp: fields.OneToOneRelation[Corp] = fields.OneToOneField(
        "models.Corp", related_name="sidebar_settings", on_delete=fields.CASCADE
    )
    # After a transfer the new owner sees the predecessor's archived conversations.
    successor_view = fields.BooleanField(default=True)
    # A customer's WeCom data older than this is refreshed (externalcontact/get) once.
    refresh_minutes = fields.IntField(default=30)
    # The sales pipeline: [{"key": "new", "name": "新客户"}, ...] in order ([] = default).
    pipeline: list[dict[str, Any]] = fields.JSONField(default=list)
    # Custom field definitions: [{"key", "label", "type": text|number|date|select, "options"}].
    custom_fields: list[dict[str, Any]] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "sidebar_settings"


class CustomerRecord(Model):
    """Our own facts about a customer: sales stage and custom field values."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="customer_records", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    stage = fields.CharField(max_length=32, default="")
    stage_changed_at = fields.BigIntField(default=0)  # epoch seconds
    stage_changed_by = fields.CharField(max_length=64, default="")
    field_values: dict[str, Any] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "customer_records"
        unique_together = (("corp", "external_userid"),)


class CustomerNote(Model):
    """A note an employee wrote about a customer (跟进记录); shared with whoever may see
    the customer, kept through transfers. Deleting keeps the row (the timeline says so)."""

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="customer_notes", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    author_userid = fields.CharField(max_length=64)
    text = fields.TextField()
    created_at = fields.BigIntField()  # epoch seconds
    deleted = fields.BooleanField(default=False)

    corp_id: int

    class Meta:
        table = "customer_notes"
        indexes = (("corp", "external_userid", "created_at"),)


class Reminder(Model):
    """A follow-up reminder for one employee about one customer."""

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="reminders", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64)  # who is reminded
    created_by = fields.CharField(max_length=64)
    text = fields.CharField(max_length=255)
    due_at = fields.BigIntField()  # epoch seconds
    done_at = fields.BigIntField(null=True)
    created_at = fields.BigIntField()

    corp_id: int

    class Meta:
        table = "reminders"
        indexes = (("corp", "external_userid", "userid"), ("corp", "userid", "due_at"))


class QuickReply(Model):
    """A canned reply (话术): tenant-wide when ``owner_userid`` is empty, else personal."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="quick_replies", on_delete=fields.CASCADE
    )
    owner_userid = fields.CharField(max_length=64, default="")
    group_name = fields.CharField(max_length=64, default="")
    title = fields.CharField(max_length=128, default="")
    content = fields.TextField()
    position = fields.IntField(default=0)
    uses = fields.IntField(default=0)
    created_by = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "quick_replies"
        indexes = (("corp", "owner_userid"),)


class DomainVerifyFile(Model):
    """WeCom's domain-ownership file (``WW_verify_*.txt``), served at the site root.

    The filename is unique per tenant, not across them: which tenant's file a host
    serves is the operator's setting (``sidebar.verify_files``), so one tenant cannot
    squat a name another needs.
    """

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="domain_verify_files", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=96)
    content = fields.TextField()
    uploaded_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "domain_verify_files"
        unique_together = (("corp", "filename"),)
