"""What keeps WeCom's sign-in from being replayed or hammered: one place for the
sidebar's and the consoles' OAuth round trips.

* :func:`allow` — a fixed-window throttle per client IP and per tenant (or app) on
  sign-in starts and callbacks, counted in the KV store (Redis when ``REDIS_URL`` is
  set, so every process shares the counts). Each ``getuserinfo``/``getuserinfo3rd``
  costs WeCom quota on a token all tenants of the suite share, so the callback limit is
  what protects every tenant's sign-in.
* :func:`first_use` — a ``state`` or sign-in ``code`` is accepted once: the first
  caller claims it (``set_if_absent``), every replay is refused before WeCom is asked.

Values are hashed before they become keys (a code is a credential while it lives).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from wecom_app.kv import KV

WINDOW_S = 60
USED_TTL_S = 600  # WeCom's codes and our states live at most 5–10 minutes


@dataclass(frozen=True)
class Limits:
    per_ip: int = 30
    per_tenant: int = 300


DEFAULT_LIMITS = Limits()
PER_IP_SETTING = "WECOM_APP_SIGNIN_PER_IP"
PER_TENANT_SETTING = "WECOM_APP_SIGNIN_PER_TENANT"


def limits_of(extra: Mapping[str, str]) -> Limits:
    """The limits an operator set (sign-in steps a minute), else the defaults."""

    def number(name: str, default: int) -> int:
        raw = extra.get(name, "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() else default

    return Limits(
        number(PER_IP_SETTING, DEFAULT_LIMITS.per_ip),
        number(PER_TENANT_SETTING, DEFAULT_LIMITS.per_tenant),
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


async def allow(
    kv: KV,
    step: str,
    *,
    ip: str,
    tenant: str,
    now: float,
    limits: Limits = DEFAULT_LIMITS,
) -> bool:
    """Count one ``step`` (``"start"``, ``"callback"``) from ``ip`` for ``tenant``;
    False once either count is over its limit in the current window."""
    window = int(now // WINDOW_S)
    by_ip = await kv.incr(f"signin:{step}:ip:{_digest(ip)}:{window}", ttl=WINDOW_S * 2)
    if by_ip > limits.per_ip:
        return False
    by_tenant = await kv.incr(f"signin:{step}:t:{_digest(tenant)}:{window}", ttl=WINDOW_S * 2)
    return by_tenant <= limits.per_tenant


async def first_use(kv: KV, kind: str, value: str) -> bool:
    """True the first time ``value`` (a state, a code) of ``kind`` is presented."""
    return await kv.set_if_absent(f"signin:used:{kind}:{_digest(value)}", "1", ttl=USED_TTL_S)


def client_ip(scope_client: tuple[str, int] | None) -> str:
    """The peer address (behind a proxy, the server's ``--proxy-headers`` sets it)."""
    return scope_client[0] if scope_client else "-"
