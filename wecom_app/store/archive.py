"""The chat archive (会话内容存档): keys, the pull cursor, messages, media, consent.

``archive_messages`` is the one table compliance search, the sidebar's history and
insights, and the successor's view all read. ``(corp, msgid)`` is unique and the cursor
advances in the same transaction as the messages it covers: no gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from wecom_app.store.db import dialect
from wecom_app.store.models import Corp
from wecom_app.store.sql import in_list, rows_of


class ArchiveKey(Model):
    """An RSA private key for one ``publickey_ver`` (old messages still need old keys)."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="archive_keys", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    private_key_sealed = fields.TextField()
    # sha256 of the public key (DER), to show and compare without the secret
    fingerprint = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "archive_keys"
        unique_together = (("corp", "version"),)


class ArchiveSettings(Model):
    """Per-tenant archive set-up: the archive secret (for the SDK) and its state."""

    id = fields.IntField(primary_key=True)
    corp: fields.OneToOneRelation[Corp] = fields.OneToOneField(
        "models.Corp", related_name="archive_settings", on_delete=fields.CASCADE
    )
    secret_sealed = fields.TextField(default="")
    enabled = fields.BooleanField(default=False)
    # Retention in days (0 = keep forever); the purge honours legal holds.
    retention_days = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "archive_settings"


class ArchiveCursor(Model):
    """The highest seq stored for a corp; moves only with the messages it covers."""

    id = fields.IntField(primary_key=True)
    corp: fields.OneToOneRelation[Corp] = fields.OneToOneField(
        "models.Corp", related_name="archive_cursor", on_delete=fields.CASCADE
    )
    seq = fields.BigIntField(default=0)
    last_pull_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    # SDK error 10010 (data expired) and similar are surfaced to admins here.
    last_error_code = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "archive_cursors"


class ArchiveMessage(Model):
    """One archived message, normalised.

    Parked (no key for its version yet) and failed messages keep their ``record``.
    """

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="archive_messages", on_delete=fields.CASCADE
    )
    msgid = fields.CharField(max_length=128)
    seq = fields.BigIntField()
    publickey_ver = fields.IntField(default=0)
    # ok | parked (key version missing) | failed (could not decrypt or parse)
    status = fields.CharField(max_length=16, default="ok")
    action = fields.CharField(max_length=16, default="")
    msgtype = fields.CharField(max_length=32, default="")
    sender = fields.CharField(max_length=64, default="")
    receivers: list[str] = fields.JSONField(default=list)
    roomid = fields.CharField(max_length=64, default="")
    # roomid, or the two parties of a 1:1 chat sorted and joined by "|"
    conversation = fields.CharField(max_length=160, default="")
    # the customer a 1:1 message belongs to ("" for rooms and internal chats)
    external_userid = fields.CharField(max_length=64, default="")
    # the employee side of a 1:1 message with a customer
    employee_userid = fields.CharField(max_length=64, default="")
    # to_customer | from_customer (a customer sent it, also in a room) | internal |
    # robot (a group robot sent it) | "" (switch records, parked and failed messages)
    direction = fields.CharField(max_length=16, default="")
    msgtime = fields.BigIntField(default=0)  # milliseconds, WeCom's
    text = fields.TextField(default="")
    # jieba tokens of ``text`` joined by spaces: tokenised once, here, for the index
    tokens = fields.TextField(default="")
    body: dict[str, Any] = fields.JSONField(default=dict)
    # the encrypted record for parked/failed messages, to retry later
    record: dict[str, Any] = fields.JSONField(default=dict)
    error = fields.TextField(default="")
    # msgid of the message that recalled this one
    recalled_by = fields.CharField(max_length=128, default="")
    # a recall (msgtype revoke): the msgid it recalled, so an original that is stored
    # after its recall (parked, then decrypted) still finds it; partial index in 7_
    pre_msgid = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "archive_messages"
        unique_together = (("corp", "msgid"),)
        indexes = (
            ("corp", "conversation", "msgtime"),
            ("corp", "external_userid", "msgtime"),
            ("corp", "status"),
            ("corp", "seq"),
        )


class ArchiveMedia(Model):
    """A media file of a message, fetched in ≤ 512 KB chunks apart from the text."""

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="archive_media", on_delete=fields.CASCADE
    )
    msgid = fields.CharField(max_length=128)
    sdkfileid = fields.TextField()
    # sha256 of sdkfileid (which can be long) for the unique key
    fileid_hash = fields.CharField(max_length=64)
    msgtype = fields.CharField(max_length=32, default="")
    md5sum = fields.CharField(max_length=64, default="")
    expected_size = fields.BigIntField(default=0)
    # pending | downloading | done | failed | too_large
    status = fields.CharField(max_length=16, default="pending")
    index_buf = fields.TextField(default="")
    bytes_done = fields.BigIntField(default=0)
    path = fields.CharField(max_length=512, default="")
    attempts = fields.IntField(default=0)
    error = fields.TextField(default="")
    # epoch seconds before which the item is not tried again (backoff after an error)
    next_attempt_at = fields.FloatField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "archive_media"
        unique_together = (("corp", "fileid_hash"),)
        indexes = (("corp", "status"),)


class ArchiveConsent(Model):
    """A customer's (or a room's) consent to archiving, with when it last changed."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="archive_consents", on_delete=fields.CASCADE
    )
    # the customer's external_userid (check_*_agree call it exteranalopenid)
    subject = fields.CharField(max_length=64)
    # whom the consent is with: the employee's userid for a 1:1 chat, the roomid for a
    # group chat (check_room_agree), "" when WeCom did not say
    userid = fields.CharField(max_length=64, default="")
    # agree | disagree | default_agree (WeCom's Default_Agree) | unknown
    status = fields.CharField(max_length=16, default="unknown")
    # epoch seconds of the change as WeCom reported it; an older report never
    # overwrites a newer one
    changed_at = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "archive_consents"
        unique_together = (("corp", "subject", "userid"),)


class ArchivePermitUser(Model):
    """Employees with archiving enabled (``msgaudit/get_permit_user_list``)."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="archive_permit_users", on_delete=fields.CASCADE
    )
    userid = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "archive_permit_users"
        unique_together = (("corp", "userid"),)


async def fill_message_ids(
    conn: BaseDBAsyncClient, corp_pk: int, messages: Sequence[ArchiveMessage]
) -> None:
    """Set the ids of ``messages`` that have none, looked up by msgid (``bulk_create``
    does not give ids back on every database)."""
    missing = [m for m in messages if getattr(m, "id", None) is None]
    if not missing:
        return
    by_msgid = {m.msgid: m for m in missing}
    msgids = list(by_msgid)
    for start in range(0, len(msgids), 500):
        chunk = msgids[start : start + 500]
        if dialect(conn) == "postgres":
            result = await conn.execute_query(
                "SELECT id, msgid FROM archive_messages WHERE corp_id = $1 "
                "AND msgid = ANY($2::text[])",
                [corp_pk, chunk],
            )
        else:
            result = await conn.execute_query(
                "SELECT id, msgid FROM archive_messages WHERE corp_id = ? AND msgid IN "
                + in_list(2, len(chunk), conn),
                [corp_pk, *chunk],
            )
        for row in rows_of(result):
            by_msgid[str(row[1])].id = int(row[0])
