"""WeCom's domain-ownership files: served at the site root (``/WW_verify_*.txt``) once
an admin uploads them through the admin API (kept by :mod:`sidebar.verify_files`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from sidebar import verify_files
from sidebar.http import BadBody, error, json_ok, read_json
from sidebar.session import Session
from sidebar.site import Site, sidebar_of

FILES = "/sidebar/admin/api/verify-files"


async def verify_file(request: Request) -> Response:
    settings = sidebar_of(request).services.settings
    corp_id = verify_files.corp_for_host(settings, request.headers.get("host", ""))
    content = await verify_files.content_for(str(request.path_params["code"]), corp_id)
    if content is None:
        return PlainTextResponse("not found", status_code=404)
    response = PlainTextResponse(content)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def admin_verify_files(request: Request, session: Session) -> Response:
    return json_ok({"files": await verify_files.listing(session.corp_pk)})


async def admin_verify_upload(request: Request, session: Session) -> Response:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=2)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadBody("send the file as the form field 'file'")
        raw = await upload.read(verify_files.MAX_CONTENT + 1)
        filename, content = upload.filename or "", raw.decode("ascii", "replace")
    else:
        data = await read_json(request)
        filename, content = str(data.get("filename", "")), str(data.get("content", ""))
    row = await verify_files.upload(session.corp_pk, session.userid, filename, content)
    return json_ok({"filename": row.filename, "url": f"/{row.filename}"}, 201)


async def admin_verify_delete(request: Request, session: Session) -> Response:
    deleted = await verify_files.delete(session.corp_pk, str(request.path_params["filename"]))
    return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)


def routes(site: Site) -> list[BaseRoute]:
    return [
        # WeCom's checker fetches it without a session; the host says whose it is.
        site.page("/WW_verify_{code}.txt", verify_file),
        site.admin(FILES, admin_verify_files),
        site.admin(FILES, admin_verify_upload, write=True, methods=["POST"]),
        site.admin(FILES + "/{filename}", admin_verify_delete, write=True, methods=["DELETE"]),
    ]
