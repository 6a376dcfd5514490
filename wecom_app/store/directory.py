"""The org as WeCom knows it: departments, customers, follow relations, tags, group chats.

Kept current by the initial sync and by callbacks. Every table carries its corp (FK to
``corps``) and every lookup is scoped by it. WeCom's identifiers (``external_userid``,
``userid``, ``chat_id``, tag ids) are stored as strings beside our integer keys, because
callbacks and APIs speak in them.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from wecom_app.store.models import Corp


class Department(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="departments", on_delete=fields.CASCADE
    )
    dept_id = fields.BigIntField()
    name = fields.CharField(max_length=255, default="")
    parent_id = fields.BigIntField(default=0)
    order = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "departments"
        unique_together = (("corp", "dept_id"),)


class Customer(Model):
    """An external contact (客户) of the corp: one row however many employees follow it."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="customers", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255, default="")
    # 1 WeChat user, 2 WeCom user (from another org)
    type = fields.SmallIntField(default=1)
    avatar = fields.CharField(max_length=512, default="")
    corp_name = fields.CharField(max_length=255, default="")
    corp_full_name = fields.CharField(max_length=255, default="")
    position = fields.CharField(max_length=255, default="")
    gender = fields.SmallIntField(default=0)
    unionid = fields.CharField(max_length=64, default="")
    # Every field WeCom sent, so nothing is lost when WeCom adds one.
    wecom_data: dict[str, Any] = fields.JSONField(default=dict)
    # active | deleted (no employee follows the customer any more)
    status = fields.CharField(max_length=16, default="active")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "customers"
        unique_together = (("corp", "external_userid"),)


class FollowRelation(Model):
    """One employee's relationship with one customer (WeCom's ``follow_user``)."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="follow_relations", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64)
    remark = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    remark_corp_name = fields.CharField(max_length=255, default="")
    remark_mobiles: list[str] = fields.JSONField(default=list)
    # WeCom's createtime of the relationship (epoch seconds)
    added_at = fields.BigIntField(default=0)
    add_way = fields.IntField(default=0)
    state = fields.CharField(max_length=64, default="")
    oper_userid = fields.CharField(max_length=64, default="")
    # Tag ids on this relation (corp, personal and rule tags): see Tag for names.
    tag_ids: list[str] = fields.JSONField(default=list)
    # active | deleted_by_employee | deleted_by_customer | transferred | removed (a
    # complete sync no longer found it and no callback told us why)
    status = fields.CharField(max_length=24, default="active")
    ended_at = fields.BigIntField(null=True)
    wecom_data: dict[str, Any] = fields.JSONField(default=dict)
    # The SyncRun that last saw this relation: after a complete run, active relations of
    # the members it asked about that it did not see are gone.
    synced_run = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "follow_relations"
        unique_together = (("corp", "external_userid", "userid"),)
        indexes = (("corp", "userid", "status"),)


class TagGroup(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="tag_groups", on_delete=fields.CASCADE
    )
    group_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255, default="")
    order = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "tag_groups"
        unique_together = (("corp", "group_id"),)


class Tag(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="tags", on_delete=fields.CASCADE
    )
    tag_id = fields.CharField(max_length=64)
    group_id = fields.CharField(max_length=64, default="")
    name = fields.CharField(max_length=255, default="")
    # 1 corp tag, 2 personal tag, 3 rule tag (as in follow_user.tags[].type)
    type = fields.SmallIntField(default=1)
    order = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "tags"
        unique_together = (("corp", "tag_id"),)


class GroupChat(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="group_chats", on_delete=fields.CASCADE
    )
    chat_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255, default="")
    owner = fields.CharField(max_length=64, default="")
    notice = fields.TextField(default="")
    created_time = fields.BigIntField(default=0)
    admin_list: list[str] = fields.JSONField(default=list)
    # WeCom's status: 0 normal, 1 owner resigned, 2 transfer in progress, 3 transfer done
    wecom_status = fields.SmallIntField(default=0)
    dismissed = fields.BooleanField(default=False)
    member_count = fields.IntField(default=0)
    # The SyncRun that last saw this chat (see FollowRelation.synced_run).
    synced_run = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "group_chats"
        unique_together = (("corp", "chat_id"),)
        indexes = (("corp", "owner"),)


class GroupChatMember(Model):
    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="group_chat_members", on_delete=fields.CASCADE
    )
    chat_id = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64)
    # 1 employee, 2 external contact
    type = fields.SmallIntField(default=1)
    join_time = fields.BigIntField(default=0)
    join_scene = fields.SmallIntField(default=0)
    invitor = fields.CharField(max_length=64, default="")
    group_nickname = fields.CharField(max_length=255, default="")
    name = fields.CharField(max_length=255, default="")
    unionid = fields.CharField(max_length=64, default="")

    corp_id: int

    class Meta:
        table = "group_chat_members"
        unique_together = (("corp", "chat_id", "userid"),)
        indexes = (("corp", "userid"),)


class TimelineEvent(Model):
    """Something that happened to a customer, shown in the sidebar's timeline.

    kind: added, deleted_by_employee, deleted_by_customer, tags_changed, edited,
    joined_group, left_group, transfer_started, transferred, transfer_failed, note, ...
    """

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="timeline_events", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64, default="")
    kind = fields.CharField(max_length=32)
    occurred_at = fields.BigIntField()  # epoch seconds, WeCom's time when it gave one
    detail: dict[str, Any] = fields.JSONField(default=dict)
    # Makes applying the same change twice (a replayed callback, a re-run sync) harmless.
    dedup_key = fields.CharField(max_length=96)
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "timeline_events"
        unique_together = (("corp", "dedup_key"),)
        indexes = (("corp", "external_userid", "occurred_at"),)


class SyncRun(Model):
    """A full sync of one corp: resumable from ``state`` after a crash or an error."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="sync_runs", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="full")
    # queued | running | paused (a retryable error; resumed after state["retry_at"]) |
    # done | failed (needs `wecom-app sync`) | cancelled (tenant gone) | superseded
    status = fields.CharField(max_length=16, default="running")
    stage = fields.CharField(max_length=32, default="")
    state: dict[str, Any] = fields.JSONField(default=dict)
    counts: dict[str, int] = fields.JSONField(default=dict)
    total_hint: int = fields.IntField(default=0)
    error = fields.TextField(default="")
    started_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    corp_id: int

    class Meta:
        table = "sync_runs"
        indexes = (("corp", "status"),)


class ConsoleRole(Model):
    """Who may use which console: admin (from the install's auth info or granted),
    compliance (archive search) and manager (a scope of employees in the sidebar)."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="console_roles", on_delete=fields.CASCADE
    )
    userid = fields.CharField(max_length=64)
    role = fields.CharField(max_length=16)
    # for managers: the department ids / userids they may see
    scope: dict[str, Any] = fields.JSONField(default=dict)
    granted_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "console_roles"
        unique_together = (("corp", "userid", "role"),)


class AuthExchange(Model):
    """One auth code's exchange for a permanent code, whoever brought the code first
    (the install redirect or the ``create_auth`` callback): the second is a no-op."""

    id = fields.IntField(primary_key=True)
    suite_id = fields.CharField(max_length=64)
    # sha256 of the auth code: the code itself is a credential for 10 minutes
    code_hash = fields.CharField(max_length=64, unique=True)
    # pending (recorded, not yet exchanged) | exchanging | done | failed
    status = fields.CharField(max_length=16, default="pending")
    # redirect | create_auth | reset_permanent_code: who brought the code first
    source = fields.CharField(max_length=24, default="")
    # The code itself, sealed, only while a recorded code waits for its exchange (a
    # callback handler records it; a job exchanges it outside the handler's transaction).
    code_sealed = fields.TextField(default="")
    corp_id = fields.CharField(max_length=64, default="")
    error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "auth_exchanges"
