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
