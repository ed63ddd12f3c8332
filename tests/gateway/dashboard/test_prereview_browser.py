"""Pre-review end to end in headless Chromium against a real gateway on loopback: a kiosk submits a mortgage
cancellation with captured materials; staff see the form beside the materials, return it for a missing page; the
applicant's case status carries what to bring; the kiosk brings it; staff accept. Desk and phone-sized views."""
from __future__ import annotations

import dataclasses
import uuid

import httpx
import pytest

from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from tests.gateway.conftest import OBAMA
from tests.gateway.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, shot
from tests.gateway.one_window import captured_material, mortgage_cancellation, mortgaged_property, upload

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path):
    settings = dataclasses.replace(GatewaySettings(), material_store=str(tmp_path / "materials"),
                                   extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0,
                                          "application_push_retry_s": 0})
    gateway = LiveGateway(tmp_path, settings=settings).start()
    kiosk = httpx.Client(base_url=gateway.base_url, timeout=15,
                         headers={"Authorization": f"Bearer {gateway.api_key('demo-hall-01')}"})
    token = kiosk.post("/v1/applicant-tokens", json={"id_number": OBAMA, "method": "card_only_demo"}).json()["token"]
    try:
        yield gateway, kiosk, {"X-Applicant-Token": token}
    finally:
        kiosk.close()
        gateway.stop()


def _sign_in(page, base_url):
    page.goto(f"{base_url}/dashboard/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator-demo-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard")


def _images_loaded(page) -> int:
    page.wait_for_function("() => [...document.querySelectorAll('.material img')].every(i => i.complete)")
    return page.evaluate("() => [...document.querySelectorAll('.material img')].filter(i => i.naturalWidth > 300)"
                         ".length")


def test_staff_return_an_application_for_a_missing_page_and_accept_it_once_brought(browser, site, tmp_path):
    gateway, kiosk, applicant = site
    with gateway.sessionmaker()() as db:
        home = mortgaged_property(db, OBAMA)
    body = mortgage_cancellation(kiosk, applicant, home.property_id)
    answer = kiosk.post("/v1/applications", headers={**applicant, "Idempotency-Key": uuid.uuid4().hex}, json=body)
    assert answer.status_code == 201, answer.text
    number = answer.json()["application_no"]

    desk = browser.new_page(viewport={"width": 1400, "height": 900})
    desk.set_default_timeout(20_000)
    _sign_in(desk, gateway.base_url)
    desk.goto(f"{gateway.base_url}/dashboard/prereview")
    row = desk.locator(f"tr[data-application='{number}']")
    assert "waiting for pre-review" in row.inner_text()
    assert row.locator(".push-accepted").count() == 3  # registration, housing and tax all took it
    shot(desk, tmp_path, "prereview-queue")
    row.locator("a").click()
    desk.wait_for_url(f"**/dashboard/prereview/{number}")
    assert _images_loaded(desk) == 4  # the mortgage proof, the certificate's two pages, the signed form
    form_box = desk.locator(".form-side").bounding_box()
    materials_box = desk.locator(".materials-side").bounding_box()
    assert form_box["x"] + form_box["width"] <= materials_box["x"]  # side by side on a desk screen
    assert desk.locator("tr[data-field='mortgagee'] td").first.inner_text() == "中国建设银行 示范支行"
    shot(desk, tmp_path, "prereview-detail")

    desk.check("input[name=materials][value=certificate_original]")
    desk.fill("#note", "不动产权证书缺少附记页，请补拍第3页。")
    desk.click("#return")
    desk.wait_for_selector("#notice")
    assert desk.get_attribute("#review-state", "data-status") == "needs_correction"
    assert desk.inner_text("#correction [data-material=certificate_original]") == "不动产权证书"
    assert desk.inner_text("#correction .note") == "不动产权证书缺少附记页，请补拍第3页。"
    shot(desk, tmp_path, "prereview-returned")

    case = kiosk.get(f"/v1/cases/{number}", headers=applicant).json()
    assert case["next_action"] == "provide_correction"
    assert [m["title_zh"] for m in case["application"]["correction"]["materials"]] == ["不动产权证书"]

    # A browser nobody signed in to gets no material.
    stranger = browser.new_context()
    image = stranger.request.get(f"{gateway.base_url}/dashboard/prereview/{number}/materials/certificate_original/"
                                 "pages/1")
    assert image.status == 401 and not image.body().startswith(b"\xff\xd8")
    signed_in = desk.context.request.get(f"{gateway.base_url}/dashboard/prereview/{number}/materials/"
                                         "certificate_original/pages/1")
    assert signed_in.status == 200 and signed_in.body().startswith(b"\xff\xd8")
    stranger.close()

    fixed = upload(kiosk, applicant, captured_material("不动产权证书（演示，含附记页）", 3, seed=4))
    brought = kiosk.post(f"/v1/applications/{number}/corrections",
                         headers={**applicant, "Idempotency-Key": uuid.uuid4().hex},
                         json={"materials": [{"code": "certificate_original", "sha256": fixed, "pages": 3}]})
    assert brought.status_code == 200, brought.text

    desk.goto(f"{gateway.base_url}/dashboard/prereview/{number}")
    assert desk.get_attribute("#review-state", "data-status") == "submitted"
    assert _images_loaded(desk) == 5  # the certificate now with its third page
    assert "round 2" in desk.inner_text("figure[data-material='certificate_original'] figcaption")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.set_default_timeout(20_000)
    _sign_in(phone, gateway.base_url)
    phone.goto(f"{gateway.base_url}/dashboard/prereview/{number}")
    _images_loaded(phone)
    form_box = phone.locator(".form-side").bounding_box()
    assert phone.locator(".materials-side").bounding_box()["y"] >= form_box["y"] + form_box["height"]  # stacked
    shot(phone, tmp_path, "prereview-phone")

    desk.click("#accept")
    desk.wait_for_selector("#notice")
    assert desk.get_attribute("#review-state", "data-status") == "accepted"
    assert desk.locator("#accept").count() == 0
    shot(desk, tmp_path, "prereview-accepted")
    case = kiosk.get(f"/v1/cases/{number}", headers=applicant).json()
    assert case["status"] == "under_review" and case["application"]["review"] == "accepted"
    desk.goto(f"{gateway.base_url}/dashboard/prereview")
    assert desk.locator(f"tr[data-application='{number}']").count() == 0
