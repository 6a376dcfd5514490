"""The sidebar's page in the admin console (``/console/sidebar``): settings, the shared
quick replies and WeCom's domain-verification files, for admins of the signed-in
tenant only. Signed in end to end through the simulated WeCom (two tenants)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.consoles import ConsoleWorld, console_world
from wecom_app.kv import KV
from wecom_app.store.directory import ConsoleRole
from wecom_app.store.sidebar import DomainVerifyFile, QuickReply, SidebarSettings

PAGE = "/console/sidebar"


@pytest.fixture
async def world(
    tmp_path: Path, database: str, kv: KV, clock: FakeClock
) -> AsyncIterator[ConsoleWorld]:
    async with console_world(tmp_path, database, kv, clock) as built:
        yield built


async def test_only_admins_open_the_page(world: ConsoleWorld) -> None:
    member = world.members(world.org_a, skip=(world.admin_a,))[0]
    await ConsoleRole.create(corp=world.corp_a, userid=member, role="compliance")
    async with world.signed_in(world.app_a, member) as browser:
        assert (await browser.get(PAGE)).status_code == 403
        token = await browser.csrf("/console/")
        refused = await browser.post(
            f"{PAGE}/replies", data={"csrf_token": token, "content": "不该出现"}
        )
        assert refused.status_code == 403
    assert not await QuickReply.exists()
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        page = await admin.get(PAGE)
        assert page.status_code == 200
        assert "http://127.0.0.1:8000/sidebar/" in page.text
        assert 'href="/console/sidebar"' in page.text  # in the console's navigation


async def test_settings_are_saved_and_validated(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        token = await admin.csrf(PAGE)
        form = {
            "csrf_token": token,
            # successor_view unchecked: turned off
            "refresh_minutes": "15",
            "pipeline": "lead 线索\n\nmeeting 已约见\nwon 成交\n",
            "custom_fields": "budget | 预算 | number\nlevel | 级别 | select | A, B, C\n",
        }
        saved = await admin.post(f"{PAGE}/settings", data=form)
        assert saved.status_code == 303, saved.text
        row = await SidebarSettings.get(corp_id=world.corp_a.id)
        assert row.successor_view is False
        assert row.refresh_minutes == 15
        assert [s["key"] for s in row.pipeline] == ["lead", "meeting", "won"]
        assert row.pipeline[1]["name"] == "已约见"
        assert row.custom_fields[1] == {
            "key": "level",
            "label": "级别",
            "type": "select",
            "options": ["A", "B", "C"],
        }
        page = (await admin.get(PAGE)).text
        assert "meeting 已约见" in page
        assert "level | 级别 | select | A, B, C" in page
        for bad in (
            {"pipeline": "Bad-Key 名字"},
            {"pipeline": "onlykey"},
            {"pipeline": ""},
            {"custom_fields": "x | X | colour"},
            {"custom_fields": "pick | 选择 | select"},
            {"refresh_minutes": "0"},
            {"refresh_minutes": "soon"},
        ):
            answer = await admin.post(f"{PAGE}/settings", data={**form, **bad})
            assert answer.status_code == 400, bad
        await row.refresh_from_db()
        assert [s["key"] for s in row.pipeline] == ["lead", "meeting", "won"]
        assert row.refresh_minutes == 15
        # Turned on again with the box checked.
        await admin.post(f"{PAGE}/settings", data={**form, "successor_view": "on"})
        await row.refresh_from_db()
        assert row.successor_view is True
    # Another tenant's settings are its own.
    assert not await SidebarSettings.filter(corp_id=world.corp_b.id).exists()


async def test_shared_quick_replies_per_tenant(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        token = await admin.csrf(PAGE)
        added = await admin.post(
            f"{PAGE}/replies",
            data={"csrf_token": token, "group": "开场", "title": "问候", "content": "您好！"},
        )
        assert added.status_code == 303
        reply = await QuickReply.get(corp_id=world.corp_a.id)
        assert (reply.owner_userid, reply.group_name, reply.content) == ("", "开场", "您好！")
        assert "您好！" in (await admin.get(PAGE)).text
        empty = await admin.post(f"{PAGE}/replies", data={"csrf_token": token, "content": " "})
        assert empty.status_code == 400
        edited = await admin.post(
            f"{PAGE}/replies/{reply.id}/edit",
            data={"csrf_token": token, "group": "开场", "title": "问候", "content": "您好呀"},
        )
        assert edited.status_code == 303
        await reply.refresh_from_db()
        assert reply.content == "您好呀"
    # Tenant B's admin can neither see nor delete tenant A's reply.
    async with world.signed_in("suite", world.admin_b) as other:
        token_b = await other.csrf(PAGE)
        assert "您好呀" not in (await other.get(PAGE)).text
        gone = await other.post(f"{PAGE}/replies/{reply.id}/delete", data={"csrf_token": token_b})
        assert gone.status_code == 404
    assert await QuickReply.filter(id=reply.id).exists()
    # A personal reply is not the admin's to delete here.
    personal = await QuickReply.create(
        corp_id=world.corp_a.id, owner_userid=world.admin_a, content="我的"
    )
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        token = await admin.csrf(PAGE)
        mine = await admin.post(f"{PAGE}/replies/{personal.id}/delete", data={"csrf_token": token})
        assert mine.status_code == 404
        ok = await admin.post(f"{PAGE}/replies/{reply.id}/delete", data={"csrf_token": token})
        assert ok.status_code == 303
    assert not await QuickReply.filter(id=reply.id).exists()
    assert await QuickReply.filter(id=personal.id).exists()


async def test_verify_files_are_uploaded_served_and_removed(world: ConsoleWorld) -> None:
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        token = await admin.csrf(PAGE)
        uploaded = await admin.post(
            f"{PAGE}/verify-files",
            data={"csrf_token": token},
            files={"file": ("WW_verify_Ab12Cd34.txt", b"Xy9zQw8R\n", "text/plain")},
        )
        assert uploaded.status_code == 303, uploaded.text
        served = await admin.get("/WW_verify_Ab12Cd34.txt")
        assert served.status_code == 200
        assert served.text == "Xy9zQw8R"
        assert served.headers["content-type"].startswith("text/plain")
        assert "http://127.0.0.1:8000/WW_verify_Ab12Cd34.txt" in (await admin.get(PAGE)).text
        pasted = await admin.post(
            f"{PAGE}/verify-files",
            data={"csrf_token": token, "filename": "WW_verify_Zz99.txt", "content": "abc"},
        )
        assert pasted.status_code == 303
        for name, content in (
            ("../etc/passwd", "x"),
            ("WW_verify_ok.txt", "two words"),
            ("WW_verify_ok.txt", "中文"),
        ):
            bad = await admin.post(
                f"{PAGE}/verify-files",
                data={"csrf_token": token, "filename": name, "content": content},
            )
            assert bad.status_code == 400, name
    # Another tenant may keep a file of the same name (names are per tenant, so none
    # can be squatted), but the shared domain still serves only tenant A's (the
    # self-built org), and B removes only its own.
    async with world.signed_in("suite", world.admin_b) as other:
        token_b = await other.csrf(PAGE)
        taken = await other.post(
            f"{PAGE}/verify-files",
            data={"csrf_token": token_b, "filename": "WW_verify_Ab12Cd34.txt", "content": "evil"},
        )
        assert taken.status_code == 303
        assert (await other.get("/WW_verify_Ab12Cd34.txt")).text == "Xy9zQw8R"
        removed = await other.post(
            f"{PAGE}/verify-files/delete",
            data={"csrf_token": token_b, "filename": "WW_verify_Ab12Cd34.txt"},
        )
        assert removed.status_code == 303
        assert (await other.get("/WW_verify_Ab12Cd34.txt")).text == "Xy9zQw8R"
    async with world.signed_in(world.app_a, world.admin_a) as admin:
        token = await admin.csrf(PAGE)
        removed = await admin.post(
            f"{PAGE}/verify-files/delete",
            data={"csrf_token": token, "filename": "WW_verify_Ab12Cd34.txt"},
        )
        assert removed.status_code == 303
        assert (await admin.get("/WW_verify_Ab12Cd34.txt")).status_code == 404
    assert await DomainVerifyFile.filter(corp_id=world.corp_a.id).count() == 1
