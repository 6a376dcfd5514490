"""Text → index terms: one pure function shared by indexing, querying and highlighting.

Why not index jieba's tokens as they are: jieba's segmentation depends on the context.
``返现金额是多少`` segments as ``返 / 现金额 / 是 / 多少``, so an index of jieba words
cannot find ``返现`` in it, although that is exactly what compliance staff look for; a
single-character word (``钱``) or part of a word (``转``) is never a token either. A
compliance search must find every message that *contains* what was typed, like a
``LIKE '%…%'`` scan does, only fast. So the terms of a text are built from its characters,
after folding (NFKC per character + casefold: full-width ``ＡＢ１２`` is ``ab12``):

* a **run** is a maximal sequence of characters of one class: ``c`` CJK (Han, kana,
  hangul), ``d`` digits, ``l`` other letters (Latin, Cyrillic, … with their combining
  marks). Anything else (spaces, punctuation, emoji) separates runs, except that digit
  groups joined by one ``-`` or space form one digit run (``138-1234-5678`` and
  ``138 1234 5678`` are the number ``13812345678``) and whitespace between Chinese
  characters is ignored (Chinese does not separate words by spaces: ``私下 转账`` is
  ``私下转账``);
* a ``c`` run of n characters gives n terms: the character bigram starting at each
  position, the last one a single character (``返现金额`` → ``返现 现金 金额 额``);
* a ``d`` run gives the trigram starting at each position in the same way
  (``13812`` → ``138 381 812 12 2``);
* an ``l`` run is one term (``iPhone`` → ``iphone``), whole words as people type them.

Any substring of a ``c`` or ``d`` run is then a *phrase* of consecutive terms (see
:func:`run_query_terms`), whatever jieba made of the message, so the query side and the
index always agree. Jieba still splits what was typed into words (``私下转账`` → ``私下``
AND ``转账``), see :mod:`wecom_app.search.query`.

Every term consists of folded letters, digits and CJK characters only, never of
punctuation, quotes or operators: nothing a user typed can reach an index engine as
syntax. Filter terms (:func:`filter_term`) mix letters and digits, which a text term
never does, so they cannot collide with words.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

RunClass = Literal["c", "d", "l"]

CJK_GRAM: Final = 2
DIGIT_GRAM: Final = 3
MAX_WORD: Final = 32  # longer letter runs are cut (both sides cut alike)
DIGIT_JOINERS: Final = frozenset("- ")

_FOLD: dict[str, str] = {}


def fold_char(ch: str) -> str:
    """NFKC + casefold of one character (cached: chat text reuses few characters)."""
    folded = _FOLD.get(ch)
    if folded is None:
        folded = unicodedata.normalize("NFKC", ch).casefold()
        if len(_FOLD) < 200_000:
            _FOLD[ch] = folded
    return folded


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0x20000 <= o <= 0x3134F  # extensions B..G
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= o <= 0x31FF
        or 0xAC00 <= o <= 0xD7AF  # hangul syllables
        or 0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
        or o == 0x3007  # 〇
    )


@dataclass(frozen=True, slots=True)
class Run:
    cls: RunClass
    text: str  # folded
    start: int  # span in the original text (for highlighting)
    end: int
    # with ``runs(text, offsets=True)``: the index in ``text`` of each character of
    # ``self.text`` (folding may turn one character into two: ß → ss)
    offsets: tuple[int, ...] = ()


_CJK_CLASS = (
    "\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0003134f\uf900-\ufaff"
    "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\u3007"
)
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = f"[^\\W\\d_{_CJK_CLASS}]"
# One pattern for every run (on folded text); the groups name the class.
_RUN = re.compile(
    f"(?P<c>[{_CJK_CLASS}](?:\\s*[{_CJK_CLASS}])*)"
    "|(?P<d>\\d+(?:[- ]\\d+)*)"
    f"|(?P<l>{_LETTER}(?:{_LETTER}|[{_MARKS}])*)"
)
_JOINERS = {"c": re.compile(r"\s+"), "d": re.compile(r"[- ]")}


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character on first sight."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        if len(self) < 200_000:
            self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """``text`` folded character by character (NFKC + casefold).

    Most chat text is already NFKC (no full-width letters, no compatibility forms):
    then no character changes under NFKC on its own either, and casefold works
    character by character, so ``casefold()`` of the whole text is the same, faster.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text.casefold()
    return text.translate(_TABLE)


def runs(text: str, *, offsets: bool = False) -> list[Run]:
    """The runs of ``text`` in order, with their spans in ``text`` (and, with
    ``offsets``, the index in ``text`` of every character of each run)."""
    if not offsets:
        folded = fold(text)
        where: list[int] = []
    else:
        parts: list[str] = []
        where = []
        for i, ch in enumerate(text):
            folded_ch = fold_char(ch)
            parts.append(folded_ch)
            where.extend([i] * len(folded_ch))
        folded = "".join(parts)
    out: list[Run] = []
    for found in _RUN.finditer(folded):
        cls = found.lastgroup or "l"
        word = found.group()
        kept: tuple[int, ...] = ()
        joiner = _JOINERS.get(cls)
        if joiner is not None and (" " in word or "-" in word or not word.isalnum()):
            if offsets:
                kept = tuple(
                    where[found.start() + k]
                    for k, ch in enumerate(word)
                    if not joiner.fullmatch(ch)
                )
            word = joiner.sub("", word)
        elif offsets:
            kept = tuple(where[found.start() : found.end()])
        if cls == "l":
            word = word[:MAX_WORD]
            kept = kept[: len(word)]
        if offsets:
            start, end = where[found.start()], where[found.end() - 1] + 1
        else:
            start, end = found.start(), found.end()
        out.append(Run(cls, word, start, end, kept))  # type: ignore[arg-type]
    return out


def _grams(word: str, k: int) -> list[str]:
    return [word[i : i + k] for i in range(len(word))]


def run_terms(run: Run) -> list[str]:
    """All terms of one run, in position order (what the index stores)."""
    if run.cls == "c":
        return _grams(run.text, CJK_GRAM)
    if run.cls == "d":
        return _grams(run.text, DIGIT_GRAM)
    return [run.text]


def index_terms(text: str) -> list[str]:
    """The terms of ``text`` in position order (adjacent runs have adjacent terms)."""
    terms: list[str] = []
    for run in runs(text):
        terms.extend(run_terms(run))
    return terms


def run_query_terms(run: Run, *, followed: bool) -> tuple[list[str], bool]:
    """The terms that find ``run`` as a substring of a message's run.

    Returns ``(terms, prefix)``: consecutive terms to match as a phrase, the last one as
    a prefix when ``prefix``. ``followed``: the phrase goes on after this run, so the
    message's run must end where this one does (all terms, tails included); otherwise a
    longer run in the message also matches (full grams only, or a prefix for a run
    shorter than a gram).
    """
    if run.cls == "l":
        return [run.text], False
    k = CJK_GRAM if run.cls == "c" else DIGIT_GRAM
    if followed:
        return _grams(run.text, k), False
    if len(run.text) >= k:
        return [run.text[i : i + k] for i in range(len(run.text) - k + 1)], False
    return [run.text], True


def phrase_terms(text: str) -> tuple[list[str], bool]:
    """The phrase (terms, last-is-prefix) that finds ``text`` as written, punctuation
    and spacing aside; ``([], False)`` when ``text`` has nothing indexable."""
    parts = runs(text)
    terms: list[str] = []
    prefix = False
    for index, run in enumerate(parts):
        got, prefix = run_query_terms(run, followed=index < len(parts) - 1)
        terms.extend(got)
    return terms, prefix


@functools.lru_cache(maxsize=1 << 14)  # the same employees, customers and rooms recur
def filter_term(kind: str, value: str) -> str:
    """The index term of a filter value (``kind``: one letter).

    ``f`` + kind + ``0`` + 16 hex digits of SHA-256: letters followed by a digit, which
    no text term has (text runs are split where letters and digits meet).
    """
    digest = hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()[:16]
    return f"f{kind}0{digest}"


def iter_cjk_segments(word: str) -> Iterator[tuple[bool, str]]:
    """Split ``word`` into maximal CJK and non-CJK segments: ``(is_cjk, segment)``."""
    if not word:
        return
    current = [word[0]]
    state = is_cjk(fold_char(word[0])[:1] or " ")
    for raw in word[1:]:
        cjk = is_cjk(fold_char(raw)[:1] or " ")
        if cjk == state:
            current.append(raw)
        else:
            yield state, "".join(current)
            current = [raw]
            state = cjk
    yield state, "".join(current)
