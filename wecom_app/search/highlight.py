"""Highlighted snippets: where the query's words occur in a message (pure).

Spans are found with the index's own semantics (:mod:`wecom_app.text.terms`): a
Chinese or digit run of the query inside a run of the message, Latin words whole, and
several runs in a row for a phrase. The snippet is HTML with every piece of the
message escaped and only our ``<mark>`` tags unescaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from wecom_app.search.query import Phrase
from wecom_app.text.terms import Run, runs

SNIPPET_CHARS = 160
LEAD_CHARS = 40


def _occurrences(needle: Run, hay: Run, *, first: bool, last: bool) -> list[tuple[int, int]]:
    """Where ``needle`` (a query run) fits ``hay`` (a message run), as folded index
    ranges of ``hay``: anywhere if it is the only run, as a suffix if it opens a phrase,
    a prefix if it closes one, the whole run in between. Letters match whole runs."""
    if needle.cls != hay.cls:
        return []
    word, text = needle.text, hay.text
    if needle.cls == "l" or (not first and not last):
        return [(0, len(text))] if word == text else []
    if first and last:
        found: list[tuple[int, int]] = []
        at = text.find(word)
        while at >= 0:
            found.append((at, at + len(word)))
            at = text.find(word, at + 1)
        return found
    if first:
        return [(len(text) - len(word), len(text))] if text.endswith(word) else []
    return [(0, len(word))] if text.startswith(word) else []


def _orig(run: Run, start: int, end: int) -> tuple[int, int]:
    return run.offsets[start], run.offsets[end - 1] + 1


def spans(text: str, phrases: Sequence[Phrase]) -> list[tuple[int, int]]:
    """Sorted, merged ``[start, end)`` ranges of ``text`` that matched."""
    message = runs(text, offsets=True)
    found: list[tuple[int, int]] = []
    for phrase in phrases:
        wanted = runs(phrase.source)
        m = len(wanted)
        if m == 0:
            continue
        for j in range(len(message) - m + 1):
            head = _occurrences(wanted[0], message[j], first=True, last=m == 1)
            if not head:
                continue
            if m == 1:
                found.extend(_orig(message[j], a, b) for a, b in head)
                continue
            ok = all(
                _occurrences(wanted[k], message[j + k], first=False, last=k == m - 1)
                for k in range(1, m)
            )
            if not ok:
                continue
            tail = _occurrences(wanted[-1], message[j + m - 1], first=False, last=True)
            start = _orig(message[j], *head[0])[0]
            end = _orig(message[j + m - 1], *tail[0])[1]
            found.append((start, end))
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(
    text: str, found: Sequence[tuple[int, int]], start: int = 0, end: int | None = None
) -> Markup:
    """``text[start:end]`` as HTML with the ``found`` ranges in ``<mark>``."""
    end = len(text) if end is None else end
    out = Markup()
    at = start
    for a, b in found:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out += escape(text[at:a]) + Markup("<mark>") + escape(text[a:b]) + Markup("</mark>")
        at = b
    return out + escape(text[at:end])


def snippet(text: str, phrases: Sequence[Phrase], width: int = SNIPPET_CHARS) -> Markup:
    """A window of ``text`` around its first match, highlighted and escaped."""
    found = spans(text, phrases)
    if len(text) <= width:
        return mark(text, found)
    first = found[0][0] if found else 0
    start = max(0, min(first - LEAD_CHARS, len(text) - width))
    end = min(len(text), start + width)
    body = mark(text, found, start, end)
    return (
        (Markup("…") if start > 0 else Markup())
        + body
        + (Markup("…") if end < len(text) else Markup())
    )
