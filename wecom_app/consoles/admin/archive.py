"""The chat-archive page: pull status, the archive secret and retention, private keys."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app.archive import keys as archive_keys
from wecom_app.archive.runtime import runtime_for
from wecom_app.consoles import audit_trail, i18n, web
from wecom_app.consoles.admin import forms
from wecom_app.consoles.admin.state import ADMIN, archive_view
from wecom_app.consoles.web import Principal
from wecom_app.protocol.archive.errors import PrivateKeyError
from wecom_app.protocol.digits import is_digits
from wecom_app.store.archive import ArchiveSettings

log = logging.getLogger(__name__)

MAX_RETENTION_DAYS = 36500


async def archive_page(request: Request, who: Principal) -> Response:
    return web.render(request, "archive.html", {"archive": await archive_view(who)})


async def archive_api(request: Request, who: Principal) -> Response:
    return web.json_response(await archive_view(who))


async def archive_error(
    request: Request, who: Principal, message: str, **params: object
) -> Response:
    """The archive page again, saying what was wrong with the form (400); ``message``
    is an English msgid (Babel extracts it), ``params`` fill its placeholders."""
    return web.render(
        request,
        "archive.html",
        {"archive": await archive_view(who), "error": i18n.translated(request, message, **params)},
        status_code=400,
    )


async def archive_settings_save(request: Request, who: Principal) -> Response:
    form = await request.form()
    secret = forms.text(form, "secret", 256)
    retention = forms.text(form, "retention_days", 8) or "0"
    if not is_digits(retention) or int(retention) > MAX_RETENTION_DAYS:
        return await archive_error(
            request,
            who,
            "Retention is a number of days, 0 (forever) to {most}.",
            most=MAX_RETENTION_DAYS,
        )
    row = await who.scoped(ArchiveSettings).first()
    if row is None:
        row = ArchiveSettings(corp=who.corp)
    before = (row.enabled, row.retention_days)
    if secret:
        row.secret_sealed = web.services_of(request).secrets.seal(
            secret, archive_keys.SECRET_PURPOSE
        )
    row.enabled = forms.text(form, "enabled") in ("1", "on")
    row.retention_days = int(retention)
    if row.enabled and not row.secret_sealed:
        return await archive_error(request, who, "Set the archive secret before enabling.")
    await row.save()
    await audit_archive_settings(request, who, row, before, secret_changed=bool(secret))
    log.info("console: %s saved archive settings of %s", who.userid, who.corp_id)
    return web.redirect("/console/archive", notice="archive_saved")


async def audit_archive_settings(
    request: Request,
    who: Principal,
    row: ArchiveSettings,
    before: tuple[bool, int],
    *,
    secret_changed: bool,
) -> None:
    """The archive settings change, and a retention change as its own entry."""
    enabled, retention_days = before
    detail = {"enabled": row.enabled, "retention_days": row.retention_days}
    detail |= {"secret_changed": secret_changed, "was_enabled": enabled}
    await audit_trail.privilege_change(request, who, audit_trail.ARCHIVE_SETTINGS, detail)
    if retention_days != row.retention_days:
        change = {"from_days": retention_days, "to_days": row.retention_days}
        await audit_trail.privilege_change(request, who, audit_trail.RETENTION, change)


async def key_stored(request: Request, who: Principal, info: archive_keys.KeyInfo) -> None:
    log.info(
        "console: %s stored archive key version %s of %s (sha256 %s)",
        *(who.userid, info.version, who.corp_id, info.fingerprint[:16]),
    )
    detail = {"version": info.version, "sha256": info.fingerprint}
    await audit_trail.privilege_change(request, who, audit_trail.KEY_UPLOAD, detail)


async def archive_key_upload(request: Request, who: Principal) -> Response:
    form = await request.form()
    version = forms.text(form, "version", 10)
    if not is_digits(version):
        message = i18n.N_("The version is WeCom's publickey_ver, a whole number.")
        return await archive_error(request, who, message)
    password = forms.text(form, "password", 1024)
    services = web.services_of(request)
    try:
        info = await archive_keys.add_key(
            who.corp,
            int(version),
            await forms.pem(form),
            services.secrets,
            password=password.encode() if password else None,
            replace=forms.text(form, "replace") in ("1", "on"),
        )
    except PrivateKeyError as exc:
        message = i18n.N_("The private key was not stored: {reason}.")
        return await archive_error(request, who, message, reason=str(exc))
    except archive_keys.KeyConflict as exc:
        message = i18n.N_("{reason}: tick “replace” to store the new key for this version.")
        return await archive_error(request, who, message, reason=str(exc))
    await key_stored(request, who, info)
    runtime_for(services).request_retry(who.corp)  # parked messages decode now
    return web.redirect("/console/archive", notice="key_saved")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/archive", archive_page, roles=ADMIN),
        site.page(
            "/console/archive/settings", archive_settings_save, roles=ADMIN, methods=["POST"]
        ),
        site.page("/console/archive/keys", archive_key_upload, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/archive", archive_api, roles=ADMIN),
    ]
