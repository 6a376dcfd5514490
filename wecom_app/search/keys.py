"""The index key of a message: tenant, then time, then a tiebreak, in one 63-bit integer.

    doc_id = corp_pk << 43 | seconds since 2010-01-01 UTC << 12 | slot

Sorting by ``doc_id`` is sorting by tenant and then by time, so the index engine answers
"tenant T, newest first, between t1 and t2, after this page" by walking one key range
backwards (SQLite FTS5: a ``rowid`` range with ``ORDER BY rowid DESC``; PostgreSQL: a
range on the primary key), with no join, no sort and no separate tenant filter. Measured
on 1M messages (see ``bench/search.py``): 0.3 ms p95 this way, against ~10 ms ordered by
a separate time column and ~28 ms with the tenant joined afterwards.

The slot (12 bits) keeps the millisecond order inside a second (``ms * 4`` plus two bits
of the message id); when a slot is taken the next free one is used, and a second with
more than 4,096 messages of one tenant overflows into the next second (its messages
sort a second late; WeCom's archive API delivers at most 1,000 messages per call).
Limits: corp primary keys up to 2^20 - 1, times up to the year 2078.
"""

from __future__ import annotations

from typing import Final

CORP_BITS: Final = 20
TIME_BITS: Final = 31
SLOT_BITS: Final = 12
EPOCH_S: Final = 1_262_304_000  # 2010-01-01T00:00:00Z
MAX_CORP: Final = (1 << CORP_BITS) - 1
MAX_SECONDS: Final = (1 << TIME_BITS) - 1
SLOTS: Final = 1 << SLOT_BITS


class KeyRangeError(ValueError):
    """A tenant outside the key's range (a corp primary key ≥ 2^20)."""


def _seconds(msgtime_ms: int) -> int:
    return min(max(msgtime_ms // 1000 - EPOCH_S, 0), MAX_SECONDS)


def check_corp(corp_pk: int) -> None:
    if not 0 < corp_pk <= MAX_CORP:
        raise KeyRangeError(f"corp primary key {corp_pk} is outside the search key range")


def preferred_key(corp_pk: int, msgtime_ms: int, message_id: int) -> int:
    """Where a message goes if its slot is free."""
    check_corp(corp_pk)
    slot = (msgtime_ms % 1000) * 4 + (message_id & 3)
    return (corp_pk << (TIME_BITS + SLOT_BITS)) | (_seconds(msgtime_ms) << SLOT_BITS) | slot


def next_key(key: int) -> int:
    """The next candidate when ``key`` is taken (may carry into the next second)."""
    return key + 1


def corp_range(corp_pk: int) -> tuple[int, int]:
    """The smallest and largest key of a tenant (inclusive)."""
    check_corp(corp_pk)
    low = corp_pk << (TIME_BITS + SLOT_BITS)
    return low, low + (1 << (TIME_BITS + SLOT_BITS)) - 1


def time_range(corp_pk: int, since_s: int | None, until_s: int | None) -> tuple[int, int]:
    """Keys of a tenant's messages with ``since_s <= msgtime < until_s`` (epoch seconds,
    either end open when None), inclusive bounds; empty when low > high."""
    low, high = corp_range(corp_pk)
    base = corp_pk << (TIME_BITS + SLOT_BITS)
    if since_s is not None:
        low = max(low, base | (_seconds(since_s * 1000) << SLOT_BITS))
    if until_s is not None:
        high = min(high, (base | (_seconds(until_s * 1000) << SLOT_BITS)) - 1)
    return low, high


def corp_of(key: int) -> int:
    return key >> (TIME_BITS + SLOT_BITS)


def seconds_of(key: int) -> int:
    """The epoch second a key sorts at."""
    return ((key >> SLOT_BITS) & MAX_SECONDS) + EPOCH_S
