"""Chinese (and mixed) text → index tokens, once, at ingest (DESIGN: "tokenise once").

jieba's *search* mode is used: it yields the words of the default mode plus the
dictionary words inside long ones (``中华人民共和国`` → ``中华 华人 人民 共和 共和国
中华人民共和国``), so a query tokenised in either mode finds the message. Tokens without
a letter or digit (punctuation, spaces, emoji) are dropped and ASCII is lower-cased, so
``iPhone`` and ``iphone`` match. The result is the tokens joined by single spaces, the
form the index backends take.

Chats repeat themselves (好的, 收到, 谢谢, scripted answers), so short texts are
memoised; the cache is per process and bounded.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Final

import jieba

_WORDY: Final = re.compile(r"\w")
_CACHE_MAX_CHARS: Final = 200  # long texts rarely repeat; do not let them fill the cache
_init_lock = threading.Lock()
_initialised = False


def initialise() -> None:
    """Load jieba's dictionary now (about a second) instead of on the first message."""
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _initialised = True


def _tokenise(text: str) -> str:
    out = []
    for token in jieba.cut_for_search(text):
        if _WORDY.search(token):
            out.append(token.strip().lower())
    return " ".join(t for t in out if t)


@functools.lru_cache(maxsize=1 << 16)
def _cached(text: str) -> str:
    return _tokenise(text)


def tokenise(text: str) -> str:
    """Space-separated search tokens of ``text`` ("" for empty or wordless text)."""
    if not text:
        return ""
    if not _initialised:
        initialise()
    if len(text) <= _CACHE_MAX_CHARS:
        return _cached(text)
    return _tokenise(text)
