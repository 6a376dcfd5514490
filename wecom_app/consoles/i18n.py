"""The consoles' languages: Simplified Chinese by default, English on request.

Texts are gettext messages: templates mark them with ``{% trans %}`` / ``_()`` (Jinja2's
``i18n`` extension), Python marks fixed texts with :func:`N_` (notices, navigation) or
raises them as the first argument of a :mod:`.errors` class, which Babel extracts by
name (``babel.cfg``). The English msgid is the English text, so English needs no
catalogue; Chinese comes from ``locale/zh_Hans/LC_MESSAGES/messages.po``.

The ``.po`` file is compiled in memory with Babel when first needed (a few
milliseconds, once per process) instead of shipping a ``.mo``: a clean
``pip install -e .`` (or a wheel, which carries the ``locale`` folder) works with
nothing else run, and a compiled file can never be older than its source.

Which language a request gets: the ``lang`` cookie (set by ``/console/lang?to=<code>``,
the switch in every page's header), else the first of ``zh``/``en`` in
``Accept-Language``, else Chinese.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "messages"
CHINESE: Final = "zh_Hans"
ENGLISH: Final = "en"
LANGUAGES: Final = (CHINESE, ENGLISH)
DEFAULT: Final = CHINESE
LANG_COOKIE: Final = "wecom_lang"
HTML_LANG: Final = {CHINESE: "zh-Hans", ENGLISH: "en"}

# What Babel extracts besides gettext's own names (``_``, ``ngettext``, ``N_``): the
# first argument of every console error (``raise web.BadRequest("…")``). babel.cfg
# names the files; tests/consoles/test_i18n_catalogue.py extracts with both.
ERROR_KEYWORDS: Final = (
    "WebError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "CsrfFailed",
    "NoRole",
    "Unavailable",
    "NotFound",
    "RefusedGrant",
)
# Functions whose third argument is a message shown on the page (``archive_error``).
MESSAGE_KEYWORDS: Final = {"archive_error": (3,)}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def po_path(language: str = CHINESE) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue for ``language`` (English: the msgids themselves)."""
    if language == ENGLISH or language not in LANGUAGES:
        return gettext.NullTranslations()
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale="zh_Hans_CN", domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _from_header(header: str) -> str | None:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        if primary in ("zh", "en") and quality > 0:
            ranked.append((-quality, position, CHINESE if primary == "zh" else ENGLISH))
    return min(ranked)[2] if ranked else None


def language_of(request: Request) -> str:
    """The language for this request's pages and messages."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return _from_header(request.headers.get("accept-language", "")) or DEFAULT


def translated(request: Request, message: str, **params: object) -> str:
    """``message`` in the language of ``request`` (for texts built in a handler)."""
    return translate(language_of(request), message, params)


def translate(language: str, message: str, params: dict[str, object] | None = None) -> str:
    """``message`` in ``language``, with ``{name}`` placeholders filled from ``params``."""
    text = translations(language).gettext(message) if message else message
    if params:
        try:
            text = text.format(**params)
        except (KeyError, IndexError, ValueError):
            text = message.format(**params)
    return text
