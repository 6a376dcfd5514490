"""Decimal numbers as WeCom and people send them: ASCII ``0``-``9`` only.

``str.isdigit()`` is also true for ``¹``, ``②`` and other Unicode digits that ``int()``
refuses, so "check with ``isdigit``, then ``int``" turned such input into a server error
(the callback receiver's fuzz test found a timestamp of ``¹``). Every check before an
``int()`` of outside input goes through :func:`is_digits`.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Non-empty and nothing but ASCII decimal digits."""
    return text.isascii() and text.isdigit()


# Ids and counters from outside are stored in BIGINT (signed 64-bit) columns: 18 digits
# always fit, and neither SQLite nor PostgreSQL takes a larger number.
ID_MAX_DIGITS = 18


def parse_id(text: str) -> int | None:
    """``text`` as a non-negative id that fits a BIGINT column, or None."""
    if is_digits(text) and len(text) <= ID_MAX_DIGITS:
        return int(text)
    return None


def id_or_text(text: str) -> int | str:
    """A reference typed by a person: an id when it is one (:func:`parse_id`), else the
    text as it is (an external_userid, a chat id)."""
    parsed = parse_id(text)
    return text if parsed is None else parsed
