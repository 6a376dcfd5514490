"""The simulated install page: pick the org, approve, back to the app with the auth code."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import make_settings
from wecom_app.consoles.auth import install_page_url
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import SimClock
from wecom_app.wecom.service import INSTALL_URL, install_url

RETURN = "http://127.0.0.1:9/console/install/return"


def _sim() -> tuple[Simulator, str, str]:
    sim = Simulator(clock=SimClock(1_800_000_000.0), seed=4)
    first = sim.add_org(generate_org(1, customers=5, employees=4, corp_id="wwinstall00000001"))
    sim.add_org(generate_org(2, customers=5, employees=4, corp_id="wwinstall00000002"))
    suite = sim.add_suite("wwsuiteinstall01")
    pre = sim.new_pre_auth_code(suite.suite_id)
    return sim, pre.code, first.corp_id


def _client(sim: Simulator) -> httpx.AsyncClient:
    app = create_simulator_app(sim)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")


async def test_an_admin_picks_the_org_approves_and_goes_back_with_the_code() -> None:
    sim, pre, corp_id = _sim()
    link = install_url("wwsuiteinstall01", pre, RETURN, "st4te", page="http://sim/3rdapp/install")
    async with _client(sim) as http:
        page = await http.get(link)
        assert page.status_code == 200
        assert "wwinstall00000001" in page.text
        assert "wwinstall00000002" in page.text
        form = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        answer = await http.post("/3rdapp/install/approve", data={**form, "corpid": corp_id})
        assert answer.status_code == 302
        back = urlsplit(answer.headers["location"])
        assert back.path == "/console/install/return"
        query = parse_qs(back.query)
        assert query["state"] == ["st4te"]
        assert query["expires_in"] == ["600"]
        code = sim.world.auth_codes[query["auth_code"][0]]
        assert code.corp_id == corp_id
        assert sim.world.authorizations[("wwsuiteinstall01", corp_id)].active
        assert sim.pending_callbacks == []  # installed from the provider's site: no push
        # The pre-auth code is spent; the installed org is shown, not offered.
        again = await http.post("/3rdapp/install/approve", data={**form, "corpid": corp_id})
        assert again.status_code == 400
        fresh = sim.new_pre_auth_code("wwsuiteinstall01").code
        page = await http.get(
            "/3rdapp/install",
            params={**form, "pre_auth_code": fresh},
        )
        assert "已安装" in page.text
        assert f"value='{corp_id}'" not in page.text


async def test_the_page_refuses_what_wecom_would() -> None:
    sim, pre, corp_id = _sim()
    base = {"suite_id": "wwsuiteinstall01", "pre_auth_code": pre, "redirect_uri": RETURN}
    async with _client(sim) as http:
        for bad in (
            {"suite_id": "nope"},
            {"pre_auth_code": "nope"},
            {"redirect_uri": "javascript:alert(1)"},
        ):
            answer = await http.get("/3rdapp/install", params={**base, **bad})
            assert answer.status_code == 400, bad
        unknown_org = await http.post("/3rdapp/install/approve", data={**base, "corpid": "wwx"})
        assert unknown_org.status_code == 400
        sim.advance(1201)  # the pre-auth code lives 20 minutes
        late = await http.post("/3rdapp/install/approve", data={**base, "corpid": corp_id})
        assert late.status_code == 400
    assert sim.world.authorizations == {}


def test_the_install_link_is_wecoms_against_wecom_and_the_simulators_otherwise(
    tmp_path: Path,
) -> None:
    real = make_settings(
        tmp_path, "sqlite://:memory:", WECOM_API_BASE="https://qyapi.weixin.qq.com"
    )
    assert install_page_url(real) == INSTALL_URL
    simulated = make_settings(tmp_path, "sqlite://:memory:", WECOM_API_BASE="http://127.0.0.1:8001")
    assert install_page_url(simulated) == "http://127.0.0.1:8001/3rdapp/install"
    forced = make_settings(
        tmp_path,
        "sqlite://:memory:",
        WECOM_API_BASE="http://127.0.0.1:8001",
        WECOM_APP_OAUTH_BASE="wecom",
    )
    assert install_page_url(forced) == INSTALL_URL
