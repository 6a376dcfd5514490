"""The consoles speak Chinese by default and English on request."""

from __future__ import annotations

import httpx

from wecom_app.consoles import i18n
from wecom_app.services import Services


def test_the_language_comes_from_the_cookie_then_accept_language() -> None:
    from starlette.requests import Request

    def request(headers: dict[str, str]) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "headers": raw})

    assert i18n.language_of(request({})) == "zh_Hans"
    assert i18n.language_of(request({"Accept-Language": "en-US,en;q=0.9"})) == "en"
    assert i18n.language_of(request({"Accept-Language": "zh-CN,en;q=0.5"})) == "zh_Hans"
    assert i18n.language_of(request({"Accept-Language": "en;q=0.4, zh;q=0.8"})) == "zh_Hans"
    assert i18n.language_of(request({"Accept-Language": "fr, en;q=0.1"})) == "en"
    assert i18n.language_of(request({"Accept-Language": "fr"})) == "zh_Hans"
    chosen = {"Accept-Language": "zh-CN", "Cookie": f"{i18n.LANG_COOKIE}=en"}
    assert i18n.language_of(request(chosen)) == "en"


def test_messages_fill_their_placeholders_after_translation() -> None:
    text = i18n.translate("zh_Hans", "unknown employees: {userids}", {"userids": "a, b"})
    assert text == "未知员工：a, b"
    assert i18n.translate("en", "unknown employees: {userids}", {"userids": "a"}) == (
        "unknown employees: a"
    )
    assert i18n.translate("zh_Hans", "a text from a service") == "a text from a service"


async def test_pages_are_chinese_by_default_and_english_on_request(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console/login")
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in page.text
    assert "使用企业微信登录" in page.text
    assert "Sign in with WeCom" not in page.text

    english = await client.get("/console/login", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text
    assert "Sign in with WeCom" in english.text


async def test_the_switch_remembers_the_choice(client: httpx.AsyncClient) -> None:
    switched = await client.get(
        "/console/lang", params={"to": "en", "next": "/console/login"}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/console/login"
    assert "Sign in with WeCom" in (await client.get("/console/login")).text
    back = await client.get(
        "/console/lang", params={"to": "zh_Hans", "next": "https://evil"}, follow_redirects=False
    )
    assert back.headers["location"] == "/console/"
    assert "使用企业微信登录" in (await client.get("/console/login")).text


async def test_errors_raised_in_handlers_are_translated(client: httpx.AsyncClient) -> None:
    refused = await client.get("/console/api/archive")
    assert refused.status_code == 401
    assert refused.json()["message"] == "请登录以继续。"
    english = await client.get("/console/api/archive", headers={"Accept-Language": "en"})
    assert english.json()["message"] == "Sign in to continue."


async def test_a_refused_form_says_why_in_the_reader_s_language(
    services: Services, client: httpx.AsyncClient
) -> None:
    from tests.consoles.test_privilege_audit import signed_in_admin

    _corp, csrf = await signed_in_admin(services, client)
    del client.headers["Accept-Language"]
    form = {"csrf_token": csrf, "userid": "lihua", "role": "manager", "scope_userids": "ghost"}
    refused = await client.post("/console/roles", data=form)
    assert refused.status_code == 400
    assert "不在本企业中：ghost。" in refused.text
    english = await client.post("/console/roles", data=form, headers={"Accept-Language": "en"})
    assert "Not in this organisation: ghost." in english.text
