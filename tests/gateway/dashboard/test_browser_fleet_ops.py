"""Fleet operations II pages in a real headless Chromium against a real gateway: an operator saves a kiosk's central
configuration through the form, sees it pending with its diff, and applied once the kiosk's heartbeat reports its
hash; a refused save names the key; the releases and availability pages render for staff."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from config.central import overlay_hash
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk.platform_client import PlatformClient
from tests.gateway.dashboard.test_browser import browser, shot  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def gateway(tmp_path):
    settings = dataclasses.replace(GatewaySettings(), alert_check_interval_s=0, rollout_check_interval_s=0,
                                   extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})
    with LiveGateway(tmp_path, settings=settings) as gw:
        yield gw


def keep(page, name):
    out = REPO / "var" / "test-screenshots" / "dashboard"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)


def test_an_operator_pushes_a_config_and_sees_it_applied(browser, gateway, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    page.set_default_timeout(15_000)
    page.goto(f"{gateway.base_url}/dashboard/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator-demo-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{gateway.base_url}/dashboard")
    page.goto(f"{gateway.base_url}/dashboard/config/kiosks/demo-hall-01")
    page.fill("#kiosk-site", "hall-east")
    page.fill("#kiosk-body", "[session]\nidle_timeout_s = 1\n")
    page.click("#save-kiosk")
    assert "session.idle_timeout_s" in page.inner_text("main") and "nothing saved" in page.inner_text("main")
    page.goto(f"{gateway.base_url}/dashboard/config/kiosks/demo-hall-01")
    page.fill("#kiosk-site", "hall-east")
    page.fill("#kiosk-body", "[session]\nidle_timeout_s = 90\n\n[ui]\nlarge_text = true\n")
    page.click("#save-kiosk")
    page.wait_for_selector("#config-state[data-state=pending]")
    diff = page.inner_text("#config-diff")
    assert "session.idle_timeout_s = 90" in diff and "ui.large_text = true" in diff
    assert page.locator("#config-diff tr.added").count() == 2
    keep(page, "config-pending")
    # The kiosk runs it and says so in its heartbeat.
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5, retries=0)
    try:
        offered = client.heartbeat_reply({"devices": {}})["config"]
        assert offered["hash"] == overlay_hash({"session": {"idle_timeout_s": 90}, "ui": {"large_text": True}})
        client.heartbeat_reply({"devices": {}, "config_hash": offered["hash"], "config_version": offered["version"]})
    finally:
        client.close()
    page.reload()
    page.wait_for_selector("#config-state[data-state=applied]")
    assert page.locator("#config-diff tr.added").count() == 0
    keep(page, "config-applied")
    page.goto(f"{gateway.base_url}/dashboard/config")
    assert page.inner_text("tr[data-kiosk=demo-hall-01] .state") == "applied"
    keep(page, "config-list")
    for path, selector, name in (("/dashboard/releases", "#kiosk-releases", "releases"),
                                 ("/dashboard/availability", "#availability-kiosks", "availability"),
                                 ("/dashboard/remote/demo-hall-01", "#screenshots", "remote")):
        page.goto(gateway.base_url + path)
        page.wait_for_selector(selector)
        keep(page, name)
        shot(page, tmp_path, name)
