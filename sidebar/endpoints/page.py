"""The sidebar page itself (``/sidebar/``) and what it boots with: who is signed in and
the JS-SDK configuration (``/sidebar/api/session``, ``/sidebar/api/jsconfig``)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sidebar import jsconfig
from sidebar.http import error, json_ok, no_store
from sidebar.session import Session
from sidebar.site import Site, safe_next, script_json, sidebar_of
from wecom_app.store.models import Employee
from wecom_app.wecom.errors import WeComError
from wecom_app.wecom_access import NoAccess

log = logging.getLogger(__name__)


async def to_sidebar(request: Request) -> Response:
    return Response(status_code=307, headers={"Location": "/sidebar/"})


async def sidebar_page(request: Request) -> Response:
    site = sidebar_of(request)
    session = await site.session(request)
    wanted = request.query_params.get("corp", "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if session is None or (wanted and wanted != session.corp_id):
        return _sign_in_first(here, wanted)
    employee = await Employee.filter(corp_id=session.corp_pk, userid=session.userid).first()
    boot = {
        "corp_id": session.corp_id,
        "userid": session.userid,
        "name": employee.name if employee and employee.name else session.userid,
        "csrf": session.csrf,
        "jsconfig": await _page_config(site, session, site.service.config.public_url + here),
        "login": "/sidebar/login?" + urlencode({"corp": session.corp_id, "next": safe_next(here)}),
    }
    return site.render("sidebar.html", {"boot": script_json(boot)})


def _sign_in_first(here: str, corp_id: str) -> Response:
    query = {"next": safe_next(here)}
    if corp_id:
        query["corp"] = corp_id
    return no_store(
        Response(status_code=302, headers={"Location": "/sidebar/login?" + urlencode(query)})
    )


async def _page_config(site: Site, session: Session, page: str) -> dict[str, Any] | None:
    try:
        return await jsconfig.build(site.service, session.corp_pk, session.corp_id, page)
    except (WeComError, NoAccess, jsconfig.NotOurPage) as exc:
        # The page asks /sidebar/api/jsconfig itself and shows what went wrong.
        log.warning("sidebar: no JS-SDK config for the page: %s", exc)
        return None


async def whoami(request: Request, session: Session) -> Response:
    employee = await Employee.filter(corp_id=session.corp_pk, userid=session.userid).first()
    return json_ok(
        {
            "corp_id": session.corp_id,
            "userid": session.userid,
            "name": employee.name if employee and employee.name else session.userid,
        }
    )


async def js_config(request: Request, session: Session) -> Response:
    url = request.query_params.get("url", "")
    try:
        config = await jsconfig.build(
            sidebar_of(request).service,
            session.corp_pk,
            session.corp_id,
            url,
            refresh=request.query_params.get("refresh") == "1",
        )
    except jsconfig.NotOurPage as exc:
        return error("bad_url", str(exc))
    return json_ok(config)


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route("/sidebar", to_sidebar),
        site.page("/sidebar/", sidebar_page),
        site.api("/sidebar/api/session", whoami),
        site.api("/sidebar/api/jsconfig", js_config),
    ]
