"""App messages to members (``message/send``), with the corp token and the app's agent id.

https://developer.work.weixin.qq.com/document/path/90236 . Members who are unknown or
outside the app's visible range come back in ``invaliduser``; they receive nothing.
WeCom silently drops messages past 30 a minute (1,000 an hour) per member per app, so
sends are paced per member (:meth:`WeComClient.pace_messages`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.parsing import JSONObject, text

MAX_RECIPIENTS = 1000
MAX_TEXT_BYTES = 2048


@dataclass(frozen=True)
class SendResult:
    msgid: str
    invalid_users: tuple[str, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> SendResult:
        invalid = tuple(u for u in text(data, "invaliduser").split("|") if u)
        return cls(text(data, "msgid"), invalid, data)


def fit_text(content: str, limit: int = MAX_TEXT_BYTES) -> str:
    """``content`` cut (at a character boundary, with "…") to WeCom's byte limit."""
    encoded = content.encode()
    if len(encoded) <= limit:
        return content
    cut = encoded[: limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


class MessageAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource, agent_id: str | int) -> None:
        self._client = client
        self._tokens = tokens
        self.agent_id = int(agent_id)

    async def _send(self, touser: Sequence[str], msgtype: str, body: dict[str, Any]) -> SendResult:
        if not 1 <= len(touser) <= MAX_RECIPIENTS:
            raise ValueError(f"touser must hold 1..{MAX_RECIPIENTS} members")
        await self._client.pace_messages(self._tokens.scope, self.agent_id, touser)
        payload = {
            "touser": "|".join(touser),
            "msgtype": msgtype,
            "agentid": self.agent_id,
            msgtype: body,
        }
        data = await self._client.post("/cgi-bin/message/send", payload, token=self._tokens)
        return SendResult.parse(data)

    async def send_text(self, touser: Sequence[str], content: str) -> SendResult:
        """A text message (cut to 2048 bytes)."""
        return await self._send(touser, "text", {"content": fit_text(content)})

    async def send_textcard(
        self,
        touser: Sequence[str],
        *,
        title: str,
        description: str,
        url: str,
        btntxt: str = "",
    ) -> SendResult:
        """A text card: a title, a short description (≤ 512 bytes shown) and a link."""
        body = {"title": title, "description": fit_text(description, 512), "url": url}
        if btntxt:
            body["btntxt"] = btntxt
        return await self._send(touser, "textcard", body)
