"""is_digits: what may go to int() from outside input."""

from __future__ import annotations

import pytest

from wecom_app.digits import is_digits, parse_id


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
