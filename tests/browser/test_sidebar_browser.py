"""The sidebar in a real browser, as the WeCom client shows it.

For each entry the client may open the sidebar from — a customer chat's toolbar
(``single_chat_tools``), a customer's profile (``contact_profile``), a customer group's
toolbar (``group_chat_tools``) — the page gets the client's ``wx`` object (a stand-in
recording every call, see ``wx_stub.js``), signs in through the simulated WeCom OAuth,
shows the customer, edits a tag, adds a note, sends a quick reply and opens the
successor view. The signatures the page handed to ``wx.config``/``wx.agentConfig`` are
checked against the simulator's tickets. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Live
from wecom_app.simulator.api_jsapi import jsapi_state
from wecom_app.store.sidebar import CustomerNote

STUB = (Path(__file__).parent / "wx_stub.js").read_text()
TIMEOUT_MS = 15_000


def open_sidebar(live: Live, browser: Any, context: dict[str, str]) -> tuple[Any, Any]:
    """A browser context with the client's ``wx``; signs in by picking the employee on
    the simulated WeCom sign-in page, then lands on the sidebar."""
    page_context = browser.new_context(viewport={"width": 380, "height": 900})
    page_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.app_url)
    page_context.add_init_script(f"window.__WECOM_CONTEXT__ = {json.dumps(context)};")
    page_context.add_init_script(STUB)
    page = page_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live.app_url}/sidebar/?corp={live.org.corp_id}")
    # WeCom's sign-in (simulated): the member the client is signed in as.
    page.wait_for_url(f"{live.sim_url}/connect/oauth2/authorize*")
    page.click(f"a.who[href$='userid={live.cast.employee}']")
    page.wait_for_url(f"{live.app_url}/sidebar/*")
    return page_context, page


def check_signatures(live: Live, page: Any) -> None:
    calls = page.evaluate("window.__wxCalls")
    config = next(c for c in calls if c[0] == "config")
    agent = next(c for c in calls if c[0] == "agentConfig")
    state = jsapi_state(live.sim)
    for kind, (_, cfg, url) in (("config", config), ("agent_config", agent)):
        result = state.check(
            kind,
            live.org.corp_id,
            url,
            cfg["nonceStr"],
            str(cfg["timestamp"]),
            cfg["signature"],
            str(cfg.get("agentid", "")),
        )
        assert result == 0, (kind, cfg)
    assert config[1]["appId"] == live.org.corp_id
    assert "sendChatMessage" in agent[1]["jsApiList"]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"sidebar-{name}.png"), full_page=True)


def edit_a_tag(live: Live, page: Any, label: str) -> None:
    page.click("[data-test=tab-overview]")
    page.click("[data-test=edit-tags]")
    chip = page.locator("[data-test=tag-editor] button.chip.toggle:not(.on)").first
    tag_id = chip.get_attribute("data-tag")
    tag_name = chip.inner_text()
    chip.click()
    page.click("[data-test=save-tags]")
    page.locator("[data-test=tag-list]", has_text=tag_name).wait_for()
    relation = live.org.follows_by_user[live.cast.employee][live.cast.customer]
    assert tag_id in relation.tag_ids, "the tag reached WeCom (mark_tag)"
    shot(page, f"{label}-tag")


def add_a_note(live: Live, page: Any, label: str) -> None:
    text = f"浏览器测试记录 {label}"
    page.fill("[data-test=note-text]", text)
    page.click("[data-test=add-note]")
    page.locator("[data-test=note-list]", has_text=text).wait_for()

    async def stored() -> int:
        return await CustomerNote.filter(external_userid=live.cast.customer, text=text).count()

    assert live.run(stored()) == 1


def send_a_quick_reply(page: Any, label: str, *, can_send: bool) -> None:
    page.click("[data-test=tab-replies]")
    button = page.locator("[data-test=send-reply]").first
    content = button.locator("xpath=..").locator("p").first.inner_text()
    button.click()
    if can_send:
        page.wait_for_function("window.__sent.length === 1")
        sent = page.evaluate("window.__sent")
        assert sent == [{"msgtype": "text", "text": {"content": content}}]
    else:
        # From a customer's profile WeCom has no chat to send into: the page copies.
        assert button.inner_text() == "复制"
        page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
        assert page.evaluate("navigator.clipboard.readText()") == content
        assert page.evaluate("window.__sent") == []
    shot(page, f"{label}-reply")


def open_the_successor_view(live: Live, page: Any, label: str) -> None:
    page.click("[data-test=tab-overview]")
    banner = page.locator("[data-test=successor-banner]")
    banner.wait_for()
    page.click("[data-test=open-successor]")
    page.locator("[data-test=successor-view]").wait_for()
    messages = page.locator("[data-test=predecessor-message]")
    messages.first.wait_for()
    assert messages.count() > 0
    assert page.locator("[data-test=history] [data-test=message]").count() == 0
    shot(page, f"{label}-successor")


@pytest.mark.parametrize(
    "entry", ["single_chat_tools", "contact_profile", "group_chat_tools"], ids=lambda e: e
)
def test_the_sidebar_from_each_entry(live: Live, browser: Any, entry: str) -> None:
    cast = live.cast
    context = {"entry": entry, "userId": cast.customer, "chatId": cast.group}
    page_context, page = open_sidebar(live, browser, context)
    try:
        if entry == "group_chat_tools":
            page.locator("[data-test=group-name]").wait_for()
            assert (
                page.inner_text("[data-test=group-name]") == live.org.group_chats[cast.group].name
            )
            shot(page, f"{entry}-group")
            page.click(f"[data-test=group-customer][data-customer='{cast.customer}']")
        name = page.locator("[data-test=customer-name]")
        name.wait_for()
        assert live.org.customers[cast.customer].name in name.inner_text()
        check_signatures(live, page)
        invoked = [c[1] for c in page.evaluate("window.__wxCalls") if c[0] == "invoke"]
        expected = "getCurExternalChat" if entry == "group_chat_tools" else "getCurExternalContact"
        assert invoked[:2] == ["getContext", expected]
        shot(page, f"{entry}-profile")
        edit_a_tag(live, page, entry)
        add_a_note(live, page, entry)
        send_a_quick_reply(page, entry, can_send=entry != "contact_profile")
        open_the_successor_view(live, page, entry)
    finally:
        page_context.close()


def test_outside_wecom_the_page_says_where_to_open_it(live: Live, browser: Any) -> None:
    page_context = browser.new_context()
    page = page_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live.app_url}/sidebar/?corp={live.org.corp_id}")
        page.wait_for_url(f"{live.sim_url}/connect/oauth2/authorize*")
        page.click(f"a.who[href$='userid={live.cast.employee}']")
        page.locator("[data-test=error]").wait_for()
        assert "企业微信" in page.inner_text("[data-test=error]")
        shot(page, "outside-wecom")
    finally:
        page_context.close()


def test_opened_without_a_customer_the_page_says_where_to_open_it(live: Live, browser: Any) -> None:
    """Inside WeCom but from an entry with no customer or group (the app's home page,
    ``normal``): a plain message, no profile, no failed calls."""
    context = {"entry": "normal", "userId": "", "chatId": ""}
    page_context, page = open_sidebar(live, browser, context)
    try:
        page.locator("[data-test=error]").wait_for()
        text = page.inner_text("[data-test=error]")
        assert "工具栏" in text
        assert "normal" in text
        assert page.locator("[data-test=customer-name]").count() == 0
        invoked = [c[1] for c in page.evaluate("window.__wxCalls") if c[0] == "invoke"]
        assert invoked == ["getContext"]
        check_signatures(live, page)
        shot(page, "no-context")
    finally:
        page_context.close()


def test_the_preview_plays_the_client(live: Live, browser: Any) -> None:
    page_context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = page_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live.app_url}/sidebar/preview")
        page.locator(f"[data-test=employee] option[value='{live.cast.employee}']").wait_for(
            state="attached"
        )
        page.select_option("[data-test=employee]", live.cast.employee)
        page.locator(f"[data-test=target] option[value='{live.cast.customer}']").wait_for(
            state="attached"
        )
        page.select_option("[data-test=entry]", "single_chat_tools")
        page.select_option("[data-test=target]", live.cast.customer)
        page.click("[data-test=open]")
        frame = page.frame_locator("[data-test=frame]")
        frame.locator("[data-test=customer-name]").wait_for()
        frame.locator("[data-test=tab-replies]").click()
        button = frame.locator("[data-test=send-reply]").first
        content = button.locator("xpath=..").locator("p").first.inner_text()
        button.click()
        page.locator("[data-test=sent] li", has_text=content).wait_for()
        log = page.inner_text("[data-test=log]")
        # The preview's wx checked our signatures with the simulator and went on.
        assert "wx.config failed" not in log
        assert "wx.invoke getCurExternalContact → getCurExternalContact:ok" in log
        shot(page, "preview")
    finally:
        page_context.close()
