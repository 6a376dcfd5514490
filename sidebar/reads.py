"""Every read of archived conversations in the sidebar is written to the audit log.

The profile (its newest messages and insights), the message history (a page or a search
in it) and a group chat's keywords are reads of the archive: each writes one entry to
the tenant's audit log (:mod:`wecom_app.search.audit`, the chain compliance reads are in)
saying who read (the signed-in employee), whose conversations (the customer or chat and
the employees whose chats were read, and why: follower, successor or manager), what
(action, query, paging, which messages) and from where (IP and user agent).

The profile is the sidebar's hottest path (every chat switch), and an entry serialises
on the tenant's chain head, so repeated opens of the *same* profile — same employee,
customer, grant and client — within the profile cache's window (30 s, the time the same
built profile is served) are one entry: the first open in the window is written, which
is also when the content may have changed. Every other read is one entry per request.
"""

from __future__ import annotations

import hashlib
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


async def audit_profile(
    request: Request, session: Session, grant: CustomerGrant, external_userid: str
) -> None:
    """The profile (its newest messages and insights), once per window (see above)."""
    service = sidebar_of(request).service
    client = repr(client_of(request)).encode()
    marker = (
        "audit:profile:"
        + hashlib.sha256(
            b"|".join(
                [
                    str(session.corp_pk).encode(),
                    session.userid.encode(),
                    external_userid.encode(),
                    grant.fingerprint.encode(),
                    client,
                ]
            )
        ).hexdigest()[:32]
    )
    if await service.kv.set_if_absent(marker, "1", ttl=max(1.0, service.config.cache_seconds)):
        await audit_read(request, session, "sidebar_profile", whose(grant, external_userid))
