"""The suite install in a real browser, inside the simulator: "Install with WeCom" opens
the simulated WeCom's install page, the admin picks the org and approves, WeCom sends the
browser back with the auth code, and the app holds a new tenant."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.browser.conftest import ARTIFACTS, Live
from tests.conftest import SECRET_KEY, TEST_SUITE_AES_KEY, TEST_SUITE_ID, TEST_SUITE_TOKEN
from wecom_app.secretbox import SecretBox
from wecom_app.simulator.generator import generate_org
from wecom_app.store.models import Corp, SuiteTicket
from wecom_app.tenants import store_suite_ticket

TIMEOUT_MS = 15_000
NEW_CORP = "wwbrowserinstall"


def _prepare(live: Live) -> None:
    """The simulator knows the app's suite, pushes its ticket, and has an org that has
    not installed it yet."""
    sim = live.sim
    sim.add_suite(
        TEST_SUITE_ID,
        secret="suite-secret-for-tests",
        token=TEST_SUITE_TOKEN,
        aes_key=TEST_SUITE_AES_KEY,
    )
    sim.add_org(generate_org(33, customers=8, employees=5, corp_id=NEW_CORP))
    ticket = sim.push_suite_ticket(TEST_SUITE_ID)

    async def deliver() -> bool:
        async with httpx.AsyncClient(timeout=10.0) as http:
            deliveries = await sim.deliver_callbacks(http, live.app_url)
        assert all(d.report.answered_success for d in deliveries)
        # What the inbox worker does with it (these servers run no worker).
        await store_suite_ticket(TEST_SUITE_ID, ticket, int(time.time()), SecretBox(SECRET_KEY))
        return await SuiteTicket.filter(suite_id=TEST_SUITE_ID).exists()

    assert live.run(deliver())


def test_install_with_wecom_runs_through_the_simulators_install_page(
    live: Live, browser: Any
) -> None:
    from playwright.sync_api import expect  # the browser fixture skips without it

    _prepare(live)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live.app_url}/console/install")
        page.click("button >> text=Install with WeCom")
        page.wait_for_url(f"{live.sim_url}/3rdapp/install?**")
        expect(page.locator("h1")).to_contain_text("安装应用")
        page.check(f"input[name=corpid][value={NEW_CORP}]")
        page.screenshot(path=str(ARTIFACTS / "install-simulator-page.png"), full_page=True)
        page.click("#approve")
        page.wait_for_url(f"{live.app_url}/console/**")
        expect(page.locator("body")).to_contain_text("installed into")
        page.screenshot(path=str(ARTIFACTS / "install-returned.png"), full_page=True)
    finally:
        context.close()

    async def tenant() -> tuple[str, str] | None:
        corp = await Corp.filter(corp_id=NEW_CORP).first()
        return None if corp is None else (corp.mode, corp.status)

    assert live.run(tenant()) == ("suite", "active")
    assert live.sim.calls["/cgi-bin/service/get_permanent_code"] == 1
