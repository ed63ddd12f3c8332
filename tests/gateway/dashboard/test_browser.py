"""The dashboard in a real headless Chromium against a real gateway, with a real kiosk-side agent, printer and core:
sign in, watch a kiosk turn red when its printer runs out of paper, send a command and watch the kiosk obey."""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk.fleet import CommandHandlers, FleetAgent
from kiosk.platform_client import PlatformClient
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Screenshots for a human to look at; KIOSK_SCREENSHOT_DIR keeps them after the run.
SCREENSHOT_DIR = os.environ.get("KIOSK_SCREENSHOT_DIR")


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def kiosk_site(tmp_path):
    """A gateway, and demo-hall-01 as a real kiosk: printer simulator + driver, core runtime, fleet agent."""
    settings = dataclasses.replace(GatewaySettings(), extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer", paper_lines=500)
    sim.start()
    printer = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.1)
    printer.start()
    runtime = Runtime(Session(["case_status"], []), tick_s=0.1)
    runtime.start()
    gateway = LiveGateway(tmp_path, settings=settings).start()
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5, retries=0)
    agent = FleetAgent(client, interval_s=0.5, devices=[printer], data_dir=tmp_path,
                       stock=lambda: {"receipt_paper_pct": 60}, handlers=CommandHandlers(post=runtime.post))
    agent.start()
    try:
        yield gateway, sim, runtime
    finally:
        agent.stop()
        client.close()
        gateway.stop()
        runtime.stop()
        printer.stop()
        sim.stop()


def shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SCREENSHOT_DIR) / path.name)
    assert path.stat().st_size > 1000


def test_staff_sees_paper_out_and_takes_the_kiosk_out_of_service(browser, kiosk_site, tmp_path):
    gateway, sim, runtime = kiosk_site
    page = browser.new_page(viewport={"width": 1400, "height": 700})
    page.set_default_timeout(15_000)
    page.goto(f"{gateway.base_url}/dashboard")
    assert page.url.endswith("/dashboard/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong username or password" in page.inner_text("main")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator-demo-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{gateway.base_url}/dashboard")

    row = "#kiosk-demo-hall-01"
    page.wait_for_selector(f"{row}[data-colour=green]")  # the agent's heartbeats arrive through the auto-refresh
    assert "receipt_printer: online" in page.inner_text(row)

    sim.run_out_of_paper()
    page.wait_for_selector(f"{row}[data-colour=red]")
    assert "receipt_printer: media_out" in page.inner_text(row)
    assert "out of paper" in page.inner_text(row)
    shot(page, tmp_path, "dashboard-paper-out")

    page.click(f"{row} a")
    page.wait_for_selector("#send-command")
    page.select_option("#command-kind", "out_of_service")
    page.fill("#command-message", "打印机缺纸，请到窗口办理")
    page.click("#send-command")
    page.wait_for_selector("#command-rows tr[data-status=done]")
    page.wait_for_function("document.getElementById('service').textContent === 'out of service'")
    assert runtime.session.state == State.OUT_OF_SERVICE
    assert runtime.session.fleet_message == "打印机缺纸，请到窗口办理"
    shot(page, tmp_path, "dashboard-kiosk-obeyed")

    page.goto(f"{gateway.base_url}/dashboard/alerts")
    alert = page.locator("tr[data-kind=paper_low]")
    assert alert.count() == 1
    alert.locator("button").click()
    page.wait_for_selector("tr[data-kind=paper_low].acked")
