"""Alert rules: the patterns we accept, compiled once, and what fired them.

A rule is either ``words`` (one search query per line, in the query language of
:mod:`wecom_app.search.query`; the message fires when a search for any line would find
it) or ``regex`` (one pattern, accepted only when it cannot backtrack without bound:
:mod:`wecom_app.search.safe_regex`). Evaluation on ingested messages is
:mod:`wecom_app.search.alerts`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from wecom_app.search.matcher import query_matches
from wecom_app.search.query import MatchQuery, QueryError, parse_query
from wecom_app.search.safe_regex import UnsafePattern, compile_safe, search_safe
from wecom_app.store.search import AlertRule

MAX_WORD_LINES: Final = 200

RuleKind = Literal["words", "regex"]


class RuleError(ValueError):
    """A rule we cannot accept; ``str()`` says why."""


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    kind: RuleKind
    departments: frozenset[str]
    notify: tuple[str, ...]
    queries: tuple[tuple[str, MatchQuery], ...] = ()
    regex: re.Pattern[str] | None = None


def compile_pattern(
    kind: str, pattern: str
) -> tuple[tuple[str, MatchQuery], ...] | re.Pattern[str]:
    """Check and compile a rule's pattern; raises :class:`RuleError`."""
    if kind == "regex":
        try:
            return compile_safe(pattern.strip())
        except UnsafePattern as exc:
            raise RuleError(str(exc)) from None
    if kind != "words":
        raise RuleError("a rule is words or regex")
    lines = [line.strip() for line in pattern.splitlines() if line.strip()]
    if not lines:
        raise RuleError("give at least one word")
    if len(lines) > MAX_WORD_LINES:
        raise RuleError(f"at most {MAX_WORD_LINES} lines of words")
    queries: list[tuple[str, MatchQuery]] = []
    for line in lines:
        try:
            queries.append((line, parse_query(line)))
        except QueryError as exc:
            raise RuleError(f"{line[:40]}: {exc}") from None
    return tuple(queries)


_cache: dict[tuple[str, str], tuple[tuple[str, MatchQuery], ...] | re.Pattern[str]] = {}


def compiled(rule: AlertRule) -> CompiledRule:
    """The rule as evaluated now. Only the compiled pattern is cached (by its text):
    name, scope and recipients always come from the row, so an edited rule is never
    evaluated with yesterday's recipients."""
    key = (rule.kind, rule.pattern)
    pattern = _cache.get(key)
    if pattern is None:
        pattern = compile_pattern(rule.kind, rule.pattern)
        if len(_cache) > 4096:
            _cache.clear()
        _cache[key] = pattern
    kind: RuleKind = "regex" if rule.kind == "regex" else "words"
    return CompiledRule(
        id=rule.id,
        name=rule.name,
        kind=kind,
        departments=frozenset(str(d) for d in rule.departments or []),
        notify=tuple(str(u) for u in rule.notify or []),
        queries=pattern if isinstance(pattern, tuple) else (),
        regex=pattern if isinstance(pattern, re.Pattern) else None,
    )


def match_text(rule: CompiledRule, text: str, terms: Sequence[str]) -> str | None:
    """What fired ``rule`` in ``text`` (for the alert), or None."""
    if rule.regex is not None:
        found = search_safe(rule.regex, text)
        return found.group(0)[:255] if found is not None else None
    for line, query in rule.queries:
        if query_matches(query, terms):
            return line[:255]
    return None


async def create_rule(
    corp_pk: int,
    *,
    name: str,
    kind: str,
    pattern: str,
    departments: Sequence[str] = (),
    notify: Sequence[str] = (),
    created_by: str = "",
) -> AlertRule:
    name = name.strip()
    if not name or len(name) > 100:
        raise RuleError("a rule needs a name (at most 100 characters)")
    compile_pattern(kind, pattern)
    return await AlertRule.create(
        corp_id=corp_pk,
        name=name,
        kind=kind,
        pattern=pattern.strip(),
        departments=[str(d).strip() for d in departments if str(d).strip()],
        notify=[str(u).strip() for u in notify if str(u).strip()],
        created_by=created_by,
    )
