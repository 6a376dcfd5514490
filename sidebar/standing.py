"""Whether a signed sidebar session still stands: the signature says who signed in,
the store says whether they still may.

Checked on every sidebar request that needs a session (every API, the page, the
session and JS-SDK endpoints, tags, quick replies): a session ends

* on logout — its id is recorded as ended in the KV store (shared across processes
  with Redis) for as long as the cookie could live;
* when the employee resigns or is disabled — the employee's row says so;
* when the tenant uninstalls (or is otherwise no longer live) — the corp's row says so.

A role change needs no revocation here: the sidebar's session carries no roles, and
admin routes read the roles from the store on every request.
"""

from __future__ import annotations

from sidebar.session import Session
from wecom_app.kv import KV
from wecom_app.store.models import Corp, Employee

LIVE_CORP = ("active", "disconnected")


def _ended_key(sid: str) -> str:
    return f"sidebar:ended:{sid}"


async def stands(kv: KV, session: Session) -> bool:
    if not session.sid or await kv.get(_ended_key(session.sid)) is not None:
        return False
    if not await Corp.filter(id=session.corp_pk, status__in=LIVE_CORP).exists():
        return False
    return not (
        await Employee.filter(corp_id=session.corp_pk, userid=session.userid)
        .exclude(status="active")
        .exists()
    )


async def end(kv: KV, session: Session, lifetime_s: int) -> None:
    """Sign this session out everywhere a copy of its cookie may be."""
    if session.sid:
        await kv.set(_ended_key(session.sid), "1", ttl=max(60, lifetime_s))
