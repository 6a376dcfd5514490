"""Compliance search as one service: the entry points the consoles and the CLI call.

Every public method takes a :class:`~wecom_app.search.access.Viewer`, checks the
compliance role (a refusal is audited, then :class:`AccessDenied` is raised), applies
the viewer's department scope, and writes what was looked at to the audit log before
returning it. Tenancy: the index key range of the viewer's tenant bounds every search,
and every message read is filtered by the viewer's corp as well.

:class:`Compliance` is a facade: it is the :class:`~wecom_app.search.guard.Guard` (role
checks and auditing) plus one method per entry point, each handing over to the module
that does the work:

* :mod:`~wecom_app.search.hits` — searching, plans and pages of hits;
* :mod:`~wecom_app.search.conversations` — the context around a hit, whole conversations;
* :mod:`~wecom_app.search.export` — CSV / JSON-lines exports;
* :mod:`~wecom_app.search.saved_searches`, :mod:`~wecom_app.search.media_files`;
* :mod:`~wecom_app.search.alert_review` — alerts and rules;
* :mod:`~wecom_app.search.legal_holds`, :mod:`~wecom_app.search.audit_review`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from wecom_app.search import (
    alert_review,
    audit_review,
    conversations,
    export,
    hits,
    legal_holds,
    media_files,
    saved_searches,
)
from wecom_app.search.access import Viewer
from wecom_app.search.audit import AuditKey, Entry
from wecom_app.search.audit_verify import Verification
from wecom_app.search.conversations import ContextView, ConversationPage
from wecom_app.search.export import ExportFormat
from wecom_app.search.guard import Guard
from wecom_app.search.hits import SearchPage
from wecom_app.search.index import Plan
from wecom_app.search.messages import NotFound
from wecom_app.search.query import MatchQuery
from wecom_app.search.request import SearchRequest
from wecom_app.store.search import AlertRule, LegalHold, SavedSearch

__all__ = ["Compliance", "NotFound"]


class Compliance(Guard):
    """The compliance service of one process (stateless apart from its clock)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        media_dir: Path | None = None,
        *,
        audit_key: AuditKey,
        checkpoint_path: Path | None = None,
    ) -> None:
        super().__init__(clock, audit_key=audit_key)
        self.checkpoint_path = checkpoint_path
        self.media_dir = media_dir

    # -- search --

    async def plan(self, viewer: Viewer, request: SearchRequest) -> Plan | None:
        return await hits.index_plan(viewer, request)

    async def search(self, viewer: Viewer, request: SearchRequest) -> SearchPage:
        return await hits.search(self, viewer, request)

    # -- context and conversations --

    async def context(
        self,
        viewer: Viewer,
        message_id: int,
        *,
        before: int = 10,
        after: int = 10,
        match: MatchQuery | None = None,
    ) -> ContextView:
        """The messages around ``message_id`` in its conversation."""
        return await conversations.context(
            self, viewer, message_id, before=before, after=after, match=match
        )

    async def conversation(
        self,
        viewer: Viewer,
        conversation: str,
        *,
        since: int | None = None,
        until: int | None = None,
        cursor: str = "",
        limit: int = 200,
    ) -> ConversationPage:
        """A whole conversation in time order, for ``since <= time < until`` (epoch s)."""
        return await conversations.conversation(
            self, viewer, conversation, since=since, until=until, cursor=cursor, limit=limit
        )

    # -- export, saved searches, media --

    async def export(
        self, viewer: Viewer, request: SearchRequest, fmt: ExportFormat
    ) -> AsyncIterator[bytes]:
        """The whole result set (up to :data:`~wecom_app.search.export.MAX_EXPORT_ROWS`)."""
        return await export.export(self, viewer, request, fmt)

    async def saved_searches(self, viewer: Viewer) -> list[SavedSearch]:
        return await saved_searches.saved_searches(self, viewer)

    async def save_search(
        self, viewer: Viewer, name: str, params: Mapping[str, str]
    ) -> SavedSearch:
        return await saved_searches.save_search(self, viewer, name, params)

    async def delete_saved(self, viewer: Viewer, saved_id: int) -> bool:
        return await saved_searches.delete_saved(self, viewer, saved_id)

    async def media_file(self, viewer: Viewer, media_id: int) -> tuple[Path, str]:
        """The file of a fetched media item of a visible message, and its type."""
        return await media_files.media_file(self, viewer, media_id, self.media_dir)

    # -- alerts and rules --

    async def alerts(
        self, viewer: Viewer, *, status: str = "open", before_id: int | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        return await alert_review.alerts(
            self, viewer, status=status, before_id=before_id, limit=limit
        )

    async def acknowledge(self, viewer: Viewer, alert_id: int) -> bool:
        return await alert_review.acknowledge(self, viewer, alert_id)

    async def rules(self, viewer: Viewer) -> list[AlertRule]:
        return await alert_review.rules(self, viewer)

    async def add_rule(
        self,
        viewer: Viewer,
        *,
        name: str,
        kind: str,
        pattern: str,
        departments: Sequence[str] = (),
        notify: Sequence[str] = (),
    ) -> AlertRule:
        """Raises :class:`~wecom_app.search.alert_rules.RuleError` for a pattern we refuse."""
        return await alert_review.add_rule(
            self,
            viewer,
            name=name,
            kind=kind,
            pattern=pattern,
            departments=departments,
            notify=notify,
        )

    async def set_rule_enabled(self, viewer: Viewer, rule_id: int, enabled: bool) -> bool:
        return await alert_review.set_rule_enabled(self, viewer, rule_id, enabled)

    # -- legal holds and the audit log --

    async def holds(self, viewer: Viewer) -> list[LegalHold]:
        return await legal_holds.holds(self, viewer)

    async def add_hold(self, viewer: Viewer, kind: str, subject: str, reason: str) -> LegalHold:
        return await legal_holds.add_hold(self, viewer, kind, subject, reason)

    async def release_hold(self, viewer: Viewer, hold_id: int) -> bool:
        return await legal_holds.release_hold(self, viewer, hold_id)

    async def audit_entries(
        self, viewer: Viewer, *, before_seq: int | None = None, limit: int = 100
    ) -> list[Entry]:
        return await audit_review.audit_entries(self, viewer, before_seq=before_seq, limit=limit)

    async def audit_verify(self, viewer: Viewer) -> Verification:
        return await audit_review.audit_verify(self, viewer, self.checkpoint_path)
