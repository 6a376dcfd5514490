"""Every read of archived conversations in the sidebar is written to the audit log.

The profile (its newest messages and insights), the message history (a page or a search
in it) and a group chat's keywords are reads of the archive: each writes one entry to
the tenant's audit log (:mod:`wecom_app.search.audit`, the chain compliance reads are in)
saying who read (the signed-in employee), whose conversations (the customer or chat and
the employees whose chats were read, and why: follower, successor or manager), what
(action, query, paging, which messages) and from where (IP and user agent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request

from sidebar.access import CustomerGrant
from sidebar.session import Session
from sidebar.site import sidebar_of
from wecom_app.consoles.client import client_of
from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard


async def audit_read(
    request: Request, session: Session, action: str, detail: Mapping[str, Any]
) -> None:
    service = sidebar_of(request).service
    viewer = Viewer(
        session.corp_pk, session.corp_id, session.userid, frozenset(), client=client_of(request)
    )
    await Guard(service.now, audit_key=service.audit_key).audit(viewer, action, detail)


def whose(grant: CustomerGrant, external_userid: str) -> dict[str, Any]:
    """Whose conversations a customer read covers."""
    return {
        "customer": external_userid,
        "reason": grant.reason,
        "employees": list(grant.employees),
        "predecessors": [p.userid for p in grant.predecessors],
    }


async def audit_history(
    request: Request,
    session: Session,
    grant: CustomerGrant,
    external_userid: str,
    read: Sequence[str],
    shown: Sequence[Mapping[str, Any]],
) -> None:
    """A page of the message history, or a search in it (``q``)."""
    params = request.query_params
    detail = {
        **whose(grant, external_userid),
        "read": list(read),
        "q": params.get("q", ""),
        "before": params.get("before", ""),
        "message_ids": [m["id"] for m in shown],
    }
    await audit_read(request, session, "sidebar_history", detail)
