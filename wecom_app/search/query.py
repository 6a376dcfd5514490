"""The compliance query language (pure: no database, no network).

    返现 私下转账            words: every one must be found (jieba splits 私下转账 into
                             私下 AND 转账)
    "加我微信"               a phrase: found as written (punctuation and spacing aside)
    返现 -红包               ``-`` excludes a word or a phrase
    返现 OR 回扣 OR "好处费"  ``OR`` (upper case) between words or phrases
    13812345678  AB-1234     numbers and product codes, also in part (``5678``)

A word is found wherever its characters occur in a message (Chinese and digits as
substrings, Latin words whole; see :mod:`wecom_app.text.terms`). Jieba cuts a Chinese
word into the words that must all occur; single characters stick to their neighbour
(``加微信`` is searched as written, not as ``加`` AND ``微信``), and a word of one
character on its own finds every message containing it.

Filters are separate fields (:class:`~wecom_app.search.request.Filters`), never syntax
inside the query text: ``corp:x``, ``NEAR(``, ``*``, ``^`` and SQL in a query are only
text, and only their letters, digits and Chinese characters are looked for. Nothing a
user types is passed to an index engine as syntax: queries are compiled from terms (see
the backends). A whole search (query, filters, sort, page) is :mod:`wecom_app.search.request`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

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
