"""Tortoise models. Every row of tenant data carries its corp.

Operational tables written on hot paths with raw SQL (the callback inbox) store times
as epoch seconds (floats), which bind the same way on SQLite and PostgreSQL; domain
tables use timezone-aware datetimes.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Corp(Model):
    """A tenant: one WeCom org that installed us (suite) or runs us (self-built)."""

    id = fields.IntField(primary_key=True)
    corp_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=255, default="")
    mode = fields.CharField(max_length=16)  # "self_built" | "suite"
    # active | disconnected (WeCom rejected our credentials) | cancelled (uninstalled)
    status = fields.CharField(max_length=16, default="active")
    agent_id = fields.CharField(max_length=32, default="")
    # Sealed with SecretBox (purpose = "corp.<column>"): never plaintext in the database.
    secret_sealed = fields.TextField(default="")
    callback_token_sealed = fields.TextField(default="")
    callback_aes_key_sealed = fields.TextField(default="")
    permanent_code_sealed = fields.TextField(default="")
    auth_info: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "corps"


class SuiteTicket(Model):
    """The newest suite ticket per suite (pushed every 10 minutes, valid 30)."""

    id = fields.IntField(primary_key=True)
    suite_id = fields.CharField(max_length=64, unique=True)
    ticket_sealed = fields.TextField()
    # WeCom's TimeStamp of the push: an older ticket arriving late never replaces a newer.
    pushed_at = fields.BigIntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "suite_tickets"


class InboxEvent(Model):
    """A verified, decrypted callback, stored before we answer ``success``.

    ``(scope, dedup_key)`` is unique: a retry of the same callback inserts nothing.
    ``scope`` is the corp id the event belongs to, or the suite id for suite-level
    events (tickets, auth changes). Workers claim rows with a lease and apply them.
    """

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=64)
    dedup_key = fields.CharField(max_length=64)
    source = fields.CharField(max_length=8)  # suite | data | corp
    corp_id = fields.CharField(max_length=64, default="")
    name = fields.CharField(max_length=64)
    change_type = fields.CharField(max_length=64, default="")
    payload = fields.TextField()
    # pending | processing | done | no_handler | failed
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    received_at = fields.FloatField()
    next_attempt_at = fields.FloatField()
    lease_until = fields.FloatField(default=0)
    claim_token = fields.CharField(max_length=32, default="")
    applied_at = fields.FloatField(null=True)

    class Meta:
        table = "inbox"
        unique_together = (("scope", "dedup_key"),)
        indexes = (("status", "next_attempt_at"),)


class Employee(Model):
    """A member of a tenant's org, as far as contacts sync and change_contact tell us."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="employees", on_delete=fields.CASCADE
    )
    userid = fields.CharField(max_length=64)
    open_userid = fields.CharField(max_length=64, default="")
    name = fields.CharField(max_length=255, default="")
    departments: list[str] = fields.JSONField(default=list)
    main_department = fields.CharField(max_length=32, default="")
    position = fields.CharField(max_length=255, default="")
    # active | resigned | disabled
    status = fields.CharField(max_length=16, default="active")
    resigned_at = fields.DatetimeField(null=True)
    # CreateTime of the newest callback applied: an older event never overwrites newer data.
    last_event_time = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "employees"
        unique_together = (("corp", "userid"),)
