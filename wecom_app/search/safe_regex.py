"""Regular expressions for alert rules that cannot hang ingestion.

Python's ``re`` backtracks and cannot be interrupted, and the text it runs on is chat
that anyone (a customer, too) can write: ``(a+)+$`` on ``aaaa…b`` runs for ages. So a
rule's pattern is only accepted when its backtracking is bounded by construction:

* at most :data:`MAX_PATTERN` characters;
* no back-references, look-arounds or conditionals;
* no repetition inside a repetition (star height 1) and no alternation inside one:
  the classic exponential shapes ``(a+)+``, ``(a|aa)*``, ``(.*a){20}``;
* bounded repetitions up to ``{0,100}``; the *choices* a pattern leaves open (the sum
  of ``max - min + 1`` of its variable repetitions, an unbounded one counting as a
  whole window) multiplied together stay under :data:`MAX_CHOICES`, so ``.*`` may
  occur once (``微信.*转账``) but ``.*.*.*x`` (cubic) is refused.

Text is matched in windows of :data:`WINDOW` characters (overlapping by
:data:`OVERLAP`), which bounds the work per message. The work per window is then at
most about ``WINDOW × MAX_CHOICES`` steps; :mod:`wecom_app.search.alerts` also times
every rule and switches off one that is still too slow, as a second line of defence.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any, Final

MAX_PATTERN: Final = 200
MAX_REPEAT_BOUND: Final = 100
WINDOW: Final = 2000
OVERLAP: Final = 200
MAX_CHOICES: Final = 20_000

_parser: Any = importlib.import_module("re._parser")
_UNBOUNDED: Final = int(importlib.import_module("re._constants").MAXREPEAT)

_FORBIDDEN = {
    "GROUPREF": "back-references",
    "GROUPREF_EXISTS": "conditional groups",
    "GROUPREF_IGNORE": "back-references",
    "GROUPREF_LOC_IGNORE": "back-references",
    "GROUPREF_UNI_IGNORE": "back-references",
    "ASSERT": "look-ahead/look-behind",
    "ASSERT_NOT": "look-ahead/look-behind",
}
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


class UnsafePattern(ValueError):
    """The pattern is refused; ``str()`` says why, for the rule form."""


def _walk(items: Any, in_repeat: bool, choices: list[int]) -> None:
    for op, arg in items:
        name = str(op)
        if name in _FORBIDDEN:
            raise UnsafePattern(f"{_FORBIDDEN[name]} are not allowed in alert patterns")
        if name in _REPEATS:
            low, high, sub = arg
            if in_repeat:
                raise UnsafePattern(
                    "a repetition inside a repetition (like (a+)+) can take forever; "
                    "write it without nesting"
                )
            unbounded = int(high) == _UNBOUNDED
            if not unbounded and int(high) > MAX_REPEAT_BOUND:
                raise UnsafePattern(f"repetition counts above {MAX_REPEAT_BOUND} are not allowed")
            if int(low) > MAX_REPEAT_BOUND:
                raise UnsafePattern(f"repetition counts above {MAX_REPEAT_BOUND} are not allowed")
            if unbounded:
                choices.append(WINDOW)
            elif int(high) != int(low):
                choices.append(int(high) - int(low) + 1)
            _walk(sub, True, choices)
        elif name == "BRANCH":
            if in_repeat:
                raise UnsafePattern(
                    "alternatives inside a repetition (like (a|b)+) are not allowed; "
                    "use a character class [ab]+ or separate rules"
                )
            for branch in arg[1]:
                _walk(branch, in_repeat, choices)
        elif name == "SUBPATTERN":
            _walk(arg[-1], in_repeat, choices)
        elif name == "ATOMIC_GROUP":
            _walk(arg, in_repeat, choices)
        # LITERAL, NOT_LITERAL, ANY, IN, AT, CATEGORY: constant work per character


def compile_safe(pattern: str) -> re.Pattern[str]:
    """Compile an alert pattern (case-insensitive) or raise :class:`UnsafePattern`."""
    if not pattern:
        raise UnsafePattern("the pattern is empty")
    if len(pattern) > MAX_PATTERN:
        raise UnsafePattern(f"the pattern is longer than {MAX_PATTERN} characters")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
        tree = _parser.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        raise UnsafePattern(f"not a valid regular expression: {exc}") from None
    choices: list[int] = []
    _walk(tree, False, choices)
    product = 1
    for count in choices:
        product *= count
        if product > MAX_CHOICES:
            raise UnsafePattern(
                "the pattern leaves too many ways to match (several .* or wide {m,n}); "
                "make it more specific"
            )
    if compiled.search("") is not None:
        raise UnsafePattern("the pattern matches empty text, so it would fire on every message")
    return compiled


def windows(text: str) -> Iterator[str]:
    """``text`` in overlapping windows of at most :data:`WINDOW` characters."""
    if len(text) <= WINDOW:
        yield text
        return
    step = WINDOW - OVERLAP
    for start in range(0, len(text) - OVERLAP, step):
        yield text[start : start + WINDOW]


def search_safe(compiled: re.Pattern[str], text: str) -> re.Match[str] | None:
    for window in windows(text):
        found = compiled.search(window)
        if found is not None:
            return found
    return None
