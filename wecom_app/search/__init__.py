"""Compliance search over the chat archive (issue 5).

* :mod:`~wecom_app.search.terms` — text → index terms (CJK bigrams, digit trigrams,
  whole Latin words), shared by indexing, querying, highlighting and alert rules;
* :mod:`~wecom_app.search.query` — the query language (pure), filters, keyset cursors;
* :mod:`~wecom_app.search.keys` — the index key: tenant, time, tiebreak in 63 bits;
* :mod:`~wecom_app.search.backend` — the backend interface; :mod:`.sqlite` (FTS5) and
  :mod:`.postgres` (tsvector + GIN) implement it;
* :mod:`~wecom_app.search.ingest` — ``on_messages_stored``, the archive puller's hook;
* :mod:`~wecom_app.search.service` — search, context, conversations, export, saved
  searches, alerts, holds, the audit log, with access checks and auditing;
* :mod:`~wecom_app.search.alerts`, :mod:`.safe_regex`, :mod:`.matcher` — keyword alerts;
* :mod:`~wecom_app.search.audit` — the hash-chained audit log and its verification;
* :mod:`~wecom_app.search.retention` — the retention purge with legal holds.
"""
