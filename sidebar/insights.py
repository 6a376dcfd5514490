"""What the chat archive says about a customer, computed with bounded SQL.

Two reads (sent as one statement, see :mod:`sidebar.bundle`), both scoped by
``(corp, external_userid)`` — the archive's ``(corp_id, external_userid, msgtime)``
index — and by the employees whose conversations the viewer may read, so the work
grows with one customer's messages, never with the archive: one aggregate (counts,
first and last contact, hours), and the :data:`REPLY_WINDOW` newest messages, which
give the reply times, the unanswered count, the keywords (the customer's newest
:data:`KEYWORD_WINDOW` messages) and the history's first page.

- first and last contact, messages each way: one ``GROUP BY direction``;
- unanswered: customer messages after the employees' last message to the customer;
- median reply time: for each customer turn (the first customer message after ours),
  the time until our next message;
- active hours: customer messages by hour of day, China time (UTC+8, no DST);
- keywords: TF-IDF of the tokens jieba produced at ingest, scored with jieba's IDF table
  (words it does not know get its median IDF), stop words and one-character words out.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sidebar import bundle
from sidebar.sql import CONVERSATION, fetch, marks
from wecom_app.text.tokenise import words

REPLY_WINDOW = 600
KEYWORD_WINDOW = 400
KEYWORDS = 12
CHINA_OFFSET_S = 8 * 3600

STOP_WORDS = frozenset(
    """的 了 我 你 他 她 它 我们 你们 他们 是 在 有 和 就 都 也 还 这 那 这个 那个 一下 一个
    可以 没有 什么 怎么 吗 呢 吧 啊 哦 嗯 呀 哈 哈哈 好的 好 谢谢 您好 你好 请问 知道 现在 然后
    因为 所以 但是 如果 已经 还是 或者 就是 不是 这样 那样 这边 那边 一些 一点 可能 需要 觉得
    看看 一起 时候 今天 明天 昨天 自己 不过 其实 比较 非常 还有 收到 麻烦 辛苦 没问题 不用
    ok OK""".split()  # noqa: SIM905 - a word list reads better as text
)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


@dataclass
class Insights:
    first_contact_ms: int | None = None
    last_contact_ms: int | None = None
    sent: int = 0  # by the employees to the customer
    received: int = 0  # from the customer
    median_reply_s: float | None = None
    replies_measured: int = 0
    unanswered: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    keywords: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "first_contact": self.first_contact_ms,
            "last_contact": self.last_contact_ms,
            "sent": self.sent,
            "received": self.received,
            "median_reply_seconds": self.median_reply_s,
            "replies_measured": self.replies_measured,
            "unanswered": self.unanswered,
            "active_hours": self.hours,
            "keywords": self.keywords,
        }


def _scope(employees: Sequence[str]) -> tuple[str, list[Any]]:
    where = (
        f"corp_id = ? AND external_userid = ? AND employee_userid IN ({marks(len(employees))})"
        f" AND {CONVERSATION}"
    )
    return where, list(employees)


# The newest messages, for reply times, keywords and the first page of history at once.
RECENT_COLUMNS = (
    "id",
    "msgtime",
    "direction",
    "sender",
    "employee_userid",
    "msgtype",
    "text",
    "tokens",
    "recalled_by",
)
AGGREGATE_COLUMNS = ("direction", "h", "n", "first_at", "last_at")


def sections(corp_pk: int, external_userid: str, employees: Sequence[str]) -> list[bundle.Section]:
    """The two reads behind the insights (for a caller that bundles more reads)."""
    where, emp = _scope(employees)
    base = [corp_pk, external_userid, *emp]
    return [
        # counts, first and last contact, and the customer's hours: one aggregate
        bundle.Section(
            "agg",
            AGGREGATE_COLUMNS,
            f"SELECT direction, ((msgtime / 1000 + {CHINA_OFFSET_S}) / 3600) % 24 AS h, "
            f"COUNT(*) AS n, MIN(msgtime) AS first_at, MAX(msgtime) AS last_at "
            f"FROM archive_messages WHERE {where} GROUP BY direction, h",
            base,
        ),
        # the newest messages: reply times, unanswered, keywords, the first history page
        bundle.Section(
            "recent",
            RECENT_COLUMNS,
            f"SELECT {', '.join(RECENT_COLUMNS)} FROM archive_messages WHERE {where} "
            f"ORDER BY msgtime DESC, id DESC LIMIT {REPLY_WINDOW}",
            base,
        ),
    ]


def recent_rows(rows: bundle.Rows) -> list[dict[str, Any]]:
    """The bundle's newest messages as dicts, newest first."""
    recent = [
        {
            "id": bundle.as_int(r[0]),
            "msgtime": bundle.as_int(r[1]),
            "direction": r[2] or "",
            "sender": r[3] or "",
            "employee_userid": r[4] or "",
            "msgtype": r[5] or "",
            "text": r[6] or "",
            "tokens": r[7] or "",
            "recalled_by": r[8] or "",
        }
        for r in rows["recent"]
    ]
    recent.sort(key=lambda m: (m["msgtime"], m["id"]), reverse=True)
    return recent


async def customer_insights(
    corp_pk: int, external_userid: str, employees: Sequence[str]
) -> Insights:
    found, _ = await customer_overview(corp_pk, external_userid, employees)
    return found


async def customer_overview(
    corp_pk: int, external_userid: str, employees: Sequence[str]
) -> tuple[Insights, list[dict[str, Any]]]:
    """Insights and the newest messages (newest first, at most :data:`REPLY_WINDOW`)."""
    if not employees:
        return Insights(), []
    rows = await bundle.run(sections(corp_pk, external_userid, employees))
    return await from_rows(rows, corp_pk, external_userid, employees)


async def from_rows(
    rows: bundle.Rows, corp_pk: int, external_userid: str, employees: Sequence[str]
) -> tuple[Insights, list[dict[str, Any]]]:
    result = Insights()
    last_ours = 0
    for direction, hour, count_text, first_text, last_text in (r[:5] for r in rows["agg"]):
        count, first, last = (
            bundle.as_int(count_text),
            bundle.as_int(first_text),
            bundle.as_int(last_text),
        )
        if direction == "to_customer":
            result.sent += count
            last_ours = max(last_ours, last)
        elif direction == "from_customer":
            result.received += count
            result.hours[bundle.as_int(hour) % 24] += count
        else:
            continue
        result.first_contact_ms = min(first, result.first_contact_ms or first)
        result.last_contact_ms = max(last, result.last_contact_ms or last)
    if not result.sent and not result.received:
        return result, []
    recent = recent_rows(rows)
    turns = [
        (str(r["direction"]), int(r["msgtime"]))
        for r in reversed(recent)
        if r["direction"] in ("to_customer", "from_customer")
    ]
    replies = reply_times(turns)
    result.replies_measured = len(replies)
    result.median_reply_s = statistics.median(replies) if replies else None
    if last_ours and any(r["direction"] == "to_customer" for r in recent):
        result.unanswered = sum(
            1 for r in recent if r["direction"] == "from_customer" and r["msgtime"] > last_ours
        )
    else:
        # Our last message is older than the window (or there is none): count exactly.
        where, emp = _scope(employees)
        unanswered = await fetch(
            f"SELECT COUNT(*) AS n FROM archive_messages WHERE {where} "
            f"AND direction = ? AND msgtime > ?",
            [corp_pk, external_userid, *emp, "from_customer", last_ours],
        )
        result.unanswered = int(unanswered[0]["n"]) if unanswered else 0
    theirs = [
        (str(r["tokens"]), str(r["text"]))
        for r in recent
        if r["direction"] == "from_customer" and not r["recalled_by"]
    ]
    result.keywords = keywords(theirs[:KEYWORD_WINDOW])
    return result, recent


def reply_times(messages: Sequence[tuple[str, int]]) -> list[float]:
    """Seconds from each customer turn's first message to our next message.

    ``messages`` are ``(direction, msgtime_ms)`` in time order. Customer messages that
    follow one another form one turn (the clock starts at the first); our messages that
    follow one another answer it once.
    """
    out: list[float] = []
    waiting_since: int | None = None
    for direction, at in messages:
        if direction == "from_customer":
            if waiting_since is None:
                waiting_since = at
        elif direction == "to_customer" and waiting_since is not None:
            out.append(max(0, at - waiting_since) / 1000)
            waiting_since = None
    return out


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, float(tfidf.median_idf)


def _tokenise(text: str) -> list[str]:
    return words(text)


@lru_cache(maxsize=100_000)
def _is_keyword(word: str) -> bool:
    """Whether a token may be a keyword (asked once per distinct token, not per use)."""
    return (
        len(word) >= 2
        and word not in STOP_WORDS
        and bool(_WORDLIKE.search(word))
        and not word.isdigit()
    )


def keywords(rows: Sequence[tuple[str, str]], top: int = KEYWORDS) -> list[dict[str, Any]]:
    """Top TF-IDF words of ``(tokens, text)`` rows; ``text`` is tokenised only when a row
    came without tokens."""
    counts: Counter[str] = Counter()
    for tokens, text in rows:
        words = tokens.split() if tokens else (_tokenise(text) if text else [])
        counts.update(words)
    for word in [w for w in counts if not _is_keyword(w)]:
        del counts[word]
    if not counts:
        return []
    idf, median = _idf()
    total = sum(counts.values())
    scored = sorted(
        ((count / total * idf.get(word, median), word, count) for word, count in counts.items()),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        {"word": word, "count": count, "score": round(score, 4)}
        for score, word, count in scored[:top]
    ]


def warm_up() -> None:
    """Load jieba's IDF table now rather than inside the first request."""
    _idf()
