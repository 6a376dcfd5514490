"""The simulator's archive over HTTP: GetChatData and GetMediaData as WeCom serves them.

``create_archive_app`` is a small Starlette app of its own (``archive_routes`` mounts the
same endpoints into the main simulator app):

* ``POST /finance/chatdata {corpid, secret, seq, limit}`` →
  ``{"errcode":0,"errmsg":"ok","chatdata":[{seq, msgid, publickey_ver,
  encrypt_random_key, encrypt_chat_msg}]}``;
* ``POST /finance/mediadata {corpid, secret, sdkfileid, indexbuf}`` → the chunk's bytes
  (≤ 512 KB, ``application/octet-stream``) with ``X-Outindexbuf`` and ``X-Is-Finish``
  headers; first call with ``indexbuf=""``.

Errors are ``{"errcode", "errmsg"}`` JSON with the SDK's codes (10000 bad parameter,
10005 bad sdkfileid) or WeCom's 40001 for a wrong corp/secret.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wecom_app.protocol import jsonin
from wecom_app.protocol.sdk_wire import CHATDATA_PATH, FINISH_HEADER, INDEX_HEADER, MEDIADATA_PATH
from wecom_app.simulator.archive import JsonObject, SimArchive, SimArchiveError, archive_of


def _error(exc: SimArchiveError) -> JSONResponse:
    return JSONResponse({"errcode": exc.code, "errmsg": exc.message})


async def _payload(request: Request) -> JsonObject:
    try:
        payload = jsonin.loads(await request.body())
    except ValueError:
        raise SimArchiveError(10000, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise SimArchiveError(10000, "body is not a JSON object")
    return payload


def _int_field(payload: JsonObject, name: str) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimArchiveError(10000, f"{name} must be an integer")
    return value


def archive_routes(sim: object) -> list[Route]:
    """The archive endpoints for mounting into the main simulator app (one server)."""
    return create_archive_routes(archive_of(sim))


def create_archive_app(archive: SimArchive) -> Starlette:
    """The simulator's GetChatData/GetMediaData endpoints for ``archive``, on their own."""
    return Starlette(routes=create_archive_routes(archive))


def create_archive_routes(archive: SimArchive) -> list[Route]:
    """The simulator's GetChatData/GetMediaData endpoints for ``archive``."""

    async def chatdata(request: Request) -> Response:
        try:
            payload = await _payload(request)
            org = archive.authorise(payload.get("corpid"), payload.get("secret"))
            seq = _int_field(payload, "seq")
            limit = _int_field(payload, "limit")
            fault = org.take_fault("chatdata")
            if fault:
                raise SimArchiveError(fault, "injected")
            # RSA for up to 1000 records is CPU work: keep it off the event loop.
            records = await run_in_threadpool(org.chat_data, seq, limit)
        except SimArchiveError as exc:
            return _error(exc)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "chatdata": records})

    async def mediadata(request: Request) -> Response:
        try:
            payload = await _payload(request)
            org = archive.authorise(payload.get("corpid"), payload.get("secret"))
            fileid = payload.get("sdkfileid")
            index = payload.get("indexbuf", "")
            if not isinstance(fileid, str) or not fileid:
                raise SimArchiveError(10005, "sdkfileid missing")
            if not isinstance(index, str):
                raise SimArchiveError(10000, "indexbuf must be a string")
            fault = org.take_fault("mediadata")
            if fault:
                raise SimArchiveError(fault, "injected")
            data, next_index, finish = await run_in_threadpool(org.media_chunk, fileid, index)
        except SimArchiveError as exc:
            return _error(exc)
        return Response(
            data,
            media_type="application/octet-stream",
            headers={INDEX_HEADER: next_index, FINISH_HEADER: "1" if finish else "0"},
        )

    return [
        Route(CHATDATA_PATH, chatdata, methods=["POST"]),
        Route(MEDIADATA_PATH, mediadata, methods=["POST"]),
    ]
