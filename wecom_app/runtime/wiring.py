"""How capabilities that react to one another are connected: the one place of it.

A capability that reacts to another's events registers here as a listener instead of
being imported by it (DESIGN: "search listens to archive"). The archive announces what
it stored to :data:`~wecom_app.archive.listeners.STORED_LISTENERS` and imports none of
them; search indexes the stored messages and checks them against the alert rules.
"""

from __future__ import annotations

from wecom_app.archive.listeners import STORED_LISTENERS
from wecom_app.search.ingest import on_messages_stored


def listen_to_archive() -> None:
    """Register the archive's listeners (idempotent; every process that may pull runs it)."""
    STORED_LISTENERS.add(on_messages_stored)
