"""Rendering pages: the Jinja2 templates, notices, navigation and the responses a
console handler returns (``render``, ``redirect``, ``json_response``).

Pages are server-rendered (autoescaped, no front-end build step); a misspelt template
variable is an error, not an empty string. Notices are fixed texts picked by key, so a
crafted link cannot put words on our page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from wecom_app.consoles import i18n
from wecom_app.consoles.session import CSRF_FIELD

if TYPE_CHECKING:
    from wecom_app.consoles.principal import Principal
    from wecom_app.consoles.session import Session

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PATH = "/console/static"

_template_dirs: list[Path] = [TEMPLATE_DIR]
_env: jinja2.Environment | None = None

# Messages shown after a redirect (``?notice=key``): fixed texts, so a crafted link
# cannot put words on our page. Modules add their own keys at import time.
# The texts are English msgids, translated when shown (``i18n.N_`` marks them).
NOTICES: dict[str, str] = {
    "saved": i18n.N_("Saved."),
    "signed_out": i18n.N_("You are signed out."),
}


def add_template_dir(path: Path) -> None:
    """Let another package (e.g. the sidebar) keep its templates beside its code.

    Earlier directories win, so register before the first render.
    """
    global _env
    if path not in _template_dirs:
        _template_dirs.insert(0, path)
        _env = None


def templates() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in _template_dirs]),
            autoescape=True,
            # A misspelt variable is a bug, not an empty string on a page.
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        _env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=_gettext, ngettext=_ngettext, newstyle=True
        )
        _env.globals["static"] = static_url
    return _env


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return i18n.translations(context.get("lang", i18n.DEFAULT)).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(context.get("lang", i18n.DEFAULT)).ngettext(singular, plural, n)


def static_url(path: str) -> str:
    return f"{STATIC_PATH}/{path}"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...]


# The console's navigation; other console modules append theirs (deduplicated by path).
NAV: list[NavItem] = []


def add_nav(label: str, path: str, roles: Sequence[str]) -> None:
    if all(item.path != path for item in NAV):
        NAV.append(NavItem(label, path, tuple(roles)))


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the page context every template may use:
    ``who`` (Principal or None), ``csrf_token``, ``csrf_field()``, ``nav``, ``notice``,
    ``path``, ``static()``, ``lang`` (the request's language, :mod:`.i18n`)."""
    who: Principal | None = getattr(request.state, "principal", None)
    session: Session | None = getattr(request.state, "session", None)
    token = session.csrf if session is not None else ""
    notice_key = request.query_params.get("notice", "")
    lang = i18n.language_of(request)
    page: dict[str, Any] = {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "request": request,
        "who": who,
        "csrf_token": token,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, token
        ),
        "nav": [
            NavItem(i18n.translate(lang, i.label), i.path, i.roles)
            for i in NAV
            if who is not None and (not i.roles or who.roles & set(i.roles))
        ],
        "notice": i18n.translate(lang, NOTICES.get(notice_key, "")),
        "path": request.url.path,
        "error": "",
    }
    page.update(context or {})
    if isinstance(page["error"], str):
        page["error"] = i18n.translate(lang, page["error"])
    body = templates().get_template(template).render(page)
    return HTMLResponse(body, status_code=status_code)


def redirect(path: str, *, notice: str = "", status_code: int = 303) -> RedirectResponse:
    """Redirect after a POST (303: the browser follows with GET)."""
    if notice:
        if notice not in NOTICES:
            raise KeyError(f"unknown notice {notice!r}; add it to web.NOTICES")
        path += ("&" if "?" in path else "?") + urlencode({"notice": notice})
    return RedirectResponse(path, status_code=status_code)


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code)


def safe_next(value: str | None, default: str, prefixes: Sequence[str] = ("/console",)) -> str:
    """A same-site path to return to after sign-in (never another host: open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if not any(parts.path == p or parts.path.startswith(p.rstrip("/") + "/") for p in prefixes):
        return default
    return value


def static_mount() -> Mount:
    """``/console/static``: the hand-written CSS and JS (no build step, no CDN)."""
    return Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="console-static")
