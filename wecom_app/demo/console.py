"""The demo's operator console (``/demo/``): buttons for what people do in WeCom.

Served by the app in ``wecom-app demo`` only (the demo mounts it; the product has no
such page). Each button calls the simulator's :class:`~wecom_app.simulator.operator.
Operator` in-process — an employee leaves (``delete_user`` is delivered at once), a
customer refuses transfers, the shared clock moves by 24 h (then due transfer plans run
at once instead of at the job's next minute) — and comes back to the page with what
happened. The same controls are on the simulator's HTTP API (``/operator/*``) and in
``wecom-app simulator``. A POST must come from this page (its ``Origin``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from wecom_app.simulator.operator import Operator, OperatorError, operator_of, parse_duration
from wecom_app.transfer import TransferService

if TYPE_CHECKING:
    from wecom_app.services import Services
    from wecom_app.simulator.simulator import Simulator

CONSOLE_PATH = "/demo"


def demo_console(services: Services, sim: Simulator, corp_id: str) -> Mount:
    operator = operator_of(sim)

    async def page(request: Request) -> Response:
        org = sim.org(corp_id)
        said = request.query_params.get("said", "")
        employees = "".join(
            f"<option value='{html.escape(e.userid, quote=True)}'>{html.escape(e.name)} "
            f"({html.escape(e.userid)})</option>"
            for e in org.active_employees()
        )
        customers = "".join(
            f"<option value='{html.escape(c.external_userid, quote=True)}'>"
            f"{html.escape(c.name)}</option>"
            for c in list(org.customers.values())[:200]
        )
        left = ", ".join(html.escape(d.employee.name) for d in org.departed.values()) or "—"
        body = (
            (f"<p class='said'>{html.escape(said)}</p>" if said else "")
            + f"<p>Left so far: {left}</p>"
            f"<form method='post' action='{CONSOLE_PATH}/leave'><select name='userid'>"
            f"{employees}</select> <button id='leave'>Make this employee leave</button></form>"
            f"<form method='post' action='{CONSOLE_PATH}/refuse'><select name='external_userid'>"
            f"{customers}</select> <button id='refuse'>This customer refuses transfers"
            "</button></form>"
            f"<form method='post' action='{CONSOLE_PATH}/advance'><input type='hidden' "
            "name='by' value='+24h'><button id='advance'>+24 h</button></form>"
            "<p class='note'>+24 h moves the product's clock too: console sessions older "
            "than their lifetime end (sign in again through the simulated WeCom).</p>"
            "<p><a href='/console/'>Admin console</a> · <a href='/sidebar/preview'>Sidebar</a>"
            "</p>"
        )
        return HTMLResponse(
            "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<title>Demo · WeCom operator</title><style>body{font:15px/1.5 system-ui,"
            "sans-serif;max-width:40rem;margin:2rem auto}form{margin:.75rem 0}"
            ".said{background:#eef6ee;padding:.5rem}</style></head><body>"
            f"<h1>演示 · 模拟企业微信操作</h1>{body}</body></html>"
        )

    async def act(request: Request) -> Response:
        origin = request.headers.get("origin", "")
        if origin and urlsplit(origin).netloc != request.url.netloc:
            return HTMLResponse("refused: not from this page", status_code=403)
        form = await request.form()
        action = request.path_params["action"]
        try:
            said = await _do(services, operator, corp_id, action, form)
        except OperatorError as error:
            said = f"refused: {error}"
        return RedirectResponse(f"{CONSOLE_PATH}/?said={quote(said)}", status_code=303)

    return Mount(
        CONSOLE_PATH,
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/{action:str}", act, methods=["POST"]),
        ],
    )


async def _do(
    services: Services, operator: Operator, corp_id: str, action: str, form: FormData
) -> str:
    get = form.get
    if action == "leave":
        userid = str(get("userid", ""))
        operator.leave(userid, corp_id)
        sent = await operator.deliver()
        return f"{userid} left the company ({sent} callback delivered)"
    if action == "refuse":
        external_userid = str(get("external_userid", ""))
        operator.refuse(external_userid, corp_id)
        return f"{external_userid} now refuses every transfer"
    if action == "advance":
        seconds = parse_duration(str(get("by", "+24h")))
        settled = operator.advance(seconds)
        await operator.deliver()
        reports = await TransferService.of(services).run_due()
        return (
            f"the clock moved by {seconds / 3600:g} h: WeCom settled {settled} transfers; "
            f"{len(reports)} transfer plans ran"
        )
    raise OperatorError(f"no such control: {action}")
