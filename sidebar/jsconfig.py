"""The parameters of ``wx.config`` and ``wx.agentConfig`` for one page URL.

``wx.config`` is signed with the corp's ticket, ``wx.agentConfig`` with the app's
(wecom-protocol.md §7); both tickets come from :mod:`wecom_app.wecom.jsapi` (cached in
the KV store). We only sign our own sidebar pages: a URL elsewhere is refused, so the
endpoint cannot be used to sign someone else's page for this corp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wecom_app.protocol import jsapi
from wecom_app.store.models import Corp

if TYPE_CHECKING:
    from sidebar.service import SidebarService

# What the sidebar calls through agentConfig (wx.invoke) and config.
AGENT_APIS = ["getContext", "getCurExternalContact", "getCurExternalChat", "sendChatMessage"]
CONFIG_APIS = ["checkJsApi"]
REFRESH_EVERY_S = 60


class NotOurPage(ValueError):
    pass


def check_url(public_url: str, url: str) -> str:
    """``url`` without its fragment, if it is one of our sidebar pages."""
    bare = jsapi.page_url(url)
    ours = urlsplit(public_url)
    parts = urlsplit(bare)
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
        raise NotOurPage("not a page of this site")
    base_path = ours.path.rstrip("/")
    if not parts.path.startswith(base_path + "/sidebar"):
        raise NotOurPage("not a sidebar page")
    return bare


async def build(
    service: SidebarService, corp_pk: int, corp_id: str, url: str, *, refresh: bool = False
) -> dict[str, Any]:
    page = check_url(service.config.public_url, url)
    corp = await Corp.get(id=corp_pk)
    agent_id = corp.agent_id or ""
    tokens = await service.services.wecom.corp_tokens(corp_id)
    corp_tickets = service.tickets.corp(tokens, corp_id, agent_id or "app")
    agent_tickets = service.tickets.agent(tokens, corp_id, agent_id) if agent_id else None
    if refresh and await service.kv.set_if_absent(
        f"sidebar:jsapi-refresh:{corp_id}", "1", ttl=REFRESH_EVERY_S
    ):
        # The page reported a signature error: drop the cached tickets, once a minute
        # at most (WeCom may invalidate a ticket early; our budget limits the rest).
        await service.kv.delete(corp_tickets.cache_key)
        if agent_tickets is not None:
            await service.kv.delete(agent_tickets.cache_key)
    timestamp = int(service.now())
    signed = jsapi.sign_page(await corp_tickets.get(), page, timestamp=timestamp)
    result: dict[str, Any] = {
        "url": page,
        "config": {
            "beta": True,
            "debug": False,
            "appId": corp_id,
            "timestamp": signed.timestamp,
            "nonceStr": signed.noncestr,
            "signature": signed.signature,
            "jsApiList": CONFIG_APIS,
        },
        "agentConfig": None,
    }
    if agent_tickets is not None:
        agent = jsapi.sign_page(await agent_tickets.get(), page, timestamp=timestamp)
        result["agentConfig"] = {
            "corpid": corp_id,
            "agentid": agent_id,
            "timestamp": agent.timestamp,
            "nonceStr": agent.noncestr,
            "signature": agent.signature,
            "jsApiList": AGENT_APIS,
        }
    return result
