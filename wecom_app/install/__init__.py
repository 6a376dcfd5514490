"""Installing the app into an org: the suite flow, self-built registration, and what
follows (auth changes, uninstalls, a permanent code WeCom no longer accepts).

Suite flow (wecom-protocol.md §2)::

    install_link()  suite token → pre-auth code → [set_session_info] → WeCom's install page
    WeCom           redirects back with auth_code  ──→ complete_install(source="redirect")
                    and/or pushes create_auth      ──→ handler: record_auth_code() + kick
    exchange        get_permanent_code (once per code, whoever comes first) → the tenant
                    (permanent code sealed), its installing admin, a primed corp token,
                    and the initial full sync queued as a job

An auth code is single use, so the exchange must happen exactly once per code. The
``auth_exchanges`` row (unique sha256 of the code) arbitrates: a conditional update
``pending → exchanging`` lets one caller call WeCom; everyone else waits for its outcome
(the redirect) or leaves it (the callback handler). The callback handler never calls
WeCom itself: it runs inside the inbox worker's transaction, which must not be rolled
back after the code was spent. It records the code (sealed) and a background task or
the ``install-exchanges`` job exchanges it.

Modules (import the one you need; this package re-exports nothing, so that a module
low in the import graph — the sync runner — can use :mod:`.disconnect` without pulling
in the flows that start syncs):

- :mod:`.suite` — :func:`~.suite.install_link`, :func:`~.suite.record_auth_code`,
  :func:`~.suite.complete_install`;
- :mod:`.exchange` — the once-per-code exchange: :func:`~.exchange.code_hash`,
  :func:`~.exchange.kick_exchange`, :func:`~.exchange.process_pending_installs` (the job);
- :mod:`.self_built` — :func:`~.self_built.register_self_built_org`;
- :mod:`.lifecycle` — :func:`~.lifecycle.refresh_auth_info` (``change_auth``),
  :func:`~.lifecycle.cancel_install` (``cancel_auth``), :func:`~.lifecycle.reconnect`;
- :mod:`.disconnect` — :func:`~.disconnect.mark_disconnected` (WeCom rejected our
  credentials), :func:`~.disconnect.disconnected_reason`;
- :mod:`.credentials` — where the permanent code is sealed, dropping cached tokens;
- :mod:`.errors` — :class:`~.errors.InstallError`, the message for the admin.
"""
