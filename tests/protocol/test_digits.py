"""is_digits: what may go to int() from outside input."""

from __future__ import annotations

import pytest
from starlette.routing import Match, Route

from wecom_app.path_ids import use_bounded_ids
from wecom_app.protocol.digits import INT32_MAX, id_or_text, is_digits, parse_id


@pytest.mark.parametrize("text", ["0", "42", "1709514027", "007"])
def test_ascii_digits_are_digits(text: str) -> None:
    assert is_digits(text)
    assert int(text) >= 0


@pytest.mark.parametrize("text", ["", "¹", "②", "١٢", "１２", "-1", "1.5", " 1", "1e3", "abc"])
def test_everything_else_is_not(text: str) -> None:
    assert not is_digits(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("42", 42), ("9" * 18, 10**18 - 1), ("9" * 19, None), ("¹", None), ("", None)],
)
def test_ids_fit_a_bigint_or_are_none(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected
    if expected is not None:
        assert expected < 2**63


def test_ids_of_integer_columns_stop_at_int32() -> None:
    assert parse_id(str(2**31 - 1), max_value=INT32_MAX) == 2**31 - 1
    assert parse_id(str(2**31), max_value=INT32_MAX) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("0", 0), ("wmAbC", "wmAbC"), ("9" * 19, "9" * 19), ("¹", "¹")],
)
def test_references_are_ids_when_they_fit(text: str, expected: int | str) -> None:
    assert id_or_text(text) == expected


def test_path_ids_fit_their_column() -> None:
    use_bounded_ids()

    async def endpoint(request: object) -> None:  # pragma: no cover - never called
        return None

    def matched(template: str, value: str) -> object:
        match, child = Route(template, endpoint).matches(
            {"type": "http", "method": "GET", "path": template.split("{")[0] + value}
        )
        return child["path_params"]["x"] if match is Match.FULL else None

    # INTEGER columns: PostgreSQL refuses 2**31 ("value out of int32 range")
    for value in ("0", "0042", "999999999", "1999999999", "2147483647", "2147483639"):
        assert matched("/a/{x:int}", value) == int(value)
    for value in ("2147483648", "2147483650", "2200000000", "9999999999", "1" + "0" * 10):
        assert matched("/a/{x:int}", value) is None  # a 404, never an overflow
    # BIGINT columns
    assert matched("/b/{x:bigint}", "9" * 18) == 10**18 - 1
    assert matched("/b/{x:bigint}", "9" * 19) is None
