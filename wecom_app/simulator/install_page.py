"""WeCom's install page for a third-party suite (``/3rdapp/install``), simulated.

The provider's install link (suite token → pre-auth code → this page, Doc 90597) opens
a page where an admin picks the org to install into and approves; WeCom then sends the
browser back to ``redirect_uri`` with ``auth_code``, ``expires_in`` and ``state``. An
install from the provider's own site is not pushed as ``create_auth`` (wecom-protocol.md
§2): the redirect carries the only copy of the code. An org that already installed the
suite is shown, not offered.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wecom_app.simulator.simulator import AUTH_CODE_TTL_S

if TYPE_CHECKING:
    from wecom_app.simulator.simulator import Simulator

INSTALL_PATH = "/3rdapp/install"
APPROVE_PATH = "/3rdapp/install/approve"
_FIELDS = ("suite_id", "pre_auth_code", "redirect_uri", "state")


class _Refused(ValueError):
    pass


def _check(sim: Simulator, params: dict[str, str]) -> None:
    suite_id = params.get("suite_id", "")
    if suite_id not in sim.world.suites:
        raise _Refused("unknown suite_id")
    pre = sim.world.pre_auth_codes.get(params.get("pre_auth_code", ""))
    if pre is None or pre.suite_id != suite_id or pre.expires_at <= sim.clock():
        raise _Refused("the pre_auth_code is unknown or expired: start the install again")
    target = urlsplit(params.get("redirect_uri", ""))
    if target.scheme not in ("http", "https") or not target.netloc:
        raise _Refused("redirect_uri must be an http(s) URL")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}"
        "label.org{display:block;padding:.5rem .75rem;margin:.25rem 0;border:1px solid #ccd;"
        "border-radius:6px}label.org.done{color:#889}.note{color:#667;font-size:13px}"
        "button{font:inherit;padding:.4rem 1.2rem;margin-top:.75rem}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _refused(reason: str) -> HTMLResponse:
    return _page("企业微信 (simulated): install refused", f"<p>{html.escape(reason)}</p>", 400)


def install_routes(sim: Simulator) -> list[Route]:
    async def page(request: Request) -> Response:
        params = {k: request.query_params.get(k, "") for k in _FIELDS}
        try:
            _check(sim, params)
        except _Refused as refused:
            return _refused(str(refused))
        suite_id = params["suite_id"]
        hidden = "".join(
            f"<input type='hidden' name='{k}' value='{html.escape(v, quote=True)}'>"
            for k, v in params.items()
        )
        choices = []
        first = True
        for org in sim.world.orgs.values():
            done = sim.world.authorizations.get((suite_id, org.corp_id))
            label = f"{html.escape(org.name)} <span class='note'>{html.escape(org.corp_id)}</span>"
            if done is not None and done.active:
                choices.append(f"<label class='org done'>{label} · 已安装</label>")
                continue
            checked = " checked" if first else ""
            first = False
            choices.append(
                f"<label class='org'><input type='radio' name='corpid' "
                f"value='{html.escape(org.corp_id, quote=True)}'{checked}> {label}</label>"
            )
        if first:
            body = "<p>Every org here has installed this app already.</p>" + "".join(choices)
            return _page("企业微信 · 安装应用", body)
        body = (
            "<p class='note'>Simulated WeCom: an admin installs the app into an org.</p>"
            f"<form method='post' action='{APPROVE_PATH}'>{hidden}"
            "<p>选择要安装到的企业 (pick the org):</p>"
            + "".join(choices)
            + "<p>授权该应用访问通讯录、客户联系与会话存档 "
            "(the app asks for contacts, customer contact and chat archive).</p>"
            "<button type='submit' id='approve'>同意并安装 (approve)</button></form>"
        )
        return _page("企业微信 · 安装应用", body)

    async def approve(request: Request) -> Response:
        form = await request.form()
        params = {k: str(form.get(k, "")) for k in (*_FIELDS, "corpid")}
        try:
            _check(sim, params)
            if params["corpid"] not in sim.world.orgs:
                raise _Refused("pick an org")
            existing = sim.world.authorizations.get((params["suite_id"], params["corpid"]))
            if existing is not None and existing.active:
                raise _Refused("this org has installed the app already")
            code = sim.install_from_link(
                params["pre_auth_code"], params["corpid"], state=params["state"]
            )
        except _Refused as refused:
            return _refused(str(refused))
        del sim.world.pre_auth_codes[params["pre_auth_code"]]  # one install per code
        target = params["redirect_uri"]
        separator = "&" if urlsplit(target).query else "?"
        query = urlencode(
            {"auth_code": code, "expires_in": AUTH_CODE_TTL_S, "state": params["state"]}
        )
        return RedirectResponse(f"{target}{separator}{query}", status_code=302)

    return [
        Route(INSTALL_PATH, page, methods=["GET"]),
        Route(APPROVE_PATH, approve, methods=["POST"]),
    ]
