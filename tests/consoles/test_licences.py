"""The admin console's licences page: who WeCom blocks for lack of an interface licence."""

from __future__ import annotations

from tests.support.consoles import (
    ConsoleWorld,
)
from wecom_app import licences


async def test_the_licences_page_lists_blocked_members_and_their_features(
    world: ConsoleWorld,
) -> None:
    member = world.members(world.org_a, skip=(world.admin_a,))[0]
    name = world.org_a.employees[member].name
    now = world.services.clock()
    kv, corp_id = world.services.kv_store, world.corp_a.corp_id
    await licences.record_blocked(kv, corp_id, [member], "sidebar", now)
    await licences.record_blocked(kv, world.corp_b.corp_id, ["someone-else"], "tags", now)
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = await admin.get("/console/licences")
        assert page.status_code == 200
        assert member in page.text
        assert name in page.text
        assert licences.FEATURES["sidebar"] in page.text
        assert "someone-else" not in page.text  # another tenant's rows stay out
        assert 'href="/console/licences"' in (await admin.get("/console/")).text


async def test_the_licences_page_says_when_nobody_is_blocked(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = await admin.get("/console/licences")
        assert "No member is blocked" in page.text


async def test_only_admins_see_the_licences_page(world: ConsoleWorld) -> None:
    member = world.members(world.org_a, skip=(world.admin_a,))[0]
    async with world.signed_in(world.app_a, member) as browser:
        page = await browser.get("/console/licences")
        assert page.status_code in (302, 303, 403)
