"""The compliance query language (pure: no database, no network).

    返现 私下转账            words: every one must be found (jieba splits 私下转账 into
                             私下 AND 转账)
    "加我微信"               a phrase: found as written (punctuation and spacing aside)
    返现 -红包               ``-`` excludes a word or a phrase
    返现 OR 回扣 OR "好处费"  ``OR`` (upper case) between words or phrases
    13812345678  AB-1234     numbers and product codes, also in part (``5678``)

A word is found wherever its characters occur in a message (Chinese and digits as
substrings, Latin words whole; see :mod:`wecom_app.search.terms`). Jieba cuts a Chinese
word into the words that must all occur; single characters stick to their neighbour
(``加微信`` is searched as written, not as ``加`` AND ``微信``), and a word of one
character on its own finds every message containing it.

Filters are separate fields (:class:`Filters`), never syntax inside the query text:
``corp:x``, ``NEAR(``, ``*``, ``^`` and SQL in a query are only text, and only their
letters, digits and Chinese characters are looked for. Nothing a user types is passed
to an index engine as syntax: queries are compiled from terms (see the backends).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Literal

from wecom_app.protocol.digits import is_digits
from wecom_app.text.terms import (
    Run,
    iter_cjk_segments,
    phrase_terms,
    run_query_terms,
    runs,
)
from wecom_app.text.tokenise import words as jieba_words

MAX_QUERY_CHARS: Final = 256
MAX_CLAUSES: Final = 16
MAX_UNITS: Final = 32
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_FILTER_VALUES: Final = 50
# WeCom is used in China: dates without an offset are China Standard Time.
CHINA: Final = timezone(timedelta(hours=8))
DIRECTIONS: Final = ("to_customer", "from_customer", "internal", "room")

Sort = Literal["time", "relevance"]


class QueryError(ValueError):
    """A query or filter we cannot run; ``str()`` is a sentence to show the user."""


# -- match expressions -----------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Consecutive terms; the last one matches as a prefix when ``prefix``."""

    terms: tuple[str, ...]
    prefix: bool = False
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


Expr = Phrase | AllOf | AnyOf


@dataclass(frozen=True)
class MatchQuery:
    """What must occur (all of ``must``) and what must not (none of ``must_not``)."""

    must: tuple[Expr, ...]
    must_not: tuple[Expr, ...] = ()

    def phrases(self) -> list[Phrase]:
        """The phrases a hit contains (for highlighting)."""
        found: list[Phrase] = []

        def walk(expr: Expr) -> None:
            if isinstance(expr, Phrase):
                found.append(expr)
            else:
                for item in expr.items:
                    walk(item)

        for expr in self.must:
            walk(expr)
        return found


# -- parsing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: Literal["word", "phrase", "or"]
    text: str
    negated: bool = False


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch in '"“”＂':
            end = _closing_quote(text, i + 1)
            if end < 0:
                raise QueryError('A phrase is missing its closing quote (").')
            tokens.append(_Token("phrase", text[i + 1 : end], negated))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in '"“”＂':
            i += 1
        word = text[start:i]
        if word == "OR" and not negated:
            tokens.append(_Token("or", word))
        else:
            tokens.append(_Token("word", word, negated))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    for j in range(start, len(text)):
        if text[j] in '"“”＂':
            return j
    return -1


def _segment(text: str) -> list[str]:
    """jieba's words of a Chinese segment, single characters stuck to a neighbour."""
    words = jieba_words(text)
    groups: list[str] = []
    carry = ""
    for word in words:
        if len(word) == 1:
            carry += word
            continue
        groups.append(carry + word)
        carry = ""
    if carry:
        if groups:
            groups[-1] += carry
        else:
            groups.append(carry)
    return groups


def _phrase(parts: Sequence[Run], source: str) -> Phrase | None:
    terms: list[str] = []
    prefix = False
    for index, run in enumerate(parts):
        got, prefix = run_query_terms(run, followed=index < len(parts) - 1)
        terms.extend(got)
    if not terms:
        return None
    return Phrase(tuple(terms), prefix, source)


def word_units(word: str) -> list[Phrase]:
    """The phrases that must all occur for one typed word."""
    units: list[Phrase] = []
    for cjk, segment in iter_cjk_segments(word):
        if cjk:
            for group in _segment(segment):
                unit = _phrase(runs(group), group)
                if unit is not None:
                    units.append(unit)
        else:
            # letters and digits typed together (AB-1234, iPhone15, 138-1234-5678) are
            # one phrase: as written, separators aside
            unit = _phrase(runs(segment), segment)
            if unit is not None:
                units.append(unit)
    return units


def _atom(token: _Token) -> Expr | None:
    if token.kind == "phrase":
        terms, prefix = phrase_terms(token.text)
        return Phrase(tuple(terms), prefix, token.text.strip()) if terms else None
    units = word_units(token.text)
    if not units:
        return None
    return units[0] if len(units) == 1 else AllOf(tuple(units))


def parse_query(text: str) -> MatchQuery:
    """Parse what a compliance user typed; raises :class:`QueryError` when it is empty,
    too long or malformed, or has nothing to look for."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is too long (at most {MAX_QUERY_CHARS} characters).")
    if not text.strip():
        raise QueryError("Type something to search for.")
    tokens = _lex(text)
    clauses: list[list[_Token]] = []
    pending_or = False
    for token in tokens:
        if token.kind == "or":
            if not clauses or pending_or:
                raise QueryError("OR needs a word or phrase on each side.")
            if clauses[-1][-1].negated:
                raise QueryError("An excluded word (-word) cannot be part of an OR.")
            pending_or = True
        elif pending_or:
            if token.negated:
                raise QueryError("An excluded word (-word) cannot be part of an OR.")
            clauses[-1].append(token)
            pending_or = False
        else:
            clauses.append([token])
    if pending_or:
        raise QueryError("OR needs a word or phrase on each side.")
    if len(clauses) > MAX_CLAUSES:
        raise QueryError(f"The query has too many parts (at most {MAX_CLAUSES}).")

    must: list[Expr] = []
    must_not: list[Expr] = []
    for clause in clauses:
        atoms = [a for a in (_atom(t) for t in clause) if a is not None]
        if not atoms:
            continue
        expr: Expr = atoms[0] if len(atoms) == 1 else AnyOf(tuple(atoms))
        (must_not if clause[0].negated else must).append(expr)
    if not must:
        if must_not:
            raise QueryError("Give at least one word to find, not only words to exclude.")
        raise QueryError(
            "Nothing to search for: the query has no letters, digits or Chinese characters."
        )
    query = MatchQuery(tuple(must), tuple(must_not))
    if sum(1 for _ in query.phrases()) + len(must_not) > MAX_UNITS:
        raise QueryError("The query has too many words.")
    return query


# -- filters and the whole request -------------------------------------------------------


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
