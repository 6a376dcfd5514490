"""The self-built app's settings page: agent id, secret, callback token and AES key.

A new secret is checked with WeCom before it is stored (a wrong one is caught here, not
by the next sync); the callback receiver and the token cache drop the old credentials.
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.config import SelfBuiltApp
from wecom_app.consoles import audit_trail, i18n, web
from wecom_app.consoles.admin import forms
from wecom_app.consoles.admin.state import ADMIN, tenant_view
from wecom_app.consoles.web import Principal
from wecom_app.install.errors import InstallError
from wecom_app.install.self_built import register_self_built_org
from wecom_app.protocol.crypto import decode_aes_key
from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.errors import AesKeyError
from wecom_app.store.models import Corp

log = logging.getLogger(__name__)


async def settings_page(request: Request, who: Principal) -> Response:
    tenant = tenant_view(web.services_of(request), who.corp)
    return web.render(request, "settings.html", {"tenant": tenant, "form": {}})


def settings_problems(corp: Corp, form: FormData) -> list[str]:
    """What is wrong with the submitted settings (nothing: an empty list)."""
    agent_id = forms.text(form, "agent_id", 32)
    secret = forms.text(form, "secret", 256)
    token = forms.text(form, "callback_token", 256)
    aes_key = forms.text(form, "callback_aes_key", 256)
    problems: list[str] = []
    if not is_digits(agent_id):
        problems.append(i18n.N_("The agent id is a number (应用 AgentId)."))
    if aes_key:
        try:
            decode_aes_key(aes_key)
        except AesKeyError as exc:
            problems.append(f"EncodingAESKey: {exc}")
    if token and not (3 <= len(token) <= 32 and token.isalnum()):
        problems.append(i18n.N_("The callback token is 3–32 letters and digits."))
    if not secret and not corp.secret_sealed:
        problems.append(i18n.N_("The app secret is required."))
    if (not token and not corp.callback_token_sealed) or (
        not aes_key and not corp.callback_aes_key_sealed
    ):
        problems.append(i18n.N_("The callback token and EncodingAESKey are required."))
    return problems


def submitted_app(request: Request, corp: Corp, form: FormData) -> SelfBuiltApp:
    """The app as submitted, a field left empty keeping its stored value."""
    box = web.services_of(request).secrets
    secret = forms.text(form, "secret", 256)
    token = forms.text(form, "callback_token", 256)
    aes_key = forms.text(form, "callback_aes_key", 256)
    return SelfBuiltApp(
        corp_id=corp.corp_id,
        corp_secret=secret or box.open(corp.secret_sealed, "corp.secret"),
        agent_id=forms.text(form, "agent_id", 32),
        callback_token=token or box.open(corp.callback_token_sealed, "corp.callback_token"),
        callback_aes_key=aes_key or box.open(corp.callback_aes_key_sealed, "corp.callback_aes_key"),
    )


def settings_error(request: Request, corp: Corp, agent_id: str, message: str) -> Response:
    return web.render(
        request,
        "settings.html",
        {
            "tenant": tenant_view(web.services_of(request), corp),
            "form": {"agent_id": agent_id},
            "error": message,
        },
        status_code=400,
    )


async def settings_save(request: Request, who: Principal) -> Response:
    corp = who.corp
    if corp.mode != "self_built":
        raise web.BadRequest("This organisation uses the third-party app: nothing to set.")
    form = await request.form()
    agent_id = forms.text(form, "agent_id", 32)
    problems = settings_problems(corp, form)
    if problems:
        shown = " ".join(i18n.translated(request, p) for p in problems)
        return settings_error(request, corp, agent_id, shown)
    app = submitted_app(request, corp, form)
    verify = bool(forms.text(form, "secret", 256))
    try:
        await register_self_built_org(
            web.services_of(request), app, admin_userids=[], verify=verify
        )
    except InstallError as exc:
        return settings_error(request, corp, agent_id, str(exc))
    detail = {"agent_id": agent_id, "secret_changed": verify}
    await audit_trail.privilege_change(request, who, audit_trail.APP_SETTINGS, detail)
    log.info("console: %s updated the self-built app settings of %s", who.userid, who.corp_id)
    return web.redirect("/console/settings", notice="app_saved")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/settings", settings_page, roles=ADMIN),
        site.page("/console/settings", settings_save, roles=ADMIN, methods=["POST"]),
    ]
