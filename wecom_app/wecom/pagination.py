"""Cursor pages and the iterator that walks them.

WeCom's list APIs return ``next_cursor``; an empty one means the last page. A server
that hands back a cursor we already used (a bug, or a simulator fault) would keep us
paging forever, so :func:`paginate` remembers every cursor and stops, with a warning,
at the first repeat.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str


async def paginate(
    fetch_page: Callable[[str], Awaitable[Page[T]]], *, what: str, cursor: str = ""
) -> AsyncIterator[T]:
    """Every item of every page, starting at ``cursor``; ``what`` names the list in logs."""
    seen = {cursor} if cursor else set()
    pages = 0
    while True:
        page = await fetch_page(cursor)
        pages += 1
        for item in page.items:
            yield item
        if not page.next_cursor:
            return
        if page.next_cursor in seen:
            log.warning(
                "wecom %s: page %d returned a cursor already used; stopping to avoid a loop",
                what,
                pages,
            )
            return
        seen.add(page.next_cursor)
        cursor = page.next_cursor
