"""``wecom-app demo`` in a real browser: the departures page lists the seeded leaver,
the demo's operator console moves the clock by 24 h, and "Install with WeCom" opens the
simulator's install page with the company that has not installed the app.

The demo runs in its own process on a fresh directory, as a newcomer runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, free_port, require_browser
from wecom_app.demo.run import SPARE_CORP_ID

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 20_000


class Demo:
    def __init__(self, url: str, output: list[str]) -> None:
        self.url = url
        self.output = output

    def find(self, pattern: str) -> re.Match[str]:
        for line in self.output:
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"{pattern!r} not in the demo's output:\n" + "".join(self.output))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    port, sim_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DATA_DIR")
        and not k.startswith("WECOM_")
    }
    env["PYTHONPATH"] = str(REPO)
    code = (
        "import asyncio, sys; from wecom_app.demo.run import run_demo; "
        f"sys.exit(asyncio.run(run_demo('127.0.0.1', {port}, sim_port={sim_port})))"
    )
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", code],
        cwd=tmp_path_factory.mktemp("demo"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("(Ctrl-C stops the demo)"):
                break
            assert time.monotonic() < deadline, "".join(output)
        assert process.poll() is None, "".join(output)
        yield Demo(f"http://127.0.0.1:{port}", output)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_departures_page_lists_the_seeded_leaver_and_plus_24h_is_a_button(
    demo: Demo, browser: Any
) -> None:
    from playwright.sync_api import expect

    admin = demo.find(r"sign in through the simulated WeCom as (\w+)").group(1)
    leaver = demo.find(r"^   - (\S+) \((\w+)\) leaves the company").group(2)  # its userid
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{demo.url}/console/login")
        page.click("a.button >> text=Scan the QR code")
        page.click(f"a.who[href$='userid={admin}']")
        page.wait_for_url(f"{demo.url}/console/**")
        page.goto(f"{demo.url}/console/transfers")
        expect(page.locator("body")).to_contain_text(leaver)
        page.screenshot(path=str(ARTIFACTS / "demo-departures.png"), full_page=True)

        page.goto(f"{demo.url}/demo/")
        page.click("#advance")
        expect(page.locator(".said")).to_contain_text("the clock moved by 24 h")
        page.screenshot(path=str(ARTIFACTS / "demo-operator.png"), full_page=True)
    finally:
        context.close()


def test_install_with_wecom_offers_the_company_that_has_not_installed(
    demo: Demo, browser: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{demo.url}/console/install")
        page.click("button >> text=Install with WeCom")
        page.wait_for_url("**/3rdapp/install?**")
        expect(page.locator("body")).to_contain_text("已安装")  # the demo org
        page.check(f"input[name=corpid][value={SPARE_CORP_ID}]")
        page.click("#approve")
        page.wait_for_url(f"{demo.url}/console/**")
        expect(page.locator("body")).to_contain_text("installed into")
        page.screenshot(path=str(ARTIFACTS / "demo-install.png"), full_page=True)
    finally:
        context.close()
