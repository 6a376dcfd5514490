"""Compliance search over the chat archive (issue 5).

The index:

* :mod:`~wecom_app.text.terms` — text → index terms (CJK bigrams, digit trigrams,
  whole Latin words), shared by indexing, querying, highlighting and alert rules;
* :mod:`~wecom_app.search.query` — the query language (pure): text → match expression;
* :mod:`~wecom_app.search.request` — a whole search: filters, sort, page, keyset cursor;
* :mod:`~wecom_app.search.keys` — the index key: tenant, time, tiebreak in 63 bits;
* :mod:`~wecom_app.search.index` — the backend interface; :mod:`.sqlite` (FTS5) and
  :mod:`.postgres` (tsvector + GIN) implement it, :mod:`.backend` picks one;
* :mod:`~wecom_app.search.ingest` — ``on_messages_stored``, the archive puller's hook.

The compliance service (:class:`wecom_app.search.service.Compliance`, a facade):

* :mod:`~wecom_app.search.access` (who sees what), :mod:`.guard` (role checks, auditing);
* :mod:`~wecom_app.search.messages` — messages as shown, read by id or by index hit;
* :mod:`~wecom_app.search.hits`, :mod:`.conversations`, :mod:`.export`,
  :mod:`.saved_searches`, :mod:`.media_files`, :mod:`.alert_review`,
  :mod:`.legal_holds`, :mod:`.audit_review` — one module per entry point group.

Around it:

* :mod:`~wecom_app.search.alert_rules`, :mod:`.alerts`, :mod:`.alert_notifications`,
  :mod:`.safe_regex`, :mod:`.matcher`, :mod:`.departments` — keyword alerts: rules,
  evaluation on ingest, the notification outbox;
* :mod:`~wecom_app.search.audit` — the hash-chained audit log and its verification;
* :mod:`~wecom_app.search.retention` — the retention purge with legal holds.
"""
