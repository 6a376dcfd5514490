"""The admin console's live pages in a real browser: a running transfer plan's counts
update while the page is open (no reload), and the page reloads when the plan ends."""

from __future__ import annotations

import time
from typing import Any

from tests.browser.conftest import ARTIFACTS, Live
from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferItem, TransferPlan
from wecom_app.transfer import rules

TIMEOUT_MS = 15_000


def sign_in_to_console(live: Live, browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live.app_url}/console/login")
    page.click("a.button >> text=Scan the QR code")
    page.wait_for_url(f"{live.sim_url}/**")
    page.click(f"a.who[href$='userid={live.cast.employee}']")
    page.wait_for_url(f"{live.app_url}/console/**")
    return context, page


def test_a_running_plan_updates_its_counts_live(live: Live, browser: Any) -> None:
    from playwright.sync_api import expect  # the browser fixture skips without it

    handover = next(
        u for u in live.org.employees if u not in (live.cast.employee, live.cast.predecessor)
    )

    async def running_plan() -> tuple[int, list[int]]:
        corp = await Corp.get(corp_id=live.org.corp_id)
        now = time.time()
        plan = await TransferPlan.create(
            corp=corp,
            handover_userid=handover,
            mode=rules.ONJOB,
            status=rules.RUNNING,
            strategy=rules.SINGLE,
            created_at=now,
            updated_at=now,
            submitted_at=now,
        )
        ids = []
        for n in range(3):
            item = await TransferItem.create(
                plan=plan,
                corp=corp,
                kind=rules.CUSTOMER,
                target_id=f"wmlive{n}",
                takeover_userid=live.cast.employee,
                mode=rules.ONJOB,
                status=rules.WAITING,
            )
            ids.append(item.id)
        return plan.id, ids

    plan_id, item_ids = live.run(running_plan())
    context, page = sign_in_to_console(live, browser)
    try:
        page.goto(f"{live.app_url}/console/transfers/{plan_id}")
        waiting = page.locator('[data-count="customers:waiting"]')
        assert waiting.inner_text() == "3"
        assert page.inner_text('[data-field="final"]') == "0"

        async def finish(ids: list[int], status: str) -> None:
            await TransferItem.filter(id__in=ids).update(status=status)

        live.run(finish(item_ids[:2], rules.DONE))
        # (The console's CSP forbids evaluated strings: wait through locators.)
        expect(page.locator('[data-count="customers:done"]')).to_have_text("2")
        assert waiting.inner_text() == "1"
        assert page.inner_text('[data-field="final"]') == "2"
        page.screenshot(path=str(ARTIFACTS / "console-transfer-live.png"), full_page=True)

        async def close() -> None:
            await TransferItem.filter(id=item_ids[2]).update(status=rules.REFUSED)
            await TransferPlan.filter(id=plan_id).update(status=rules.PLAN_DONE)

        live.run(close())
        # The plan ended: the page reloads and stops polling (no live attribute).
        expect(page.locator("[data-live-plan]")).to_have_count(0)
        assert page.inner_text('[data-count="customers:refused"]') == "1"
    finally:
        context.close()
