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


# Ids from outside go to INTEGER (signed 32-bit, SERIAL) or BIGINT (BIGSERIAL) columns;
# PostgreSQL refuses a larger number ("out of int32 range"), SQLite one beyond 64 bits.
# 18 digits always fit a BIGINT.
ID_MAX_DIGITS = 18
INT32_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def parse_id(text: str, *, max_value: int = BIGINT_MAX) -> int | None:
    """``text`` as a non-negative id no larger than ``max_value`` (a BIGINT column's by
    default; pass :data:`INT32_MAX` for an INTEGER one), or None."""
    if is_digits(text) and len(text) <= ID_MAX_DIGITS:
        value = int(text)
        return value if value <= max_value else None
    return None


def id_or_text(text: str) -> int | str:
    """A reference typed by a person: an id when it is one (:func:`parse_id`), else the
    text as it is (an external_userid, a chat id)."""
    parsed = parse_id(text)
    return text if parsed is None else parsed
