"""Evaluate a query on one text in memory, with the index's semantics (pure).

Alert rules of kind ``words`` are queries: a message fires a rule exactly when a search
for that line would find it, because both go through the same terms
(:mod:`wecom_app.text.terms`) and the same phrases.
"""

from __future__ import annotations

from collections.abc import Sequence

from wecom_app.search.query import AllOf, AnyOf, Expr, MatchQuery, Phrase


def phrase_at(phrase: Phrase, terms: Sequence[str]) -> int:
    """The first position where ``phrase`` occurs in ``terms``, or -1."""
    want = phrase.terms
    n = len(want)
    if n == 0:
        return -1
    last = n - 1
    for start in range(len(terms) - n + 1):
        ok = True
        for k in range(n):
            term = terms[start + k]
            if k == last and phrase.prefix:
                if not term.startswith(want[k]):
                    ok = False
                    break
            elif term != want[k]:
                ok = False
                break
        if ok:
            return start
    return -1


def expr_matches(expr: Expr, terms: Sequence[str]) -> bool:
    if isinstance(expr, Phrase):
        return phrase_at(expr, terms) >= 0
    if isinstance(expr, AllOf):
        return all(expr_matches(item, terms) for item in expr.items)
    assert isinstance(expr, AnyOf)
    return any(expr_matches(item, terms) for item in expr.items)


def query_matches(query: MatchQuery, terms: Sequence[str]) -> bool:
    return all(expr_matches(e, terms) for e in query.must) and not any(
        expr_matches(e, terms) for e in query.must_not
    )
