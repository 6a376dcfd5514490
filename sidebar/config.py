"""Sidebar settings, read from :class:`~wecom_app.config.Settings` (``WECOM_APP_SIDEBAR_*``).

- ``WECOM_APP_SIDEBAR_PREVIEW`` (``auto``): ``/sidebar/preview``; ``auto`` serves it
  only when WeCom is the built-in simulator; ``on`` or ``off`` force it.
- ``WECOM_APP_SIDEBAR_CACHE_SECONDS`` (``30``): how long a built profile is reused
  (changes made in the sidebar show at once; changes from elsewhere within this time).
- ``WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS`` (``5``): how long a *read* may rely on an
  access decision made earlier in this process (changes always check afresh); ``0``
  checks every read against the store.
- ``WECOM_APP_SIDEBAR_SESSION_HOURS`` (``12``): lifetime of a sidebar sign-in.
- ``WECOM_APP_OAUTH_AUTHORIZE_URL``: where sign-in starts (WeCom's page; with a custom
  ``WECOM_API_BASE`` — the simulator — ``<WECOM_API_BASE>/connect/oauth2/authorize``).

Cookies: inside the WeCom client the sidebar is a webview whose cookies must be
``SameSite=None; Secure``. Browsers drop ``Secure`` cookies set over plain ``http`` (and
refuse ``SameSite=None`` without ``Secure``), so the attributes follow ``PUBLIC_URL``:
``https`` → ``SameSite=None; Secure``; ``http`` (tests, the demo on localhost) →
``SameSite=Lax`` without ``Secure``, which works for top-level pages and same-origin
frames (the preview) but not inside WeCom — serve the sidebar over https there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wecom_app.config import DEFAULT_API_BASE, ConfigError, Settings
from wecom_app.wecom.oauth import OAUTH_AUTHORIZE_URL


@dataclass(frozen=True)
class SidebarConfig:
    public_url: str
    secure_cookies: bool
    preview: str  # auto | on | off
    cache_seconds: float
    access_cache_seconds: float
    session_seconds: int
    authorize_url: str
    # True when WeCom's API base is not WeCom's (a simulator or a test double).
    custom_api_base: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> SidebarConfig:
        extra = settings.extra
        preview = (extra.get("WECOM_APP_SIDEBAR_PREVIEW") or "auto").lower()
        if preview not in ("auto", "on", "off"):
            raise ConfigError("WECOM_APP_SIDEBAR_PREVIEW", "must be auto, on or off")
        custom_base = settings.wecom_api_base.rstrip("/") != DEFAULT_API_BASE
        default_authorize = (
            settings.wecom_api_base.rstrip("/") + "/connect/oauth2/authorize"
            if custom_base
            else OAUTH_AUTHORIZE_URL
        )
        authorize = extra.get("WECOM_APP_OAUTH_AUTHORIZE_URL") or default_authorize
        if not authorize.startswith(("http://", "https://")):
            raise ConfigError("WECOM_APP_OAUTH_AUTHORIZE_URL", "must be an http(s) URL")
        return cls(
            public_url=settings.public_url.rstrip("/"),
            secure_cookies=settings.public_url.startswith("https://"),
            preview=preview,
            cache_seconds=_number(extra, "WECOM_APP_SIDEBAR_CACHE_SECONDS", 30.0),
            access_cache_seconds=_number(extra, "WECOM_APP_SIDEBAR_ACCESS_CACHE_SECONDS", 5.0),
            session_seconds=int(_number(extra, "WECOM_APP_SIDEBAR_SESSION_HOURS", 12.0) * 3600),
            authorize_url=authorize,
            custom_api_base=custom_base,
        )


def _number(extra: Mapping[str, str], name: str, default: float) -> float:
    raw = extra.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"must be a number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(name, "must not be negative")
    return value
