"""Interface-call licences (接口调用许可): which members WeCom refuses, and for what.

After a third-party app's trial, WeCom serves its customer APIs only for members with an
active interface licence ("互通账号"); for the others it answers 701008 and names them in
``fail_info.unlicensed_userid_list`` (Doc 95644 接口调用许可 overview, Doc 90313 for the
code). The flows that meet it record the refused members here, per feature, so an
admin (console, API) sees who is blocked from what and the sidebar can say why.

Records live in the shared KV store (one JSON document per corp, changed under a lock)
and are forgotten after :data:`FORGET_AFTER_S` without a new refusal: buying a licence
shows up here without anyone clearing it, and a member refused again is recorded again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from wecom_app.kv import KV

# feature → what an admin reads about it
FEATURES: dict[str, str] = {
    "customer_sync": "their customers are not synchronised from WeCom",
    "sidebar": "the sidebar cannot show their customers",
    "transfer": "customers and group chats cannot be handed to or from them",
    "tags": "tags and remarks cannot be changed for their customers",
}
FORGET_AFTER_S = 7 * 86400.0
_LOCK_TIMEOUT_S = 5.0

SIDEBAR_MESSAGE = (
    "你的企业微信账号还没有激活接口许可，侧边栏暂时无法读取客户信息。请联系企业管理员激活许可。"
    " / Your WeCom account has no active interface licence, so the sidebar cannot read "
    "customer data. Ask your WeCom admin to activate a licence for you."
)


@dataclass(frozen=True)
class Blocked:
    """One member WeCom refused for lack of a licence: features → when last refused."""

    userid: str
    features: dict[str, float]

    def explanations(self) -> list[str]:
        return [FEATURES.get(f, f) for f in sorted(self.features)]


def _key(corp_id: str) -> str:
    return f"licences:blocked:{corp_id}"


async def _load(kv: KV, corp_id: str) -> dict[str, dict[str, float]]:
    raw = await kv.get(_key(corp_id))
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(u): {str(f): float(at) for f, at in features.items()}
        for u, features in data.items()
        if isinstance(features, dict)
    }


async def record_blocked(
    kv: KV, corp_id: str, userids: Iterable[str], feature: str, at: float
) -> None:
    """Note that WeCom refused ``userids`` for ``feature`` at ``at`` (701008)."""
    wanted = [u for u in dict.fromkeys(userids) if u]
    if not wanted:
        return
    async with kv.lock(f"{_key(corp_id)}:lock", timeout=_LOCK_TIMEOUT_S):
        data = _fresh(await _load(kv, corp_id), at)
        for userid in wanted:
            data.setdefault(userid, {})[feature] = at
        await kv.set(_key(corp_id), json.dumps(data), ttl=FORGET_AFTER_S)


async def blocked_members(kv: KV, corp_id: str, now: float) -> list[Blocked]:
    """Every member WeCom refused lately for lack of a licence, with the features."""
    data = _fresh(await _load(kv, corp_id), now)
    return [Blocked(userid, features) for userid, features in sorted(data.items())]


async def blocked_features(kv: KV, corp_id: str, userid: str, now: float) -> list[str]:
    """The features ``userid`` is blocked from (empty: none recorded)."""
    for blocked in await blocked_members(kv, corp_id, now):
        if blocked.userid == userid:
            return sorted(blocked.features)
    return []


def _fresh(data: dict[str, dict[str, float]], now: float) -> dict[str, dict[str, float]]:
    kept: dict[str, dict[str, float]] = {}
    for userid, features in data.items():
        live = {f: at for f, at in features.items() if now - at < FORGET_AFTER_S}
        if live:
            kept[userid] = live
    return kept
