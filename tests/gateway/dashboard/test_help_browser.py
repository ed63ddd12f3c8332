"""Call staff end to end: a real kiosk core (session, runtime, platform client) raises a help request at a real
gateway on loopback; staff see it in headless Chromium (desk and phone-sized views, with the chime) and close it
there; the kiosk shows the request's number; the hall's time to arrival appears."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gateway.help_requests import HelpRequest
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk.platform_client import PlatformClient
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from kiosk.staff_help import events as hev
from kiosk.staff_help.requester import HelpRequester
from kiosk.staff_help.session_part import RaiseHelpRequest
from tests.gateway.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, shot
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


@pytest.fixture
def hall_kiosk(tmp_path):
    settings = dataclasses.replace(GatewaySettings(), extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})
    gateway = LiveGateway(tmp_path, settings=settings).start()
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5, retries=0)
    runtime = Runtime(Session(["case_status"], identity_method="card_only_demo"), client, tick_s=0.1,
                      handlers={RaiseHelpRequest: HelpRequester(client, "一楼大厅 A区").raise_request})
    runtime.start()
    try:
        yield gateway, runtime
    finally:
        runtime.stop()
        client.close()
        gateway.stop()


def sign_in(page, base_url):
    page.goto(f"{base_url}/dashboard/help")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator-demo-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard")
    page.goto(f"{base_url}/dashboard/help")
    page.wait_for_selector("#help-board")


def test_a_call_from_the_kiosk_reaches_the_desk_and_the_phone_and_is_closed_there(browser, hall_kiosk, tmp_path):
    gateway, runtime = hall_kiosk
    desk = browser.new_page(viewport={"width": 1400, "height": 800})
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    for page in (desk, phone):
        page.set_default_timeout(15_000)
        sign_in(page, gateway.base_url)
    assert desk.inner_text("#help-open-count") == "0"

    runtime.post(ev.StartRequested())
    wait_for(lambda: runtime.session.state == State.IDENTIFY, what="the identify screen")
    runtime.post(hev.HelpRequested())
    view = wait_for(lambda: (v := runtime.session.view()).help_status == "coming" and v, what="staff called")
    number = view.help_number

    for page in (desk, phone):  # through the auto-refresh, with the chime
        card = page.wait_for_selector(f"#help-open li.help-card:has-text('{number}')")
        assert "demo-hall-01" in card.inner_text() and "一楼大厅 A区" in card.inner_text()
        assert "step identify" in card.inner_text()
        page.wait_for_selector("#help-board:not([data-chimes='0'])", state="attached")  # (the CSP allows no eval)
    # The phone view fits the phone: no sideways scrolling, the close button a full-width target.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    button = phone.locator(f"li.help-card:has-text('{number}') button").bounding_box()
    assert button["width"] >= 300 and button["height"] >= 44
    shot(desk, tmp_path, "help-desk-open")
    shot(phone, tmp_path, "help-phone-open")

    phone.locator(f"li.help-card:has-text('{number}') button").click()
    phone.wait_for_url(f"{gateway.base_url}/dashboard/help")
    assert phone.locator("#help-open li.help-card").count() == 0
    assert phone.locator("tr[data-hall=demo-hall]").count() == 1
    wait_for(lambda: desk.inner_text("#help-open-count") == "0", what="the desk's board to empty")
    shot(phone, tmp_path, "help-phone-closed")

    with gateway.sessionmaker()() as db:
        row = db.query(HelpRequest).one()
        assert row.number == number and row.closed_by == "operator" and row.wait_s is not None
        assert (row.step, row.location) == ("identify", "一楼大厅 A区")
    assert runtime.session.holds_no_personal_data()
