"""Issue 16 (trust): WeCom's ``WW_verify_*.txt`` files are per tenant — served on a
tenant's own domain for that tenant only, and on the shared domain only for the tenant
the operator assigned it to (by default the self-built org)."""

from __future__ import annotations

from pathlib import Path

import httpx

from sidebar import verify_files
from tests.support.sidebar import SidebarWorld, sidebar_world
from wecom_app.kv import KV
from wecom_app.store.models import Corp
from wecom_app.store.sidebar import DomainVerifyFile

A_FILE, B_FILE = "WW_verify_AAAA1111.txt", "WW_verify_BBBB2222.txt"
B_CORP = "wwsecondtenant00001"


async def _two_tenants(world: SidebarWorld) -> None:
    other = await Corp.create(corp_id=B_CORP, mode="suite", status="active")
    await DomainVerifyFile.create(corp=world.corp, filename=A_FILE, content="aaaa")
    await DomainVerifyFile.create(corp=other, filename=B_FILE, content="bbbb")


async def _get(world: SidebarWorld, name: str, host: str = "") -> httpx.Response:
    headers = {"Host": host} if host else {}
    return await world.http.get(f"/{name}", headers=headers)


async def test_the_shared_domain_serves_only_the_assigned_tenant(
    tmp_path: Path, database: str, kv: KV
) -> None:
    async with sidebar_world(tmp_path, database, kv, customers=4, employees=2) as world:
        await _two_tenants(world)
        assert (await _get(world, A_FILE)).text == "aaaa"  # the self-built org, by default
        assert (await _get(world, B_FILE)).status_code == 404  # another tenant's: never


async def test_an_operator_assigns_the_shared_domain_and_tenants_have_their_own(
    tmp_path: Path, database: str, kv: KV
) -> None:
    async with sidebar_world(
        tmp_path,
        database,
        kv,
        customers=4,
        employees=2,
        WECOM_APP_VERIFY_FILES_SHARED_CORP=B_CORP,
        WECOM_APP_TENANT_HOSTS=f"{B_CORP}=b.example.com, other=c.example.com",
    ) as world:
        await _two_tenants(world)
        assert (await _get(world, B_FILE)).text == "bbbb"
        assert (await _get(world, A_FILE)).status_code == 404
        assert (await _get(world, B_FILE, "b.example.com")).text == "bbbb"
        assert (await _get(world, A_FILE, "b.example.com")).status_code == 404
        assert (await _get(world, B_FILE, "c.example.com")).status_code == 404


async def test_names_are_per_tenant_so_none_can_be_squatted(
    tmp_path: Path, database: str, kv: KV
) -> None:
    async with sidebar_world(tmp_path, database, kv, customers=4, employees=2) as world:
        squatter = await Corp.create(corp_id=B_CORP, mode="suite", status="active")
        await verify_files.upload(squatter.id, "someone", A_FILE, "squat")
        mine = await verify_files.upload(world.corp.id, "admin", A_FILE, "aaaa")
        assert mine.corp_id == world.corp.id
        assert (await _get(world, A_FILE)).text == "aaaa"
        again = await verify_files.upload(world.corp.id, "admin", A_FILE, "bbbb")
        assert again.id == mine.id
        assert await DomainVerifyFile.filter(filename=A_FILE).count() == 2
