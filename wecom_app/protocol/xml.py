"""Hardened XML parsing for callback bodies.

WeCom's XML is small and flat. We refuse anything that is not: documents with a DTD
(so no entity expansion and no external entities), bodies over a size bound, and
nesting deeper than WeCom ever sends. The result is plain JSON-compatible data so that
an event we do not know can still be stored whole.

This runs twice per callback (envelope and payload), so it is built for speed. The
payload of nearly every callback is one root of distinct leaves whose text is plain
characters or a CDATA section: a strict pattern (possessive, so linear in the input)
recognises exactly that shape and reads it in C, a strict subset of well-formed XML
that cannot hold a DTD, an entity or a character reference. Anything else — nesting,
a repeated tag, attributes, references, comments, a declaration, ``]`` or ``\r`` in a
value — goes to expat, driven directly and in one pass (ElementTree cost three times as
much).
"""

from __future__ import annotations

import re
from typing import NoReturn, TypeAlias
from xml.parsers import expat

from wecom_app.protocol.errors import Base64Error, BodyTooLargeError, XmlParseError

XmlValue: TypeAlias = "str | dict[str, XmlValue] | list[XmlValue]"
XmlDict: TypeAlias = dict[str, XmlValue]

MAX_XML_BYTES = 64 * 1024
_MAX_DEPTH = 8


class _Frame:
    __slots__ = ("children", "tag", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.text: list[str] = []
        self.children: dict[str, list[XmlValue]] | None = None

    def value(self) -> XmlValue:
        if self.children is None:
            joined = "".join(self.text)
            return joined if joined.strip() else ""
        return {tag: vals[0] if len(vals) == 1 else vals for tag, vals in self.children.items()}


def _forbidden(*_: object) -> NoReturn:
    raise XmlParseError("DTDs and entity declarations are not allowed")


def parse_xml(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> XmlDict:
    """Parse a WeCom XML document into ``{tag: text | dict | list}``.

    Leaves become their text (``""`` when blank); elements with children become dicts;
    a tag repeated among siblings becomes a list, in document order. Attributes are
    ignored (WeCom sends none).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BodyTooLargeError(f"XML over {max_bytes} bytes")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        # Refuse before the parser runs; the handlers below refuse again if it slips by.
        raise XmlParseError("DTDs are not allowed")
    _check_utf8(raw)
    flat = _parse_simple(raw)
    if flat is None:
        flat = _parse_flat(raw)
    return flat if flat is not None else _parse_expat(raw)


_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding[ \t\n]*=[ \t\n]*[\"']([^\"']*)[\"']")


def _check_utf8(raw: bytes) -> None:
    """WeCom sends UTF-8; anything else (GBK, UTF-16, a declared other encoding, which
    expat would read with replacement characters) is refused, not stored garbled."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise XmlParseError("XML must be UTF-8") from None
    if raw.startswith(b"<?xml"):
        declared = _DECLARED_ENCODING.match(raw)
        if declared is not None and declared[1].lower() not in (b"utf-8", b"utf8"):
            raise XmlParseError("XML must be UTF-8")


def envelope_encrypt(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> str:
    """The ``Encrypt`` text of a callback envelope (``""`` when absent).

    Every POST carries ``<xml><ToUserName/><Encrypt/><AgentID/></xml>`` and only
    ``Encrypt`` is used (the rest is repeated, signed, inside it). That exact shape is
    read by one pattern (a strict subset of well-formed XML, base64 text only); any
    other body is checked by expat — well-formed, no DTD, in C with no Python handlers —
    and the text is then sliced out. The signature check that follows covers exactly
    this text.
    """
    if len(data) > max_bytes:
        raise BodyTooLargeError(f"XML over {max_bytes} bytes")
    envelope = _WECOM_ENVELOPE.fullmatch(data)
    if envelope is not None:  # WeCom's own shape: the pattern checked the alphabet
        value = envelope[1] or envelope[2] or b""
        if value and not value.translate(None, b"+/="):
            raise Base64Error("Encrypt is not base64 text")
        return value.decode("ascii")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlParseError("DTDs are not allowed")
    parser = _new_parser()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlParseError("malformed XML") from exc
    start = data.find(b"<Encrypt>")
    if start < 0:
        return ""
    start += len(b"<Encrypt>")
    end = data.find(b"</Encrypt>", start)
    value = data[start:end].strip()
    if value.startswith(b"<![CDATA[") and value.endswith(b"]]>"):
        value = value[9:-3]
    if not value:
        return ""
    # Base64 text only: anything else (markup, entities) is not a WeCom envelope.
    if not value.replace(b"+", b"").replace(b"/", b"").replace(b"=", b"").isalnum():
        raise Base64Error("Encrypt is not base64 text")
    return value.decode("ascii")


# The simple shape: ``<root>`` then leaves ``<Tag>text</Tag>`` or
# ``<Tag><![CDATA[text]]></Tag>`` separated by blanks, then ``</root>``. Values hold only
# XML characters, never ``]`` (so never ``]]>``) or ``\r`` (which expat would normalise);
# text values no ``<`` or ``&``. Names are ASCII. Every quantifier is possessive.
_NOT_CHAR = r"\x00-\x08\x0b-\x1f\ufffe\uffff"  # controls but \t and \n; non-characters
_NAME = "[A-Za-z_][A-Za-z0-9_]*+"
_CDATA = rf"<!\[CDATA\[([^\]{_NOT_CHAR}]*+)\]\]>"
_TEXT = rf"([^<&\]{_NOT_CHAR}]*+)"
_SIMPLE_LEAF = re.compile(rf"[ \t\n]*+<({_NAME})>(?:{_CDATA}|{_TEXT})</\1>")
_SIMPLE_DOC = re.compile(
    rf"<({_NAME})>(?:[ \t\n]*+<({_NAME})>(?:{_CDATA}|{_TEXT})</\2>)*+[ \t\n]*+</\1>"
)


# The envelope exactly as WeCom sends it: ``<xml>``, an optional ``ToUserName``, the
# ``Encrypt`` leaf, an optional ``AgentID``, in that order, ASCII only. One pass reads
# it and takes the base64 text; any other envelope is checked by expat instead.
_B_VALUE = (
    rb"(?:<!\[CDATA\[[\t\n\x20-\x5c\x5e-\x7e]*+\]\]>"  # CDATA without "]"
    rb"|[\t\n\x20-\x25\x27-\x3b\x3d-\x5c\x5e-\x7e]*+)"  # text without "&", "<", "]"
)
_WECOM_ENVELOPE = re.compile(
    rb"<xml>[ \t\n]*+(?:<ToUserName>" + _B_VALUE + rb"</ToUserName>[ \t\n]*+)?"
    rb"<Encrypt>(?:<!\[CDATA\[([A-Za-z0-9+/=]*+)\]\]>|([A-Za-z0-9+/=]*+))</Encrypt>"
    rb"[ \t\n]*+(?:<(AgentID|AgentId)>" + _B_VALUE + rb"</\3>[ \t\n]*+)?</xml>"
)


def _parse_simple(raw: bytes) -> XmlDict | None:
    """The simple shape read by pattern, or None for anything else (expat decides)."""
    try:
        doc = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _SIMPLE_DOC.fullmatch(doc) is None:
        return None
    result: XmlDict = {}
    for tag, cdata, plain in _SIMPLE_LEAF.findall(doc, doc.index(">") + 1):
        if tag in result:
            return None  # repeated tag: a list, built by the general parser
        value = cdata or plain
        result[tag] = value if value.strip() else ""
    return result


class _NotFlat(Exception):
    """The document nests or repeats a tag: build it with the general parser."""


def _new_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _forbidden
    parser.EntityDeclHandler = _forbidden
    parser.ExternalEntityRefHandler = _forbidden
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _parse_flat(raw: bytes) -> XmlDict | None:
    """Most callbacks are one root of distinct leaves: collect them with fewer objects.

    Expat checks well-formedness in C whatever the handlers do, so this is exactly as
    strict as the general parser; it gives up (None) on nesting or a repeated tag.
    """
    result: XmlDict = {}
    depth = 0
    current = ""
    parts: list[str] = []

    def start(tag: str, _attrs: object) -> None:
        nonlocal depth, current
        depth += 1
        if depth == 2:
            if tag in result:
                raise _NotFlat
            current = tag
            parts.clear()
        elif depth > 2:
            raise _NotFlat

    def end(_tag: str) -> None:
        nonlocal depth
        if depth == 2:
            joined = "".join(parts)
            result[current] = joined if joined.strip() else ""
        depth -= 1

    def chars(content: str) -> None:
        if depth == 2:
            parts.append(content)

    parser = _new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(raw, True)
    except _NotFlat:
        return None
    except expat.ExpatError as exc:
        raise XmlParseError("malformed XML") from exc
    return result


def _parse_expat(raw: bytes) -> XmlDict:
    stack: list[_Frame] = []
    root: list[XmlValue] = []

    def start(tag: str, _attrs: object) -> None:
        if len(stack) > _MAX_DEPTH:
            raise XmlParseError("XML nested too deeply")
        if stack:
            parent = stack[-1]
            if parent.children is None:
                parent.children = {}
        stack.append(_Frame(tag))

    def end(_tag: str) -> None:
        frame = stack.pop()
        value = frame.value()
        if stack:
            children = stack[-1].children
            assert children is not None
            children.setdefault(frame.tag, []).append(value)
        else:
            root.append(value)

    def chars(content: str) -> None:
        if stack:
            stack[-1].text.append(content)

    parser = _new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise XmlParseError("malformed XML") from exc
    except RecursionError as exc:  # pragma: no cover - bounded by _MAX_DEPTH
        raise XmlParseError("XML nested too deeply") from exc
    if not root:
        raise XmlParseError("empty document")
    value = root[0]
    return value if isinstance(value, dict) else {}


def text(doc: XmlDict, key: str, default: str = "") -> str:
    """The text of a top-level leaf, or ``default`` when absent or not a leaf."""
    value = doc.get(key)
    return value if isinstance(value, str) else default
