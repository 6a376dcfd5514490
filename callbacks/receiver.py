"""HTTP receiver: verify → decrypt → dedup key → inbox (committed) → ``success``.

The view does no business work (Zulip / Chatwoot): it proves the callback is WeCom's,
stores it durably and answers. Every refusal is a 4xx with a short reason and a counted
metric; nothing is stored. No input may produce a 500.

WeCom gives us 5 seconds, but throughput matters when an org's bulk changes arrive at
once, so the endpoints are plain ASGI apps: no Request/Response objects, the query
string parsed for the four keys we read, the payload parsed once, the ``success``
answer's messages built once. The answer is ``success`` on the suite URL and an empty
200 elsewhere (:func:`answer_for`). :func:`callback_route` lets the app send callback URLs
here before Starlette's middleware and routing (``wecom_app.app.App``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.types import Receive, Scope, Send

from callbacks.credentials import SEALED_FIELDS, seal_payload
from callbacks.endpoints import Endpoint, EndpointResolver, UnknownEndpoint, valid_corp_id
from callbacks.inbox import InboxWriter, StorageUnavailable
from wecom_app.metrics import Metrics
from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.errors import (
    BodyTooLargeError,
    ProtocolError,
    ReceiveIdError,
    SignatureError,
)
from wecom_app.protocol.events import dedup_key, identity
from wecom_app.protocol.xml import envelope_encrypt, parse_xml
from wecom_app.secretbox import SecretBox
from wecom_app.store.inbox import NewInboxRow

log = logging.getLogger(__name__)

_QUERY_KEYS = {key.encode(): key for key in ("msg_signature", "timestamp", "nonce", "echostr")}
_MAX_PARAM = 4096


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_query(raw: bytes) -> dict[str, str]:
    """The callback's query parameters (first value wins); others are ignored."""
    params: dict[str, str] = {}
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        key = _QUERY_KEYS.get(name)
        if key is not None and key not in params:
            text = value.decode("latin-1")
            # WeCom's values are plain (hex, digits, base64 is in the body): unquote
            # only when there is something to unquote.
            params[key] = unquote_plus(text) if "%" in text or "+" in text else text
    return params


def answer_for(source: str) -> str:
    """What WeCom wants back once a callback is stored, per kind of URL.

    The suite command URL must answer the literal ``success`` (Doc 90600, 指令回调:
    "服务商接收到推送请求后，需要直接返回字符串 success"). Self-built apps and suite data
    callbacks answer an empty 200 when they have no passive reply (Doc 90238/90930,
    接收消息与事件: "可以直接回复空串"); a non-empty body that is not an encrypted reply
    can make WeCom tell the member the app is unavailable.
    """
    return "success" if source == "suite" else ""


_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_SUCCESS_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [_TEXT_PLAIN, (b"content-length", b"7")],
}
_SUCCESS_BODY = {"type": "http.response.body", "body": b"success"}
_EMPTY_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [_TEXT_PLAIN, (b"content-length", b"0")],
}
_EMPTY_BODY = {"type": "http.response.body", "body": b""}


async def _respond(send: Send, status: int, body: str) -> None:
    if status == 200 and body == "success":
        # Shared messages: servers only read them (a fresh header list each time
        # would be the only allocation left in the answer).
        await send(_SUCCESS_START)
        await send(_SUCCESS_BODY)
        return
    if status == 200 and not body:
        await send(_EMPTY_START)
        await send(_EMPTY_BODY)
        return
    payload = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_TEXT_PLAIN, (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


@dataclass
class CallbackReceiver:
    resolver: EndpointResolver
    writer: InboxWriter
    metrics: Metrics
    clock: Callable[[], float]
    replay_window_s: int
    max_body_bytes: int

    # Seals the credentials of suite command callbacks (tickets, auth codes) before they
    # are stored; without it (no box) payloads are stored exactly as received.
    secrets: SecretBox | None = None

    def endpoint_app(self, source: str) -> CallbackEndpointApp:
        return CallbackEndpointApp(self, source)

    async def handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        source: str,
        corp_id: str | None = None,
    ) -> None:
        """Answer one callback request (``corp_id``: from the path, for ``corp``)."""
        try:
            query = parse_query(scope.get("query_string", b""))
            if source == "corp" and corp_id is None:
                corp_id = scope.get("path_params", {}).get("corp_id")
            if scope["method"] == "GET":
                answer = await self._verify_url(query, source, corp_id)
            else:
                answer = await self._receive(scope, receive, query, source, corp_id)
        except Rejected as exc:
            self.metrics.callbacks_rejected.inc(exc.reason)
            log.info("callback refused on %s: %s", source, exc.reason)
            await _respond(send, exc.status, exc.reason)
            return
        await _respond(send, 200, answer)

    async def _endpoint(self, source: str, corp_id: str | None) -> Endpoint:
        try:
            if corp_id is not None:
                return await self.resolver.corp(corp_id)
            return self.resolver.suite(source)
        except UnknownEndpoint:
            raise Rejected(404, "unknown_endpoint") from None

    @staticmethod
    def _params(query: dict[str, str], *names: str) -> list[str]:
        values = []
        for name in names:
            value = query.get(name)
            if not value:
                raise Rejected(400, f"missing_{name}")
            if len(value) > _MAX_PARAM:
                raise Rejected(400, f"bad_{name}")
            values.append(value)
        return values

    def _check_timestamp(self, timestamp: str) -> None:
        if self.replay_window_s <= 0:
            return
        if not is_digits(timestamp) or len(timestamp) > 12:
            raise Rejected(400, "bad_timestamp")
        if abs(self.clock() - int(timestamp)) > self.replay_window_s:
            raise Rejected(400, "stale_timestamp")

    async def _check_receive_id(self, endpoint: Endpoint, receive_id: str, verifying: bool) -> str:
        """Return the corp the payload belongs to ("" for suite-level)."""
        if endpoint.source == "corp":
            if receive_id != endpoint.corp_id:
                raise Rejected(403, ReceiveIdError.reason)
            return endpoint.corp_id
        accepted = (endpoint.suite_id, endpoint.provider_corp_id or endpoint.suite_id)
        if verifying and receive_id in accepted:
            # URL verification of a suite URL: WeCom sends the provider corp id (see
            # callbacks.endpoints); the suite id is what Doc 90600 names.
            return ""
        if endpoint.source == "suite":
            if receive_id != endpoint.suite_id:
                if verifying and not endpoint.provider_corp_id:
                    log.warning("URL verification refused: set WECOM_PROVIDER_CORP_ID")
                raise Rejected(403, ReceiveIdError.reason)
            return ""
        if not await self.resolver.is_installed(receive_id):
            raise Rejected(403, ReceiveIdError.reason)
        return receive_id

    async def _verify_url(self, query: dict[str, str], source: str, corp_id: str | None) -> str:
        signature, timestamp, nonce, echostr = self._params(
            query, "msg_signature", "timestamp", "nonce", "echostr"
        )
        self._check_timestamp(timestamp)
        endpoint = await self._endpoint(source, corp_id)
        try:
            endpoint.crypto.verify(signature, timestamp, nonce, echostr)
            decrypted = endpoint.crypto.decrypt(echostr)
        except ProtocolError as exc:
            raise Rejected(_status(exc), exc.reason) from None
        await self._check_receive_id(endpoint, decrypted.receive_id, verifying=True)
        try:
            return decrypted.message.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "bad_echostr") from None

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not value.isdigit():  # bytes: ASCII digits only
                    raise Rejected(400, "bad_content_length")
                # Compare lengths first: int() refuses strings of over 4300 digits.
                if len(value) > 12 or int(value) > self.max_body_bytes:
                    raise Rejected(413, BodyTooLargeError.reason)
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Rejected(400, "client_disconnected")
        body: bytes = message.get("body", b"")
        if len(body) > self.max_body_bytes:
            raise Rejected(413, BodyTooLargeError.reason)
        if not message.get("more_body", False):
            return body  # the usual case: the whole body in one message
        chunks = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Rejected(400, "client_disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise Rejected(413, BodyTooLargeError.reason)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _receive(
        self,
        scope: Scope,
        receive: Receive,
        query: dict[str, str],
        source: str,
        corp_id: str | None,
    ) -> str:
        signature, timestamp, nonce = self._params(query, "msg_signature", "timestamp", "nonce")
        self._check_timestamp(timestamp)
        endpoint = await self._endpoint(source, corp_id)
        body = await self._read_body(scope, receive)
        try:
            encrypt = envelope_encrypt(body, max_bytes=self.max_body_bytes)
            if not encrypt:
                raise Rejected(400, "missing_encrypt")
            endpoint.crypto.verify(signature, timestamp, nonce, encrypt)
            decrypted = endpoint.crypto.decrypt(encrypt)
            owner = await self._check_receive_id(endpoint, decrypted.receive_id, verifying=False)
            document = parse_xml(decrypted.message, max_bytes=self.max_body_bytes)
        except ProtocolError as exc:
            raise Rejected(_status(exc), exc.reason) from None
        name, change_type, event_corp = identity(document)
        if not name:
            raise Rejected(400, "not_an_event")
        # Command documents (InfoType: tickets, installs, auth changes) belong to the
        # suite URL only, data documents to the others: otherwise one corp's callback
        # key could push a suite ticket or an auth change for every tenant.
        if ("InfoType" in document) != (source == "suite"):
            raise Rejected(403, "wrong_callback_kind")
        if owner and event_corp and event_corp != owner:
            raise Rejected(403, "corp_mismatch")
        event_corp = event_corp or owner
        if event_corp and not valid_corp_id(event_corp):
            raise Rejected(400, "bad_corp_id")
        row = NewInboxRow(
            scope=event_corp or endpoint.suite_id,
            dedup_key=dedup_key(document),
            source=source,
            corp_id=event_corp,
            name=name[:64],
            change_type=change_type[:64],
            payload=self._stored_payload(decrypted.message, source, name),
            received_at=self.clock(),
        )
        try:
            is_new = await self.writer.submit(row)
        except StorageUnavailable:
            # WeCom retries a callback that was not answered with success.
            raise Rejected(503, "storage_unavailable") from None
        if is_new:
            self.metrics.callbacks_received.inc(source)
        else:
            self.metrics.callbacks_duplicate.inc(source)
        return answer_for(source)

    def _stored_payload(self, message: bytes, source: str, name: str) -> str:
        payload = message.decode("utf-8", "replace")
        if source == "suite" and self.secrets is not None and name in SEALED_FIELDS:
            payload = seal_payload(payload, name, self.secrets)
        return payload


_PREFIX = "/callbacks/"


def callback_route(scope: Scope) -> tuple[str, str | None] | None:
    """``(source, corp_id)`` when ``scope`` is a GET or POST to a callback URL.

    Exactly the paths of the routes ``/callbacks/suite``, ``/callbacks/data`` and
    ``/callbacks/corp/{corp_id}``; anything else (another method, a trailing slash, a
    root path) is None and left to the router, which answers as it always did.
    """
    path: str = scope["path"]
    if not path.startswith(_PREFIX) or scope["method"] not in ("GET", "POST"):
        return None
    if scope.get("root_path"):
        return None
    rest = path[len(_PREFIX) :]
    if rest == "suite" or rest == "data":
        return rest, None
    if rest.startswith("corp/"):
        corp_id = rest[5:]
        if corp_id and "/" not in corp_id:
            return "corp", corp_id
    return None


class CallbackEndpointApp:
    """One callback URL as an ASGI app (Starlette mounts non-function endpoints as-is)."""

    def __init__(self, receiver: CallbackReceiver, source: str) -> None:
        self.receiver = receiver
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.receiver.handle(scope, receive, send, self.source)


def _status(exc: ProtocolError) -> int:
    if isinstance(exc, BodyTooLargeError):
        return 413
    if isinstance(exc, SignatureError | ReceiveIdError):
        return 403
    return 400
