"""The demo's steps 1–6: WeCom installs the suite, the first sync runs, live callbacks.

Each step drives the simulator the way WeCom and its users would (a suite ticket
pushed, an admin installing from our link, customers added and tagged) and then waits
for the product to have done its part, saying what happened as it goes.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from wecom_app.consoles.auth import install_page_url
from wecom_app.directory import timeline
from wecom_app.install.suite import complete_install, install_link
from wecom_app.services import Services
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org
from wecom_app.store import inbox
from wecom_app.store.directory import SyncRun
from wecom_app.store.models import Corp, SuiteTicket

INSTALL_RETURN_PATH = "/console/install/return"

Say = Callable[[str], None]


async def _deliver(sim: Simulator, http: httpx.AsyncClient, base: str, say: Say) -> None:
    for delivery in await sim.deliver_callbacks(http, base):
        if not delivery.report.answered_success:
            say(f"  callback not accepted: {delivery.report.statuses}")


async def _until(check: Callable[[], Any], *, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def install_suite(
    services: Services,
    sim: Simulator,
    org: Org,
    http: httpx.AsyncClient,
    base: str,
    say: Say,
) -> Corp:
    """Steps 1–4: suite ticket, install link, the admin installs, the tenant is active."""
    suite = services.settings.suite
    assert suite is not None
    say("\n1. WeCom pushes the suite ticket (every 10 minutes) to /callbacks/suite")
    sim.push_suite_ticket(suite.suite_id)
    await _deliver(sim, http, base, say)

    async def ticket_stored() -> bool:
        return await SuiteTicket.filter(suite_id=suite.suite_id).exists()

    await _until(ticket_stored, timeout_s=10, what="the suite ticket")
    say("2. install link: suite token → pre-auth code → WeCom's (simulated) install page")
    state = secrets.token_urlsafe(8)
    link = await install_link(
        services,
        redirect_uri=base + INSTALL_RETURN_PATH,
        state=state,
        test_install=True,
        page=install_page_url(services.settings),  # the simulator's own install page
    )
    say(f"   {link[:110]}…")
    auth_code = await _approve_on_install_page(http, link, org.corp_id)
    say("3. the admin installs; WeCom redirects back with the auth code, and also pushes")
    say("   create_auth with the same code: whichever comes first is exchanged, once")
    sim.callbacks.emit_suite(suite.suite_id, "create_auth", {"AuthCode": auth_code, "State": state})
    await _deliver(sim, http, base, say)
    response = await http.get(
        base + INSTALL_RETURN_PATH, params={"auth_code": auth_code, "state": state}
    )
    if response.status_code == 404:  # a build without the console: do what it would
        await complete_install(services, auth_code, source="redirect")

    async def installed() -> Corp | None:
        return await Corp.filter(corp_id=org.corp_id, status="active", mode="suite").first()

    corp: Corp = await _until(installed, timeout_s=15, what="the install")
    exchanges = sim.calls["/cgi-bin/service/get_permanent_code"]
    say(
        f"4. permanent code exchanged ({exchanges} call), sealed at rest; tenant "
        f"{corp.name} ({corp.corp_id}) is {corp.status}"
    )
    return corp


async def _approve_on_install_page(http: httpx.AsyncClient, link: str, corp_id: str) -> str:
    """What the admin does in the browser: open WeCom's install page, pick the org,
    approve; the redirect back carries the auth code."""
    page = await http.get(link)
    page.raise_for_status()
    parts = urlsplit(link)
    form = {k: v[0] for k, v in parse_qs(parts.query).items()}
    approve = f"{parts.scheme}://{parts.netloc}{parts.path}/approve"
    answer = await http.post(approve, data={**form, "corpid": corp_id})
    if answer.status_code != 302:
        raise RuntimeError(f"the install page refused: {answer.text[:200]}")
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    return back["auth_code"][0]


async def wait_for_sync(corp: Corp, say: Say) -> None:
    """Step 5: follow the initial full sync (a background job) until it ends."""
    say("5. the initial full sync runs as a background job:")
    last = ""

    async def finished() -> SyncRun | None:
        nonlocal last
        run = await SyncRun.filter(corp_id=corp.id).order_by("-id").first()
        if run is None:
            return None
        line = f"   {run.status:<8} {run.stage:<12} " + "  ".join(
            f"{k} {v:,}" for k, v in run.counts.items()
        )
        if line != last:
            say(line)
            last = line
        return run if run.status in ("done", "failed", "paused", "cancelled") else None

    run: SyncRun = await _until(finished, timeout_s=40, what="the initial sync")
    if run.status != "done":
        say(f"   the sync stopped: {run.error}")


async def live_callbacks(
    services: Services,
    sim: Simulator,
    org: Org,
    corp: Corp,
    http: httpx.AsyncClient,
    base: str,
    say: Say,
) -> None:
    """Step 6: people act in WeCom, its callbacks arrive and show in the timeline."""
    say("6. live callbacks from WeCom:")
    sellers = live_sellers(org)
    seller = sellers[0]
    newcomer = sim.add_customer(org.corp_id, seller, state="demo_live", remark="展会新客户")
    say(f"   - {newcomer.name} adds {seller} (add_external_contact)")
    lost = org.customers_of(sellers[1])[0]
    sim.employee_deletes_customer(org.corp_id, lost.userid, lost.external_userid)
    lost_name = org.customers[lost.external_userid].name
    say(f"   - {lost.userid} deletes {lost_name} (del_external_contact)")
    tagged = next(
        r for r in org.customers_of(seller) if r.external_userid != newcomer.external_userid
    )
    new_tag = next(t for t in org.tags if t not in tagged.tag_ids)
    sim.employee_edits_customer(org.corp_id, seller, tagged.external_userid, add_tags=[new_tag])
    tagged_name = org.customers[tagged.external_userid].name
    say(f"   - {seller} tags {tagged_name} 「{org.tags[new_tag].name}」 (edit_external_contact)")
    chat = next(c for c in org.group_chats.values() if c.owner in org.employees)
    sim.join_group_chat(org.corp_id, chat.chat_id, [newcomer.external_userid])
    say(f"   - {newcomer.name} joins the group chat 「{chat.name}」 (change_external_chat)")
    await _deliver(sim, http, base, say)

    async def applied() -> bool:
        counts = await inbox.backlog()
        return not counts.get("pending") and not counts.get("processing")

    await _until(applied, timeout_s=15, what="the callbacks to be applied")
    for external_userid, name in (
        (newcomer.external_userid, newcomer.name),
        (lost.external_userid, lost_name),
        (tagged.external_userid, tagged_name),
    ):
        entries = await timeline.for_customer(corp.id, external_userid, limit=4)
        kinds = ", ".join(f"{e.kind}{_detail(e.userid, e.detail)}" for e in reversed(entries))
        say(f"   timeline of {name}: {kinds}")


def live_sellers(org: Org) -> list[str]:
    """The two sellers step 6 acts as (the departure story leaves them be)."""
    return [e.userid for e in org.active_employees() if e.customer_contact][:2]


def _detail(userid: str, detail: dict[str, Any]) -> str:
    added = detail.get("added")
    if isinstance(added, list) and added:
        return " +" + "/".join(str(t.get("name", "")) for t in added if isinstance(t, dict))
    if detail.get("chat_name"):
        return f" 「{detail['chat_name']}」"
    return f" ({userid})" if userid else ""
