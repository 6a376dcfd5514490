"""Chat archive (会话内容存档): pull, decrypt, normalise and store every message once.

* :mod:`~wecom_app.archive.source` — the :class:`ArchiveSource` interface, the SDK
  error codes with what to do about each, media download helpers;
  :mod:`~wecom_app.archive.finance_sdk` (WeCom's C SDK through ctypes) and
  :mod:`~wecom_app.archive.sim_source` (the simulator over HTTP) implement it;
  :mod:`~wecom_app.archive.sources` picks one per tenant and keeps it open.
* :mod:`~wecom_app.archive.keys` — private keys per ``publickey_ver`` and the archive
  secret, checked and sealed at rest.
* :mod:`~wecom_app.archive.decode` — RSA + DecryptData + normalise + tokenise
  (:mod:`~wecom_app.archive.tokenise`) in a process pool, one outcome per record.
* :mod:`~wecom_app.archive.writer` — one transaction per batch: messages, media queue,
  recalls, consent, search index, cursor (compare-and-set).
* :mod:`~wecom_app.archive.puller` — the pull loop: lease, pipeline, retries.
* :mod:`~wecom_app.archive.retry` — parked messages once their key arrives.
* :mod:`~wecom_app.archive.media` — resumable, verified, capped media downloads.
* :mod:`~wecom_app.archive.consent` — consent and the permit list (msgaudit APIs).
* :mod:`~wecom_app.archive.status` — what the console shows.
* :mod:`~wecom_app.archive.runtime` — all of it for one process: debounced pulls,
  the jobs' entry points, shutdown.

Parsing, key handling and normalising live in :mod:`wecom_app.protocol.archive`.
"""
