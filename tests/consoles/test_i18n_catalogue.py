"""The consoles' Chinese catalogue is complete: every message Babel extracts (templates
and marked Python texts, as ``babel.cfg`` says) has a Chinese translation, and so has
every notice and navigation label registered at run time."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from wecom_app.consoles import i18n, render

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def extracted() -> dict[str, tuple[str, int]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")  # type: ignore[no-untyped-call]
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(dict.fromkeys(i18n.ERROR_KEYWORDS))
    keywords.update(i18n.MESSAGE_KEYWORDS)
    found: dict[str, tuple[str, int]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, (filename, line))
    return found


def catalogue() -> dict[str, list[str]]:
    with i18n.po_path().open("rb") as source:
        po = read_po(source)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            [m.string] if isinstance(m.string, str) else list(m.string or ())
        )
        for m in po
        if m.id and not m.fuzzy
    }


def test_babel_finds_the_templates_and_the_marked_python_texts() -> None:
    found = extracted()
    assert len(found) > 300
    files = {Path(name).parts[0] for name, _ in found.values()}
    assert {"wecom_app", "sidebar"} <= files
    assert "Archive search" in found  # a template
    assert "Role granted." in found  # a notice (N_)
    assert "no such plan" in found  # an error raised in a handler
    assert "unknown employees: {userids}" in found  # one with a placeholder
    assert "Not in this organisation: {ids}." in found  # a refused role grant
    assert "The private key was not stored: {reason}." in found  # archive_error(…)


def test_every_extracted_message_has_a_chinese_translation() -> None:
    translated = catalogue()
    missing = [
        f"{name}:{line}: {msgid!r}"
        for msgid, (name, line) in sorted(extracted().items())
        if not all(translated.get(msgid, [""]))
    ]
    assert not missing, "add these to the .po (babel.cfg says how):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    for msgid, strings in catalogue().items():
        for text in strings:
            assert sorted(set(PLACEHOLDER.findall(text))) == sorted(
                set(PLACEHOLDER.findall(msgid))
            ), msgid


def test_every_notice_and_navigation_label_is_translated() -> None:
    import sidebar.endpoints.console  # noqa: F401 - registers its notices and nav
    import wecom_app.consoles.admin
    import wecom_app.consoles.auth
    import wecom_app.consoles.compliance
    import wecom_app.consoles.transfers  # noqa: F401

    chinese = i18n.translations(i18n.CHINESE)
    texts = [*render.NOTICES.values(), *(item.label for item in render.NAV)]
    assert len(texts) > 30
    untranslated = [t for t in texts if chinese.gettext(t) == t]
    assert not untranslated


def test_the_catalogue_ships_inside_the_package() -> None:
    assert i18n.po_path().is_relative_to(ROOT / "wecom_app")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"wecom_app/consoles/locale/**/*.po"' in pyproject
