"""The query language, the terms and the index key: pure functions, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wecom_app.search import keys
from wecom_app.search.highlight import snippet, spans
from wecom_app.search.matcher import query_matches
from wecom_app.search.postgres import tsquery_text, tsvector_literal
from wecom_app.search.query import AllOf, AnyOf, Phrase, QueryError, parse_query
from wecom_app.search.request import (
    Cursor,
    decode_cursor,
    parse_filters,
    parse_request,
    parse_time,
)
from wecom_app.search.sqlite import fts5_query
from wecom_app.text.terms import filter_term, index_terms, phrase_terms, runs


def test_jieba_would_miss_this_but_the_terms_do_not() -> None:
    import jieba

    # the reason the index is not jieba's words: in context 返现 is cut apart
    assert "返现" not in jieba.lcut("返现金额是多少")
    assert "返现" in index_terms("返现金额是多少")
    assert query_matches(parse_query("返现"), index_terms("返现金额是多少"))


def test_terms_of_runs() -> None:
    assert index_terms("返现金额") == ["返现", "现金", "金额", "额"]
    assert index_terms("13812") == ["138", "381", "812", "12", "2"]
    assert index_terms("ｉＰｈｏｎｅ１５") == ["iphone", "15", "5"]
    assert index_terms("138-1234 5678") == index_terms("13812345678")
    assert index_terms("3.5") == ["3", "5"]
    assert index_terms("!!! ... 😀") == []


def test_words_phrases_or_and_exclusions() -> None:
    q = parse_query('返现 "私下 转账" -红包 回扣 OR 好处费')
    assert q.must[0] == Phrase(("返现",), False, "返现")
    assert q.must[1] == Phrase(("私下", "下转", "转账"), False, "私下 转账")
    assert isinstance(q.must[2], AnyOf)
    assert q.must_not == (Phrase(("红包",), False, "红包"),)


def test_chinese_words_are_split_by_jieba_and_single_characters_stick() -> None:
    q = parse_query("私下转账")
    assert isinstance(q.must[0], AllOf)
    assert [p.source for p in q.phrases()] == ["私下", "转账"]
    # 加 on its own would find half the archive: it sticks to its neighbour
    assert [p.source for p in parse_query("加微信").phrases()] == ["加微信"]
    single = parse_query("钱").must[0]
    assert single == Phrase(("钱",), True, "钱")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type something"),
        ("   ", "Type something"),
        ('"返现', "closing quote"),
        ("返现 OR", "OR needs"),
        ("OR 返现", "OR needs"),
        ("返现 OR OR 回扣", "OR needs"),
        ("返现 OR -回扣", "excluded"),
        ("-返现", "at least one word"),
        ("*", "Nothing to search for"),
        ("^ ' ; --", "Nothing to search for"),
        ("x" * 257, "too long"),
        (" ".join(["返现"] * 17), "too many parts"),
    ],
)
def test_malformed_queries_get_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


@pytest.mark.parametrize(
    "hostile",
    [
        "NEAR(返现 转账, 5)",
        "返现*",
        '返现" OR "1"="1',
        "'; DROP TABLE archive_messages; --",
        "^返现",
        "corp:wwother 返现",
        "{w f}:返现",
        "返现 AND NOT 红包",
        "a\\' OR 1=1",
    ],
)
def test_operators_and_sql_become_quoted_terms(hostile: str) -> None:
    try:
        q = parse_query(hostile)
    except QueryError:
        return  # refused is fine too (an unbalanced quote)
    fts = fts5_query(q, [("fe0123",)])
    ts = tsquery_text(q, [("fe0123",)])
    for phrase in q.phrases():
        for term in phrase.terms:
            # only letters, digits and Chinese: nothing an engine could read as syntax
            assert all(ch.isalnum() for ch in term), term
    # every operator in the compiled text is one we put there
    stripped = fts
    for phrase in q.phrases():
        stripped = stripped.replace('"' + " ".join(phrase.terms) + '"', "P")
    assert set(stripped.replace("P", "").replace('"fe0123"', "")) <= set("() ANDOTR*")
    assert ";" not in ts
    assert "DROP" not in fts


def test_filters_and_request_parameters() -> None:
    f = parse_filters(
        {
            "employee": "zhangwei, lisi",
            "direction": "room",
            "since": "2024-03-04",
            "until": "2024-03-04",
        }
    )
    assert f.employees == ("zhangwei", "lisi")
    assert f.until is not None
    assert f.since is not None
    assert f.until - f.since == 86_400  # a whole day, China time
    assert parse_time("2024-03-04") == 1_709_481_600
    assert parse_time("2024-03-04T09:00:00+00:00") == 1_709_542_800
    assert parse_time("1709481600000") == 1_709_481_600
    with pytest.raises(QueryError):
        parse_filters({"direction": "sideways"})
    with pytest.raises(QueryError):
        parse_filters({"since": "yesterday"})
    with pytest.raises(QueryError):
        parse_filters({"since": "2024-03-05", "until": "2024-03-04"})
    req = parse_request({"q": "返现", "sort": "relevance", "limit": "10", "cursor": "-1.5~42"})
    assert req.cursor == Cursor(42, -1.5)
    with pytest.raises(QueryError):
        parse_request({"q": "返现", "limit": "1000"})
    with pytest.raises(QueryError):
        parse_request({"q": "返现", "cursor": "-1.5~42"})  # a relevance cursor, time order
    assert decode_cursor(Cursor(99).encode(), "time") == Cursor(99)
    with pytest.raises(QueryError):
        decode_cursor("1; DROP", "time")


def test_keys_order_by_tenant_then_time() -> None:
    a = keys.preferred_key(3, 1_709_514_000_000, 7)
    b = keys.preferred_key(3, 1_709_514_000_001, 7)
    c = keys.preferred_key(3, 1_709_514_001_000, 1)
    d = keys.preferred_key(4, 1_300_000_000_000, 1)
    assert a < b < c < d
    assert keys.corp_of(c) == 3
    assert keys.seconds_of(c) == 1_709_514_001
    low, high = keys.corp_range(3)
    assert low <= a
    assert c <= high < d
    t_low, t_high = keys.time_range(3, 1_709_514_000, 1_709_514_001)
    assert t_low <= a <= b <= t_high < c
    assert keys.time_range(3, None, None) == (low, high)
    with pytest.raises(keys.KeyRangeError):
        keys.preferred_key(keys.MAX_CORP + 1, 0, 0)


def test_tsvector_and_tsquery_literals_quote_everything() -> None:
    assert tsvector_literal(["返现", "it's"], ["fe0abc"]) == "'返现':1 'it''s':2 'fe0abc'"
    q = parse_query('"转账 13812" -钱')
    assert tsquery_text(q) == "('转账' <-> '账' <-> '138' <-> '381' <-> '812') & !('钱':*)"
    assert fts5_query(q) == '("转账 账 138 381 812") NOT ("钱" *)'


def test_filter_terms_never_collide_with_text_terms() -> None:
    term = filter_term("e", "zhangwei")
    assert term not in index_terms(term)  # the text would split letters from digits


def test_snippet_windows_and_escaping() -> None:
    text = "前面" * 100 + "<返现>" + "后面" * 100
    html = str(snippet(text, parse_query("返现").phrases()))
    assert html.startswith("…")
    assert html.endswith("…")
    assert "&lt;<mark>返现</mark>&gt;" in html
    assert len(html) < 260
    assert spans("iphone iphones IPHONE", parse_query("iphone").phrases()) == [(0, 6), (15, 21)]


CJK = "返现私下转账微信加我回扣的了是你他红包金额"


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=CJK + "0123456789 ，。AbC-", min_size=1, max_size=40),
    st.data(),
)
def test_any_chinese_or_digit_substring_is_found_and_highlighted(
    text: str, data: st.DataObject
) -> None:
    """The promise of the terms: a Chinese or digit substring of a message, typed as a
    phrase, matches the message's terms, and the highlight covers it."""
    parts = [r for r in runs(text) if r.cls in ("c", "d")]
    if not parts:
        return
    run = data.draw(st.sampled_from(parts))
    start = data.draw(st.integers(0, len(run.text) - 1))
    end = data.draw(st.integers(start + 1, len(run.text)))
    needle = run.text[start:end]
    query = parse_query(f'"{needle}"')
    assert query_matches(query, index_terms(text)), (text, needle)
    assert spans(text, query.phrases()), (text, needle)
    terms, _ = phrase_terms(needle)
    assert terms


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=CJK + "0123456789", min_size=1, max_size=30),
    st.text(alphabet=CJK, min_size=1, max_size=4),
)
def test_the_matcher_agrees_with_substring_search(text: str, needle: str) -> None:
    """For Chinese text and a Chinese phrase: found exactly when it is a substring."""
    assert query_matches(parse_query(f'"{needle}"'), index_terms(text)) == (needle in text)
