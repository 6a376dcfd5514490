"""WeCom's side of callbacks: build event XML, encrypt, sign, and POST like WeCom does.

WeCom waits 5 seconds for an answer; without ``success`` it retries, 3 times in all
(wecom-protocol.md §1). Each retry is re-encrypted with a fresh random prefix, nonce and
timestamp — as WeCom does — so only the decrypted document identifies a retry.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import httpx

from wecom_app.protocol.crypto import CallbackCrypto

WECOM_TIMEOUT_S = 5.0
WECOM_ATTEMPTS = 3


def event_xml(fields: Mapping[str, str | int | list[str]]) -> bytes:
    """Render ``{tag: value}`` as WeCom does (text in CDATA, numbers bare, lists as Item)."""
    parts = ["<xml>"]
    for tag, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{tag}>{value}</{tag}>")
        elif isinstance(value, list):
            items = "".join(f"<Item><![CDATA[{_cdata(v)}]]></Item>" for v in value)
            parts.append(f"<{tag}>{items}</{tag}>")
        else:
            parts.append(f"<{tag}><![CDATA[{_cdata(value)}]]></{tag}>")
    parts.append("</xml>")
    return "".join(parts).encode()


def _cdata(value: str) -> str:
    return value.replace("]]>", "]]]]><![CDATA[>")


FieldValue = str | int | list[str]


def self_built_event(
    corp_id: str,
    event: str,
    change_type: str = "",
    create_time: int | None = None,
    **extra: FieldValue,
) -> dict[str, FieldValue]:
    fields: dict[str, str | int | list[str]] = {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": int(time.time()) if create_time is None else create_time,
        "MsgType": "event",
        "Event": event,
    }
    if change_type:
        fields["ChangeType"] = change_type
    fields.update(extra)
    return fields


def suite_command(
    suite_id: str, info_type: str, timestamp: int | None = None, **extra: FieldValue
) -> dict[str, FieldValue]:
    fields: dict[str, str | int | list[str]] = {
        "SuiteId": suite_id,
        "InfoType": info_type,
        "TimeStamp": int(time.time()) if timestamp is None else timestamp,
    }
    fields.update(extra)
    return fields


@dataclass(frozen=True)
class SignedCallback:
    query: dict[str, str]
    body: str

    def url(self, base: str) -> str:
        return f"{base}?{urlencode(self.query)}"


def seal(
    crypto: CallbackCrypto,
    message: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    to_user: str = "",
    agent_id: str = "",
) -> SignedCallback:
    """Encrypt and sign one delivery of ``message`` (a fresh one per retry)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or str(secrets.randbelow(10**10))
    encrypt = crypto.encrypt(message)
    query = {"msg_signature": crypto.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}
    body = CallbackCrypto.callback_body(encrypt, to_user=to_user, agent_id=agent_id)
    return SignedCallback(query=query, body=body)


def url_verification(
    crypto: CallbackCrypto, echo: str, *, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(secrets.randbelow(10**10))
    echostr = crypto.encrypt(echo.encode())
    return {
        "msg_signature": crypto.sign(ts, nonce, echostr),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": echostr,
    }


def accepted_answer(body: str, *, command: bool) -> bool:
    """Does WeCom take ``body`` (of a 200) as the app's answer to a callback?

    Command URL: only ``success``. Other URLs: an empty body, or an encrypted passive
    reply (``<xml><Encrypt>...``); ❓ ``success`` is accepted there too, as WeCom is
    known to take it from apps that answer every URL the same way.
    """
    if command:
        return body == "success"
    text = body.strip()
    return text in ("", "success") or (text.startswith("<xml>") and "<Encrypt>" in text)


async def verify_url(
    client: httpx.AsyncClient,
    crypto: CallbackCrypto,
    url: str,
    *,
    clock: Callable[[], float] = time.time,
    timeout_s: float = WECOM_TIMEOUT_S,
) -> bool:
    """Verify a callback URL as WeCom does when an admin saves it (Doc 90930/91144).

    One GET with a fresh random ``echostr``; the URL passes only if it answers 200 with
    exactly the decrypted plain text (no quotes, no newline, no BOM) within 5 s.
    """
    echo = str(secrets.randbelow(10**19))
    query = url_verification(crypto, echo, timestamp=int(clock()))
    try:
        async with asyncio.timeout(timeout_s):
            response = await client.get(url, params=query, timeout=timeout_s)
    except (TimeoutError, httpx.HTTPError):
        return False
    return response.status_code == 200 and response.content == echo.encode()


@dataclass
class DeliveryReport:
    attempts: int = 0
    answered_success: bool = False
    statuses: list[str] = field(default_factory=list)


class CallbackSender:
    """Posts callbacks with WeCom's timeout and retry behaviour."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        crypto: CallbackCrypto,
        url: str,
        *,
        timeout_s: float = WECOM_TIMEOUT_S,
        attempts: int = WECOM_ATTEMPTS,
        clock: Callable[[], float] = time.time,
        command: bool = True,
    ) -> None:
        self.client, self.crypto, self.url = client, crypto, url
        self.timeout_s, self.attempts, self.clock = timeout_s, attempts, clock
        # A suite command callback wants the literal "success" (Doc 90600); a
        # self-built or data callback an empty 200 or a passive reply (Doc 90238).
        self.command = command

    async def send(
        self, message: bytes, *, to_user: str = "", agent_id: str = ""
    ) -> DeliveryReport:
        report = DeliveryReport()
        for _ in range(self.attempts):
            report.attempts += 1
            signed = seal(
                self.crypto,
                message,
                timestamp=int(self.clock()),
                to_user=to_user,
                agent_id=agent_id,
            )
            try:
                # WeCom waits 5 s for an answer, whatever the transport (httpx's own
                # timeout is not enforced by in-process ASGI transports).
                async with asyncio.timeout(self.timeout_s):
                    response = await self.client.post(
                        self.url,
                        params=signed.query,
                        content=signed.body.encode(),
                        headers={"Content-Type": "text/xml"},
                        timeout=self.timeout_s,
                    )
            except TimeoutError:
                report.statuses.append("timeout")
                continue
            except httpx.HTTPError as exc:
                report.statuses.append(type(exc).__name__)
                continue
            report.statuses.append(str(response.status_code))
            if response.status_code == 200 and self._accepted(response.text):
                report.answered_success = True
                break
        return report

    def _accepted(self, body: str) -> bool:
        return accepted_answer(body, command=self.command)


__all__ = [
    "CallbackSender",
    "accepted_answer",
    "escape",
    "event_xml",
    "seal",
    "self_built_event",
    "suite_command",
    "verify_url",
]
