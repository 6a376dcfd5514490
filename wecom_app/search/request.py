"""A whole search request: the query, its filters, sort, page size and keyset cursor.

Parsed from request parameters (the console's form and API, the command line, saved
searches) by :func:`parse_request`; the query text itself is the language of
:mod:`wecom_app.search.query`. Filters are separate fields, never syntax inside the
query text. Pure: no database, no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Literal

from wecom_app.protocol.digits import is_digits
from wecom_app.search.query import MatchQuery, QueryError, parse_query

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_FILTER_VALUES: Final = 50
# WeCom is used in China: dates without an offset are China Standard Time.
CHINA: Final = timezone(timedelta(hours=8))
DIRECTIONS: Final = ("to_customer", "from_customer", "internal", "room")

Sort = Literal["time", "relevance"]


@dataclass(frozen=True)
class Filters:
    employees: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    msgtypes: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    since: int | None = None  # epoch seconds, inclusive
    until: int | None = None  # epoch seconds, exclusive

    def as_dict(self) -> dict[str, object]:
        return {
            "employee": list(self.employees),
            "customer": list(self.customers),
            "room": list(self.rooms),
            "msgtype": list(self.msgtypes),
            "direction": list(self.directions),
            "since": self.since,
            "until": self.until,
        }


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended (keyset pagination)."""

    doc_id: int
    score: float | None = None  # relevance order only

    def encode(self) -> str:
        return str(self.doc_id) if self.score is None else f"{self.score!r}~{self.doc_id}"


_CURSOR = re.compile(r"^(?:(-?[0-9.e+-]{1,32})~)?([0-9]{1,19})$")


def decode_cursor(value: str, sort: Sort) -> Cursor:
    found = _CURSOR.fullmatch(value)
    if found is None:
        raise QueryError("The page cursor is not valid; start the search again.")
    doc_id = int(found.group(2))
    if sort == "time":
        if found.group(1) is not None:
            raise QueryError("The page cursor belongs to another sort order.")
        return Cursor(doc_id)
    if found.group(1) is None:
        raise QueryError("The page cursor belongs to another sort order.")
    try:
        score = float(found.group(1))
    except ValueError:
        raise QueryError("The page cursor is not valid; start the search again.") from None
    return Cursor(doc_id, score)


@dataclass(frozen=True)
class SearchRequest:
    text: str
    match: MatchQuery
    filters: Filters = Filters()
    sort: Sort = "time"
    cursor: Cursor | None = None
    limit: int = DEFAULT_LIMIT

    def params(self) -> dict[str, object]:
        """What was asked, for the audit log and saved searches."""
        return {
            "q": self.text,
            **self.filters.as_dict(),
            "sort": self.sort,
            "cursor": self.cursor.encode() if self.cursor else "",
            "limit": self.limit,
        }


def parse_time(value: str, *, end: bool = False) -> int:
    """Epoch seconds from ``2024-03-04``, ``2024-03-04T09:30[:00][+08:00]`` or digits
    (epoch seconds, or milliseconds when 13 digits). A bare date as an ``end`` is the
    end of that day. Without an offset, China Standard Time."""
    value = value.strip()
    if is_digits(value):
        number = int(value)
        return number // 1000 if len(value) >= 13 else number
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=CHINA)
            if end:
                moment += timedelta(days=1)
            return int(moment.timestamp())
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise QueryError(
            f"{value[:40]!r} is not a date (use 2024-03-04 or 2024-03-04T09:30)."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return int(parsed.astimezone(UTC).timestamp())


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> tuple[str, ...]:
    raw = params.get(name, "")
    items = [raw] if isinstance(raw, str) else list(raw)
    values: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part:
                if len(part) > 128:
                    raise QueryError(f"The {name} filter value is too long.")
                values.append(part)
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"Too many values for {name} (at most {MAX_FILTER_VALUES}).")
    return tuple(dict.fromkeys(values))


def _first(params: Mapping[str, str | Sequence[str]], name: str) -> str:
    raw = params.get(name, "")
    if isinstance(raw, str):
        return raw.strip()
    return str(raw[0]).strip() if raw else ""


def parse_filters(params: Mapping[str, str | Sequence[str]]) -> Filters:
    directions = _values(params, "direction")
    for d in directions:
        if d not in DIRECTIONS:
            raise QueryError(f"Unknown direction {d[:30]!r} (one of {', '.join(DIRECTIONS)}).")
    since_text = _first(params, "since")
    until_text = _first(params, "until")
    since = parse_time(since_text) if since_text else None
    until = parse_time(until_text, end=True) if until_text else None
    if since is not None and until is not None and since >= until:
        raise QueryError("The time range is empty (from must be before to).")
    return Filters(
        employees=_values(params, "employee"),
        customers=_values(params, "customer"),
        rooms=_values(params, "room"),
        msgtypes=_values(params, "msgtype"),
        directions=directions,
        since=since,
        until=until,
    )


def parse_request(params: Mapping[str, str | Sequence[str]]) -> SearchRequest:
    """A search from request parameters: ``q``, the filters (``employee``, ``customer``,
    ``room``, ``msgtype``, ``direction``: comma-separated; ``since``, ``until``),
    ``sort`` (``time`` | ``relevance``), ``cursor``, ``limit``."""
    text = _first(params, "q")
    match = parse_query(text)
    sort_text = _first(params, "sort") or "time"
    if sort_text not in ("time", "relevance"):
        raise QueryError("Sort by time or relevance.")
    sort: Sort = "time" if sort_text == "time" else "relevance"
    limit_text = _first(params, "limit")
    limit = DEFAULT_LIMIT
    if limit_text:
        if not is_digits(limit_text) or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise QueryError(f"limit must be a number from 1 to {MAX_LIMIT}.")
        limit = int(limit_text)
    cursor_text = _first(params, "cursor")
    cursor = decode_cursor(cursor_text, sort) if cursor_text else None
    return SearchRequest(text, match, parse_filters(params), sort, cursor, limit)
