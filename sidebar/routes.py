"""The sidebar's HTTP surface: pages, sign-in, the JSON API, admin API, verify files.

Every ``/sidebar/api/...`` endpoint needs a signed-in session (401 otherwise, with the
sign-in URL); every change also needs the session's CSRF token in ``X-CSRF-Token``
(403). Every endpoint about a customer or a group chat asks :mod:`sidebar.access`
first and answers the same 403 ``{"error": "forbidden"}`` whether the thing does not
exist or may not be seen. Admin endpoints need the console's ``admin`` role
(:func:`wecom_app.consoles.roles.effective_roles`), checked on every request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sidebar import (
    console,
    edits,
    groups,
    history,
    jsconfig,
    preview,
    replies,
    tenant,
    verify_files,
)
from sidebar.access import CustomerGrant
from sidebar.http import BadBody, error, forbidden, json_bytes, json_ok, no_store, read_json
from sidebar.service import SidebarService
from sidebar.session import CSRF_HEADER, OAuthState, Session
from wecom_app import roles
from wecom_app.consoles import web
from wecom_app.path_ids import use_bounded_ids
from wecom_app.store.directory import Tag, TagGroup
from wecom_app.store.models import Corp, Employee
from wecom_app.wecom.errors import InvalidCode, RateLimited, WeComError
from wecom_app.wecom.oauth import OAuthAPI, ServiceOAuthAPI, authorize_url
from wecom_app.wecom_access import NoAccess

if TYPE_CHECKING:
    from wecom_app.services import Services

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
# The WeCom JS-SDK is loaded (only inside the WeCom client) from WeCom's own hosts;
# avatars come from WeCom's CDN. Everything else is ours.
WECOM_SCRIPT_HOSTS = "https://res.wx.qq.com https://open.work.weixin.qq.com"
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
    f"script-src 'self' {WECOM_SCRIPT_HOSTS}; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'self'"
)

Handler = Callable[[Request, Session], Awaitable[Response]]
CustomerHandler = Callable[[Request, Session, CustomerGrant, str], Awaitable[Response]]


def static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def script_json(data: Any) -> Markup:
    """JSON to put inside ``<script type="application/json">``: the HTML parser does not
    decode entities there, so escape what could end the element instead."""
    text = json.dumps(data, ensure_ascii=False)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - no "<", ">" or "&" is left to interpret


def safe_next(value: str | None) -> str:
    return web.safe_next(value, "/sidebar/", ("/sidebar",))


class SidebarRoutes:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.service = SidebarService(services)
        self.version = static_version()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    # -- wrappers ----------------------------------------------------------------------

    def login_url(self, request: Request, corp_id: str = "") -> str:
        target = request.headers.get("x-sidebar-page") or "/sidebar/"
        query = {"next": safe_next(target)}
        if corp_id:
            query["corp"] = corp_id
        return "/sidebar/login?" + urlencode(query)

    def api(
        self, handler: Handler, *, write: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = self.service.sessions.read(request)
            if session is None:
                response: Response = error("not_signed_in", "", 401)
                response.headers["X-Sidebar-Login"] = self.login_url(request)
                return no_store(response)
            if write and not session.csrf_ok(request.headers.get(CSRF_HEADER)):
                return no_store(error("csrf", "reload the sidebar", 403))
            try:
                response = await handler(request, session)
            except BadBody as exc:
                response = error("bad_request", str(exc))
            except (edits.EditError, replies.ReplyError, tenant.SettingsError) as exc:
                response = error("invalid", str(exc), getattr(exc, "status", 400))
            except verify_files.VerifyFileError as exc:
                response = error("invalid", str(exc), exc.status)
            except RateLimited as exc:
                log.warning("sidebar: WeCom rate limit: %s", exc)
                response = error("busy", "WeCom is rate limiting us; try again shortly", 503)
            except (WeComError, NoAccess) as exc:
                log.warning("sidebar: WeCom call failed: %s", exc)
                response = error("wecom", "WeCom did not accept the change; try again", 502)
            return no_store(response)

        return endpoint

    def customer(
        self, handler: CustomerHandler, *, write: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def with_grant(request: Request, session: Session) -> Response:
            external_userid = str(request.path_params["external_userid"])
            grant = await self.service.customer_grant(
                session.corp_pk,
                session.corp_id,
                session.userid,
                external_userid,
                fresh=write or request.method != "GET",
            )
            if grant is None:
                return forbidden()
            response = await handler(request, session, grant, external_userid)
            if write and response.status_code < 300:
                await self.service.bump(session.corp_pk, external_userid)
            return response

        return self.api(with_grant, write=write)

    def admin(
        self, handler: Handler, *, write: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def as_admin(request: Request, session: Session) -> Response:
            corp = await Corp.filter(
                id=session.corp_pk, status__in=("active", "disconnected")
            ).first()
            if corp is None:
                return forbidden()
            granted = await roles.effective_roles(self.services.settings, corp, session.userid)
            if "admin" not in granted:
                return forbidden()
            return await handler(request, session)

        return self.api(as_admin, write=write)

    # -- pages and sign-in --------------------------------------------------------------

    def render(
        self, name: str, context: dict[str, Any], status: int = 200, *, frame_src: str = ""
    ) -> HTMLResponse:
        body = self.templates.get_template(name).render(
            {**context, "static": "/sidebar/static", "v": self.version}
        )
        response = HTMLResponse(body, status_code=status)
        policy = PAGE_CSP
        if frame_src:
            policy += f"; frame-src 'self' {frame_src}"
        response.headers["Content-Security-Policy"] = policy
        no_store(response)
        return response

    def error_page(self, title: str, message: str, status: int, retry: str = "") -> HTMLResponse:
        return self.render(
            "message.html", {"title": title, "message": message, "retry": retry}, status
        )

    async def page(self, request: Request) -> Response:
        session = self.service.sessions.read(request)
        wanted = request.query_params.get("corp", "")
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if session is None or (wanted and wanted != session.corp_id):
            query = {"next": safe_next(here)}
            if wanted:
                query["corp"] = wanted
            return no_store(
                Response(
                    status_code=302, headers={"Location": "/sidebar/login?" + urlencode(query)}
                )
            )
        employee = await Employee.filter(corp_id=session.corp_pk, userid=session.userid).first()
        page = self.service.config.public_url + here
        config: dict[str, Any] | None = None
        try:
            config = await jsconfig.build(self.service, session.corp_pk, session.corp_id, page)
        except (WeComError, NoAccess, jsconfig.NotOurPage) as exc:
            # The page asks /sidebar/api/jsconfig itself and shows what went wrong.
            log.warning("sidebar: no JS-SDK config for the page: %s", exc)
        boot = {
            "corp_id": session.corp_id,
            "userid": session.userid,
            "name": employee.name if employee and employee.name else session.userid,
            "csrf": session.csrf,
            "jsconfig": config,
            "login": "/sidebar/login?"
            + urlencode({"corp": session.corp_id, "next": safe_next(here)}),
        }
        return self.render("sidebar.html", {"boot": script_json(boot)})

    async def login(self, request: Request) -> Response:
        settings = self.services.settings
        corp_id = request.query_params.get("corp", "")
        next_path = safe_next(request.query_params.get("next"))
        corp: Corp | None = None
        if corp_id:
            corp = await Corp.filter(corp_id=corp_id, status__in=("active", "disconnected")).first()
            if corp is None:
                return self.error_page("无法登录", "这个企业没有安装本应用。", 404)
        elif settings.self_built is not None:
            corp = await Corp.filter(corp_id=settings.self_built.corp_id).first()
        if corp is not None and corp.mode == "self_built":
            appid = corp.corp_id
        elif settings.suite is not None:
            appid = settings.suite.suite_id
        else:
            return self.error_page("无法登录", "应用尚未配置企业或第三方应用。", 503)
        state = self.service.sessions.new_state()
        preview_as = ""
        if request.query_params.get("as") and await self.service.preview_enabled():
            preview_as = request.query_params["as"]
        oauth = OAuthState(state, next_path, appid, corp.corp_id if corp else "", preview_as)
        redirect_uri = self.service.config.public_url + "/sidebar/oauth/callback"
        agentid = corp.agent_id if corp is not None and corp.mode == "self_built" else ""
        target = authorize_url(
            appid, redirect_uri, state, agentid=agentid, base=self.service.config.authorize_url
        )
        if preview_as and corp is not None:
            target = self._simulated_choice(target, corp.corp_id, preview_as)
        response = Response(status_code=302, headers={"Location": target})
        self.service.sessions.state_cookie(response, oauth)
        return no_store(response)

    def _simulated_choice(self, authorize: str, corp_id: str, userid: str) -> str:
        """The preview picks who signs in: the simulator's "member chose" step, which
        issues the code exactly as its sign-in page would (real WeCom has no such page,
        so this cannot sign anyone in there)."""
        parts = urlsplit(authorize)
        path = parts.path.rsplit("/", 1)[0] + "/choose"
        query = (
            parts.query + "&" + urlencode({"flow": "oauth", "corpid": corp_id, "userid": userid})
        )
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))

    async def callback(self, request: Request) -> Response:
        code = request.query_params.get("code", "")
        state = self.service.sessions.read_state(request, request.query_params.get("state", ""))
        if state is None or not code:
            return self.error_page(
                "登录已过期", "请重新从企业微信打开侧边栏。", 400, retry="/sidebar/login"
            )
        try:
            corp_id, userid = await self._exchange(state, code)
        except InvalidCode:
            return self.error_page(
                "登录失败", "登录码已失效，请重试。", 400, retry="/sidebar/login"
            )
        except (WeComError, NoAccess) as exc:
            log.warning("sidebar: OAuth exchange failed: %s", exc)
            return self.error_page("登录失败", "暂时无法连接企业微信，请稍后重试。", 502)
        if not userid or (state.corp_id and state.corp_id != corp_id):
            return self.error_page("无法登录", "只有本企业的成员可以使用侧边栏。", 403)
        corp = await Corp.filter(corp_id=corp_id, status__in=("active", "disconnected")).first()
        if corp is None:
            return self.error_page("无法登录", "这个企业没有安装本应用。", 403)
        employee = await Employee.filter(corp_id=corp.id, userid=userid).first()
        if employee is not None and employee.status != "active":
            return self.error_page("无法登录", "你的账号已停用或已离职。", 403)
        _, token = self.service.sessions.issue(corp.id, corp.corp_id, userid)
        response = Response(status_code=302, headers={"Location": state.next})
        self.service.sessions.set_session(response, token)
        self.service.sessions.clear_state(response)
        return no_store(response)

    async def _exchange(self, state: OAuthState, code: str) -> tuple[str, str]:
        wecom = self.services.wecom
        suite = self.services.settings.suite
        if suite is not None and state.appid == suite.suite_id:
            found = await ServiceOAuthAPI(wecom.client, wecom.suite_tokens()).get_user_info_3rd(
                code
            )
            return found.corpid, found.userid if found.is_member else ""
        identity = await OAuthAPI(wecom.client, await wecom.corp_tokens(state.appid)).get_user_info(
            code
        )
        return state.appid, identity.userid if identity.is_member else ""

    async def logout(self, request: Request) -> Response:
        response = self.render(
            "message.html", {"title": "已退出", "message": "", "retry": "/sidebar/"}
        )
        self.service.sessions.clear_session(response)
        return response

    async def verify_file(self, request: Request) -> Response:
        content = await verify_files.content_for(str(request.path_params["code"]))
        if content is None:
            return PlainTextResponse("not found", status_code=404)
        response = PlainTextResponse(content)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # -- the JSON API ---------------------------------------------------------------------

    async def whoami(self, request: Request, session: Session) -> Response:
        employee = await Employee.filter(corp_id=session.corp_pk, userid=session.userid).first()
        return json_ok(
            {
                "corp_id": session.corp_id,
                "userid": session.userid,
                "name": employee.name if employee and employee.name else session.userid,
            }
        )

    async def js_config(self, request: Request, session: Session) -> Response:
        url = request.query_params.get("url", "")
        try:
            config = await jsconfig.build(
                self.service,
                session.corp_pk,
                session.corp_id,
                url,
                refresh=request.query_params.get("refresh") == "1",
            )
        except jsconfig.NotOurPage as exc:
            return error("bad_url", str(exc))
        return json_ok(config)

    async def customer_profile(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        body = await self.service.profile_bytes(
            session.corp_pk, session.corp_id, grant, external_userid
        )
        return json_bytes(body)

    async def customer_messages(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        params = request.query_params
        try:
            before = history.parse_cursor(params.get("before"))
            limit = int(params.get("limit") or history.PAGE_SIZE)
        except ValueError:
            raise BadBody("bad paging parameters") from None
        employees = grant.employees
        predecessors = [p.userid for p in grant.predecessors]
        if params.get("of") == "predecessors":
            employees = tuple(e for e in grant.employees if e in predecessors)
        result = await history.page(
            session.corp_pk,
            external_userid,
            employees,
            viewer=session.userid,
            predecessors=predecessors,
            before=before,
            query=params.get("q", ""),
            limit=limit,
        )
        return json_ok({"items": result.messages, "next": result.next})

    async def _corp_api(self, session: Session) -> Any:
        return await self.services.wecom.corp_api(session.corp_id)

    async def customer_tags(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        result = await edits.change_tags(
            await self._corp_api(session),
            session.corp_pk,
            grant,
            external_userid,
            await read_json(request),
            now=int(self.service.now()),
        )
        return json_ok(result)

    async def customer_remark(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        result = await edits.change_remark(
            await self._corp_api(session),
            session.corp_pk,
            grant,
            external_userid,
            await read_json(request),
            now=int(self.service.now()),
        )
        return json_ok(result)

    async def customer_note(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        note = await edits.add_note(
            session.corp_pk,
            grant,
            external_userid,
            await read_json(request),
            now=int(self.service.now()),
        )
        return json_ok(note, 201)

    async def customer_note_delete(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        deleted = await edits.delete_note(
            session.corp_pk, grant, external_userid, int(request.path_params["note_id"])
        )
        return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)

    async def customer_stage(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        settings = await self.service.settings_for(session.corp_pk)
        result = await edits.set_stage(
            session.corp_pk,
            grant,
            external_userid,
            await read_json(request),
            settings,
            now=int(self.service.now()),
        )
        return json_ok(result)

    async def customer_fields(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        settings = await self.service.settings_for(session.corp_pk)
        result = await edits.set_fields(
            session.corp_pk, external_userid, await read_json(request), settings
        )
        return json_ok(result)

    async def customer_reminder(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        result = await edits.add_reminder(
            session.corp_pk,
            grant,
            external_userid,
            await read_json(request),
            now=int(self.service.now()),
        )
        return json_ok(result, 201)

    async def customer_reminder_done(
        self, request: Request, session: Session, grant: CustomerGrant, external_userid: str
    ) -> Response:
        done = await edits.finish_reminder(
            session.corp_pk,
            grant,
            external_userid,
            int(request.path_params["reminder_id"]),
            now=int(self.service.now()),
        )
        return json_ok({"done": True}) if done else error("not_found", "", 404)

    async def tag_library(self, request: Request, session: Session) -> Response:
        """The corp tags an employee may put on a customer (WeCom's mark_tag sets only
        these), grouped as in WeCom."""
        group_rows = await TagGroup.filter(corp_id=session.corp_pk, deleted=False).order_by(
            "-order", "id"
        )
        tags = await Tag.filter(corp_id=session.corp_pk, deleted=False, type=1).order_by(
            "-order", "id"
        )
        by_group: dict[str, list[dict[str, Any]]] = {}
        for tag in tags:
            by_group.setdefault(tag.group_id, []).append({"id": tag.tag_id, "name": tag.name})
        return json_ok(
            {
                "groups": [
                    {"id": g.group_id, "name": g.name, "tags": by_group.get(g.group_id, [])}
                    for g in group_rows
                    if by_group.get(g.group_id)
                ]
            }
        )

    async def group_view(self, request: Request, session: Session) -> Response:
        chat_id = str(request.path_params["chat_id"])
        grant = await self.service.group_grant(
            session.corp_pk, session.corp_id, session.userid, chat_id
        )
        if grant is None:
            return forbidden()
        await self.service.warm_up()
        return json_ok(await groups.build(session.corp_pk, grant, chat_id, now=self.service.now()))

    async def quick_replies(self, request: Request, session: Session) -> Response:
        return json_ok(
            await replies.listing(
                session.corp_pk, session.userid, request.query_params.get("q", "")
            )
        )

    async def quick_reply_create(self, request: Request, session: Session) -> Response:
        reply = await replies.create(
            session.corp_pk, session.userid, session.userid, await read_json(request)
        )
        return json_ok(replies.render(reply), 201)

    async def quick_reply_update(self, request: Request, session: Session) -> Response:
        reply = await replies.update(
            session.corp_pk,
            session.userid,
            int(request.path_params["reply_id"]),
            await read_json(request),
        )
        return json_ok(replies.render(reply)) if reply else error("not_found", "", 404)

    async def quick_reply_delete(self, request: Request, session: Session) -> Response:
        deleted = await replies.delete(
            session.corp_pk, session.userid, int(request.path_params["reply_id"])
        )
        return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)

    async def quick_reply_used(self, request: Request, session: Session) -> Response:
        counted = await replies.used(
            session.corp_pk, session.userid, int(request.path_params["reply_id"])
        )
        return json_ok({"counted": True}) if counted else error("not_found", "", 404)

    # -- admin API ----------------------------------------------------------------------------

    async def admin_settings(self, request: Request, session: Session) -> Response:
        return json_ok((await self.service.settings_for(session.corp_pk)).as_json())

    async def admin_settings_update(self, request: Request, session: Session) -> Response:
        current = await self.service.settings_for(session.corp_pk)
        updated = tenant.validate(await read_json(request), current)
        await self.service.tenant_settings.save(session.corp_pk, updated)
        return json_ok(updated.as_json())

    async def admin_replies(self, request: Request, session: Session) -> Response:
        listing = await replies.listing(session.corp_pk, "", request.query_params.get("q", ""))
        listing["groups"] = [g for g in listing["groups"] if g["shared"]]
        return json_ok(listing)

    async def admin_reply_create(self, request: Request, session: Session) -> Response:
        reply = await replies.create(session.corp_pk, "", session.userid, await read_json(request))
        return json_ok(replies.render(reply), 201)

    async def admin_reply_update(self, request: Request, session: Session) -> Response:
        reply = await replies.update(
            session.corp_pk, "", int(request.path_params["reply_id"]), await read_json(request)
        )
        return json_ok(replies.render(reply)) if reply else error("not_found", "", 404)

    async def admin_reply_delete(self, request: Request, session: Session) -> Response:
        deleted = await replies.delete(session.corp_pk, "", int(request.path_params["reply_id"]))
        return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)

    async def admin_verify_files(self, request: Request, session: Session) -> Response:
        return json_ok({"files": await verify_files.listing(session.corp_pk)})

    async def admin_verify_upload(self, request: Request, session: Session) -> Response:
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

    async def admin_verify_delete(self, request: Request, session: Session) -> Response:
        deleted = await verify_files.delete(session.corp_pk, str(request.path_params["filename"]))
        return json_ok({"deleted": True}) if deleted else error("not_found", "", 404)

    # -- the table ---------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        use_bounded_ids()  # the :bigint ids below
        c, a, adm = self.customer, self.api, self.admin
        base = "/sidebar/api/customers/{external_userid}"
        replies_path = "/sidebar/api/quick-replies"
        admin_replies = "/sidebar/admin/api/quick-replies"
        return [
            # First: Starlette tries routes in order, and this is the one every chat switch
            # calls (no other sidebar path matches it).
            Route(base, c(self.customer_profile)),
            Route(
                "/sidebar",
                lambda request: Response(status_code=307, headers={"Location": "/sidebar/"}),
            ),
            Route("/sidebar/", self.page),
            Route("/sidebar/login", self.login),
            Route("/sidebar/oauth/callback", self.callback),
            Route("/sidebar/logout", self.logout),
            Route("/WW_verify_{code}.txt", self.verify_file),
            Route("/sidebar/api/session", a(self.whoami)),
            Route("/sidebar/api/jsconfig", a(self.js_config)),
            Route("/sidebar/api/tags", a(self.tag_library)),
            Route(base + "/messages", c(self.customer_messages)),
            Route(base + "/tags", c(self.customer_tags, write=True), methods=["POST"]),
            Route(base + "/remark", c(self.customer_remark, write=True), methods=["POST"]),
            Route(base + "/notes", c(self.customer_note, write=True), methods=["POST"]),
            Route(
                base + "/notes/{note_id:bigint}",
                c(self.customer_note_delete, write=True),
                methods=["DELETE"],
            ),
            Route(base + "/stage", c(self.customer_stage, write=True), methods=["PUT"]),
            Route(base + "/fields", c(self.customer_fields, write=True), methods=["PUT"]),
            Route(base + "/reminders", c(self.customer_reminder, write=True), methods=["POST"]),
            Route(
                base + "/reminders/{reminder_id:bigint}/done",
                c(self.customer_reminder_done, write=True),
                methods=["POST"],
            ),
            Route("/sidebar/api/groups/{chat_id}", a(self.group_view)),
            Route(replies_path, a(self.quick_replies)),
            Route(replies_path, a(self.quick_reply_create, write=True), methods=["POST"]),
            Route(
                replies_path + "/{reply_id:int}",
                a(self.quick_reply_update, write=True),
                methods=["PUT"],
            ),
            Route(
                replies_path + "/{reply_id:int}",
                a(self.quick_reply_delete, write=True),
                methods=["DELETE"],
            ),
            Route(
                replies_path + "/{reply_id:int}/used",
                a(self.quick_reply_used, write=True),
                methods=["POST"],
            ),
            Route("/sidebar/admin/api/settings", adm(self.admin_settings)),
            Route(
                "/sidebar/admin/api/settings",
                adm(self.admin_settings_update, write=True),
                methods=["PUT"],
            ),
            Route(admin_replies, adm(self.admin_replies)),
            Route(admin_replies, adm(self.admin_reply_create, write=True), methods=["POST"]),
            Route(
                admin_replies + "/{reply_id:int}",
                adm(self.admin_reply_update, write=True),
                methods=["PUT"],
            ),
            Route(
                admin_replies + "/{reply_id:int}",
                adm(self.admin_reply_delete, write=True),
                methods=["DELETE"],
            ),
            Route("/sidebar/admin/api/verify-files", adm(self.admin_verify_files)),
            Route(
                "/sidebar/admin/api/verify-files",
                adm(self.admin_verify_upload, write=True),
                methods=["POST"],
            ),
            Route(
                "/sidebar/admin/api/verify-files/{filename}",
                adm(self.admin_verify_delete, write=True),
                methods=["DELETE"],
            ),
            *preview.routes(self),
            *console.routes(self),
            Mount("/sidebar/static", app=StaticFiles(directory=STATIC_DIR), name="sidebar-static"),
        ]


def build_routes(services: Services) -> list[BaseRoute]:
    return SidebarRoutes(services).routes()
