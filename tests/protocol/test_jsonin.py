"""jsonin: JSON from outside fails as ValueError, whatever is wrong with it."""

from __future__ import annotations

import json

import pytest

from wecom_app.protocol.jsonin import NotText, TooDeep, loads, loads_text

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_json_parses_as_json_does() -> None:
    raw = json.dumps({"a": [1, "好", None, {"b": True}]}, ensure_ascii=False).encode()
    assert loads(raw) == json.loads(raw)
    assert loads_text(raw) == json.loads(raw)


def test_too_deep_is_a_value_error_not_a_recursion_error() -> None:
    with pytest.raises(RecursionError):
        json.loads(DEEP)  # what the standard parser does: not a ValueError
    with pytest.raises(TooDeep):
        loads(DEEP)
    assert issubclass(TooDeep, ValueError)


@pytest.mark.parametrize(
    "raw",
    [b'{"a":"x\\u0000y"}', b'{"a":["\\ud800"]}', b'{"\\udfff":1}', b'{"a":{"b":"\\uDC00"}}'],
)
def test_nul_and_lone_surrogates_are_not_text(raw: bytes) -> None:
    assert loads(raw)  # valid JSON …
    with pytest.raises(NotText):
        loads_text(raw)  # … but nothing a text column or UTF-8 takes


@pytest.mark.parametrize(
    "raw",
    [b'{"a":"\\ud83d\\ude00"}', b'{"a":"\\\\u0000 is how JSON writes NUL"}', b'{"a":"\\u00e9"}'],
)
def test_escapes_of_real_text_pass(raw: bytes) -> None:
    # a surrogate pair is one character (😀); an escaped backslash is not an escape
    assert loads_text(raw) == json.loads(raw)
