"""Chat archive (会话内容存档): pull, decrypt, normalise and store every message once.

* :mod:`~wecom_app.archive.source` — the :class:`ArchiveSource` interface, the SDK
  error codes with what to do about each, media download helpers;
  :mod:`~wecom_app.archive.finance_sdk` (WeCom's C SDK through ctypes, bound in
  :mod:`~wecom_app.archive.finance_sdk_library`) and
  :mod:`~wecom_app.archive.sim_source` (the simulator over HTTP) implement it;
  :mod:`~wecom_app.archive.sources` picks one per tenant and keeps it open.
* :mod:`~wecom_app.archive.keys` — private keys per ``publickey_ver`` and the archive
  secret, checked and sealed at rest.
* :mod:`~wecom_app.archive.decode` — RSA + DecryptData + normalise + tokenise + index
  terms (:mod:`wecom_app.text`) for a chunk of records, run by the process pool of
  :mod:`~wecom_app.archive.decode_pool`; one :mod:`~wecom_app.archive.outcomes` value
  per record.
* :mod:`~wecom_app.archive.writer` — one transaction per batch: messages
  (:mod:`~wecom_app.archive.message_rows`, :mod:`~wecom_app.archive.bulk_sql`), media
  queue (:mod:`~wecom_app.archive.media_queue`), recalls
  (:mod:`~wecom_app.archive.recalls`), consent (:mod:`~wecom_app.archive.consent_rows`),
  the listeners, cursor (compare-and-set).
* :mod:`~wecom_app.archive.listeners` — who hears of stored messages (with their index
  terms beside them); the composition root registers search's ingestion there, so the
  archive never imports search.
* :mod:`~wecom_app.archive.puller` — the pull loop: lease
  (:mod:`~wecom_app.archive.lease`), pipeline, retries; its report
  (:mod:`~wecom_app.archive.pull_report`).
* :mod:`~wecom_app.archive.retry` — parked messages once their key arrives.
* :mod:`~wecom_app.archive.media` — resumable, verified, capped media downloads.
* :mod:`~wecom_app.archive.consent` — consent and the permit list (msgaudit APIs).
* :mod:`~wecom_app.archive.status` — what the console shows.
* :mod:`~wecom_app.archive.runtime` — all of it for one process: debounced pulls,
  the jobs' entry points, shutdown.

Parsing, key handling and normalising live in :mod:`wecom_app.protocol.archive`.
"""
