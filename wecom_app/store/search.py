"""Compliance tables (issue 5): search index side tables, saved searches, alerts, audit log.

The full-text index lives with ``search_docs``: on SQLite in the FTS5 table
``search_fts`` (not a model; kept in step with ``search_docs`` by triggers), on
PostgreSQL in ``search_docs.tsv`` with a GIN index. Both are created by the migration
``4_20261122020000_search``; a row of ``search_docs`` goes with its message (foreign
key), and with it the index entry. See :mod:`wecom_app.search` for why the index is keyed as
it is.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from wecom_app.store.archive import ArchiveMessage
from wecom_app.store.models import Corp


class TsVectorField(fields.TextField):
    """A PostgreSQL ``tsvector`` (written by the search backend's SQL only); on SQLite a
    text column that stays empty (the FTS5 table holds the index there)."""

    class _db_postgres:
        SQL_TYPE = "TSVECTOR"


class SearchDoc(Model):
    """One archived message in the full-text index.

    ``doc_id`` is the index's own key and sort order: tenant, then time, then a
    tiebreak (:mod:`wecom_app.search.keys`), so "this tenant, newest first, in this time
    range" is a key range the index engine walks backwards, without a join or a sort.
    ``w`` and ``f`` are the text and filter terms as indexed (SQLite needs them to remove
    a document from the contentless FTS5 table; on PostgreSQL they stay empty). ``tsv``
    is the PostgreSQL index's document (GIN-indexed); empty on SQLite.
    """

    doc_id = fields.BigIntField(primary_key=True, generated=False)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="search_docs", on_delete=fields.CASCADE
    )
    message: fields.OneToOneRelation[ArchiveMessage] = fields.OneToOneField(
        "models.ArchiveMessage", related_name="search_doc", on_delete=fields.CASCADE
    )
    w = fields.TextField(default="")
    f = fields.TextField(default="")
    tsv = TsVectorField(default="")

    corp_id: int
    message_id: int

    class Meta:
        table = "search_docs"


class SavedSearch(Model):
    """A compliance user's named query with its filters."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="saved_searches", on_delete=fields.CASCADE
    )
    owner = fields.CharField(max_length=64)
    name = fields.CharField(max_length=100)
    # the search parameters as the console sends them (q, employee, since, sort, ...)
    params: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int

    class Meta:
        table = "saved_searches"
        unique_together = (("corp", "owner", "name"),)


class AlertRule(Model):
    """A keyword alert: words (any of them, as substrings) or one regular expression,
    checked on every ingested message of the employees in ``departments`` (all when
    empty). ``notify`` lists the userids told through WeCom when it fires."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="alert_rules", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=8)  # words | regex
    # words: one per line; regex: the pattern (checked by wecom_app.search.safe_regex)
    pattern = fields.TextField()
    departments: list[str] = fields.JSONField(default=list)
    notify: list[str] = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    # why the rule was switched off automatically (too slow on a message), if it was
    disabled_reason = fields.TextField(default="")
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    corp_id: int

    class Meta:
        table = "alert_rules"
        indexes = (("corp", "enabled"),)


class Alert(Model):
    """A rule's hit on one message; open until a compliance user acknowledges it."""

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="alerts", on_delete=fields.CASCADE
    )
    rule: fields.ForeignKeyRelation[AlertRule] = fields.ForeignKeyField(
        "models.AlertRule", related_name="alerts", on_delete=fields.CASCADE
    )
    message: fields.ForeignKeyRelation[ArchiveMessage] = fields.ForeignKeyField(
        "models.ArchiveMessage", related_name="alerts", on_delete=fields.CASCADE
    )
    matched = fields.CharField(max_length=255, default="")
    status = fields.CharField(max_length=16, default="open")  # open | acknowledged
    acknowledged_by = fields.CharField(max_length=64, default="")
    acknowledged_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    corp_id: int
    rule_id: int
    message_id: int

    class Meta:
        table = "alerts"
        unique_together = (("rule", "message"),)
        indexes = (("corp", "status", "id"), ("message",))


class AlertNotification(Model):
    """An alert to tell someone through WeCom (an outbox row: ingestion only writes it,
    a job sends it and retries with backoff, so WeCom trouble never fails ingestion)."""

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="alert_notifications", on_delete=fields.CASCADE
    )
    alert: fields.ForeignKeyRelation[Alert] = fields.ForeignKeyField(
        "models.Alert", related_name="notifications", on_delete=fields.CASCADE
    )
    userids: list[str] = fields.JSONField(default=list)
    status = fields.CharField(max_length=16, default="pending")  # pending | sent | failed
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.FloatField(default=0)
    last_error = fields.TextField(default="")
    sent_at = fields.FloatField(null=True)

    corp_id: int
    alert_id: int

    class Meta:
        table = "alert_notifications"
        indexes = (("status", "next_attempt_at"), ("alert",))


class AuditEntry(Model):
    """One line of a tenant's append-only, hash-chained audit log.

    ``hash = sha256(prev_hash + canonical content)`` (:mod:`wecom_app.search.audit`);
    ``seq`` counts 1, 2, 3, … per tenant. ``detail`` is the canonical JSON text itself,
    so what was hashed is what is stored, byte for byte, on every database.
    """

    id = fields.BigIntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="audit_entries", on_delete=fields.CASCADE
    )
    seq = fields.BigIntField()
    at_ms = fields.BigIntField()
    actor = fields.CharField(max_length=80)
    action = fields.CharField(max_length=32)
    detail = fields.TextField(default="{}")
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    corp_id: int

    class Meta:
        table = "audit_log"
        unique_together = (("corp", "seq"),)


class AuditHead(Model):
    """The newest entry of a tenant's chain: writers lock this row (one writer at a time
    per tenant, so the chain never forks), and it tells a deleted tail from a short log."""

    id = fields.IntField(primary_key=True)
    corp: fields.OneToOneRelation[Corp] = fields.OneToOneField(
        "models.Corp", related_name="audit_head", on_delete=fields.CASCADE
    )
    seq = fields.BigIntField(default=0)
    hash = fields.CharField(max_length=64, default="")

    corp_id: int

    class Meta:
        table = "audit_heads"


class LegalHold(Model):
    """Messages of this customer or employee are kept past the retention period."""

    id = fields.IntField(primary_key=True)
    corp: fields.ForeignKeyRelation[Corp] = fields.ForeignKeyField(
        "models.Corp", related_name="legal_holds", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # customer | employee
    subject = fields.CharField(max_length=64)  # external_userid or userid
    reason = fields.TextField(default="")
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    released_at = fields.DatetimeField(null=True)

    corp_id: int

    class Meta:
        table = "legal_holds"
        indexes = (("corp", "subject"),)
