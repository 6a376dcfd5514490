"""Text → words and index terms, shared by the archive (its decoder processes compute a
message's terms once, at ingest) and search (indexing, querying, highlighting).

* :mod:`~wecom_app.text.tokenise` — jieba words and the ``tokens`` column;
* :mod:`~wecom_app.text.terms` — text → index terms (CJK bigrams, digit trigrams, words)
  and filter terms;
* :mod:`~wecom_app.text.message_terms` — a message's filter terms (whose it is, its room,
  type and direction) and :class:`~wecom_app.text.message_terms.IndexTerms`, the terms
  that travel beside a stored message to the index.

Neither archive nor search owns this: both use it, so neither imports the other for it.
"""
