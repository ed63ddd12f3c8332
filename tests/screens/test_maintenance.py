"""Maintenance mode and the fleet agent in the real kiosk process (issue 10): the real kiosk app under Xvfb, the real
gateway (`kiosk-gateway --demo`), the ID card and receipt-printer simulators on ptys, and the dashboard in a real
headless Chromium. Staff sign in with a card and a PIN typed on the screen, run device tests, load supplies; an
operator's command on the dashboard puts the kiosk out of service on its screen, and the printer running out of paper
turns the kiosk red on the dashboard."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.documents.ledger import BlankLedger
from kiosk.maintenance import hash_secret
from peripherals.printer.simulator import ReceiptPrinterSimulator
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, running, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STAFF_CARD = "biden"  # docs/demo-persons.md: here a staff member's card
STAFF_CARD_ID = "310115194211202341"
PIN = "4826"


def t(key: str, language: str = "zh_CN", **values) -> str:
    return i18n.text(key, language, **values)


@pytest.fixture(scope="module")
def printer_sim(tmp_path_factory):
    sim = ReceiptPrinterSimulator(link=tmp_path_factory.mktemp("dev") / "receipt-printer", paper_lines=2000)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, printer_sim):
    workdir = tmp_path_factory.mktemp("maint")
    (workdir / "printed").mkdir()
    demo = DemoStack(workdir, config_extra={
        "devices": {"receipt_printer": {"enabled": True, "url": f"serial:{printer_sim.path}",
                                        "poll_interval_s": 0.5},
                    # A certificate printer: its blank-certificate ledger is what the supplies page loads.
                    "certificate_printer": {"enabled": True, "output_dir": str(workdir / "printed")}},
        "fleet": {"heartbeat_interval_s": 1.0, "pin_max_failures": 5, "staff": [
            {"staff_id": "s-017", "card_hash": hash_secret(STAFF_CARD_ID), "pin_hash": hash_secret(PIN)}]}})
    yield from running(demo)


def type_pin(client, pin: str) -> None:
    for digit in pin:
        client.tap(intent="pin", arg=digit)
    client.tap(intent="pin", arg="ok")


def type_serial(client, field: str, digits: str) -> None:
    """Each key rebuilds the page: the next key is pressed once the field shows the last one (and is laid out)."""
    for i, key in enumerate(digits):
        client.tap(intent="blank_key", arg=key)
        shown = t(f"maint.{field}_serial", serial=digits[:i + 1])
        client.wait_for_screen("maintenance_stock", 10, predicate=lambda s, shown=shown: shown in texts(s))


def staff_sign_in(stack) -> dict:
    """The staff card on the reader, the PIN typed: the maintenance page once the devices show."""
    stack.simulator.place(STAFF_CARD)
    state = stack.client.wait_for_screen("staff_pin", 20)
    type_pin(stack.client, PIN)
    state = stack.client.wait_for_screen("maintenance", 20, predicate=lambda s: t("dev_status.online") in texts(s))
    stack.simulator.lift()
    return state


def load_blanks(client, first: str, last: str) -> dict:
    """On the stock page: a stack of blank certificates from serial first to last."""
    type_serial(client, "first", first)
    # The field is chosen through the session and the desk: the page is redrawn when its answer comes back, and a
    # key pressed before that could land on a widget of the old layout.
    before = client.call("state")["rendered"]
    client.tap(intent="desk", arg="blank_field:last")
    client.wait_for_screen("maintenance_stock", 10, predicate=lambda s: s["rendered"] > before)
    type_serial(client, "last", last)
    state = client.wait_for_screen("maintenance_stock", 10)
    assert t("maint.first_serial", serial=first) in texts(state)
    assert_fits(state)
    count = int(last) - int(first) + 1
    client.tap(intent="desk", arg="load_blanks")
    return client.wait_for_screen("maintenance_stock", 10,
                                  predicate=lambda s: t("maint.blanks_loaded", count=count) in texts(s))


def blanks_left(stack) -> int:
    ledger = BlankLedger(stack.workdir / "data" / "certificate-ledger.sqlite3")
    try:
        return ledger.counts().remaining
    finally:
        ledger.close()


def test_staff_card_and_pin_then_device_tests_and_supplies(stack, printer_sim):
    client = stack.client
    client.wait_for_screen("attract", 30)
    stack.simulator.place(STAFF_CARD)
    state = client.wait_for_screen("staff_pin", 20)
    assert_fits(state)
    type_pin(client, "0000")
    state = client.wait_for_screen("staff_pin", 20, predicate=lambda s: t("wrong_pin") in texts(s))
    assert t("staff_pin.attempts_left", count=4) in texts(state)
    type_pin(client, PIN)
    state = client.wait_for_screen("maintenance", 20, predicate=lambda s: t("dev_status.online") in texts(s))
    stack.simulator.lift()
    assert t("maint.header", staff_id="s-017") in texts(state)
    assert f"{t('device.receipt_printer')}: {t('dev_status.online')}" in texts(state)
    assert STAFF_CARD_ID not in texts(state) and STAFF_CARD_ID not in stack.kiosk.log_text()

    printer_sim.clear()
    client.tap(intent="desk", arg="test:receipt_printer")
    state = client.wait_for_screen("maintenance", 30, predicate=lambda s: t("maint.passed") in texts(s))
    # the result in plain words, not the device's raw "test page: success"
    assert t("maint.result.test_page", result=t("maint.code.success")) in texts(state)
    assert "test page: success" not in texts(state)
    assert printer_sim.wait_for_receipts(1, 10)
    assert "TEST PAGE" in printer_sim.receipts[-1].decode("gb18030", errors="replace")

    client.tap(intent="desk", arg="test:card_reader")
    client.wait_for_screen("maintenance", 10, predicate=lambda s: t("maint.place_card") in texts(s))
    time.sleep(1.0)  # the reader sees the staff card gone before the next one
    stack.simulator.place("obama")
    state = client.wait_for_screen("maintenance", 20, predicate=lambda s: "1101**********1235" in texts(s))
    assert "110105196108041235" not in texts(state) and "欧阳明" not in texts(state)
    assert_fits(state)
    shot(client, "zh_CN", "maintenance_tested")
    stack.simulator.lift()

    client.tap(intent="maintenance_page", arg="stock")
    client.wait_for_screen("maintenance_stock", 10)
    before = blanks_left(stack)
    state = load_blanks(client, "000101", "000150")
    assert t("maint.blanks_left", count=before + 50) in texts(state)
    if before == 0:
        assert t("maint.next_serial", serial="000101") in texts(state)
    ledger = BlankLedger(stack.workdir / "data" / "certificate-ledger.sqlite3")
    try:  # the kiosk's own ledger holds the stack, loaded by this staff member
        assert ledger.counts().remaining == before + 50 and "by s-017" in repr(ledger.journal())
    finally:
        ledger.close()
    client.tap(intent="desk", arg="load_paper")
    client.wait_for_screen("maintenance_stock", 10, predicate=lambda s: t("maint.paper_loaded") in texts(s))

    client.tap(intent="maintenance_exit")
    client.wait_for_screen("attract", 10)


def test_the_dashboard_command_puts_the_kiosk_out_of_service_and_paper_out_turns_it_red(stack, printer_sim,
                                                                                        tmp_path):
    from tests.gateway.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    client = stack.client
    client.wait_for_screen("attract", 30)
    if blanks_left(stack) == 0:  # a kiosk with no blank certificates is red: staff load some first
        staff_sign_in(stack)
        client.tap(intent="maintenance_page", arg="stock")
        client.wait_for_screen("maintenance_stock", 10)
        load_blanks(client, "000201", "000250")
        client.tap(intent="desk", arg="load_paper")
        client.wait_for_screen("maintenance_stock", 10, predicate=lambda s: t("maint.paper_loaded") in texts(s))
        client.tap(intent="maintenance_exit")
        client.wait_for_screen("attract", 10)
    base = stack.gateway.url
    kiosk_id = stack.gateway.credentials("hall")["kiosk_id"]
    row = f"#kiosk-{kiosk_id}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 800})
            page.set_default_timeout(30_000)
            page.goto(f"{base}/dashboard/login")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", "operator-demo-pass")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/dashboard")
            # The real kiosk's heartbeats: its real printer status, reported by its own fleet agent.
            page.wait_for_selector(f"{row}[data-colour=green]")
            assert "receipt_printer: online" in page.inner_text(row)

            printer_sim.run_out_of_paper()
            page.wait_for_selector(f"{row}[data-colour=red]")
            assert "receipt_printer: media_out" in page.inner_text(row)
            page.screenshot(path=str(tmp_path / "dashboard-real-kiosk-paper-out.png"))

            page.click(f"{row} a")
            page.wait_for_selector("#send-command")
            page.select_option("#command-kind", "out_of_service")
            page.fill("#command-message", "打印机缺纸，请到1号窗口办理")
            page.click("#send-command")
            # The kiosk's screen obeys...
            state = client.wait_for_screen("out_of_service", 30,
                                           predicate=lambda s: "打印机缺纸，请到1号窗口办理" in texts(s))
            assert_fits(state)
            shot(client, "zh_CN", "out_of_service_fleet_message")
            # ...and the dashboard sees it carried out.
            page.wait_for_selector("#command-rows tr[data-status=done]")

            page.select_option("#command-kind", "in_service")
            page.click("#send-command")
            printer_sim.load_paper(2000)
            client.wait_for_screen("attract", 30)
            page.wait_for_selector("#command-rows tr[data-status=done] >> nth=1")
        finally:
            browser.close()


@pytest.fixture(scope="module")
def camera_kiosk(tmp_path_factory):
    from kiosk_testkit.demo import demo_site_config
    from kiosk_testkit.harness import KioskProcess

    faces = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"
    if not (faces / "two_people.jpg").exists():
        pytest.skip("the face photos are not beside the repository (../shared/data/faces)")
    workdir = tmp_path_factory.mktemp("maint-camera")
    config = demo_site_config(workdir, card_port=None, extra={
        "storage": {"offline_probe_s": 600},
        "devices": {"camera": {"enabled": True, "source": str(faces / "two_people.jpg"), "fps": 5.0}}})
    kiosk = KioskProcess(config, workdir=workdir)
    try:
        kiosk.start()
    except Exception:
        print(kiosk.log_text())
        raise
    yield kiosk
    kiosk.stop()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_camera_preview_boxes_the_faces_it_sees(camera_kiosk, language):
    client = camera_kiosk.client
    client.wait_for_screen("attract", 30)
    client.post("LanguageChanged", language=language)
    client.post("MaintenanceRequested", staff_id="s-017")
    state = client.wait_for_screen("maintenance", 20)
    assert any(b["intent"] == "maintenance_page" and b["arg"] == "camera" for b in state["buttons"])
    client.tap(intent="maintenance_page", arg="camera")
    state = client.wait_for_screen("maintenance_camera", 30,
                                   predicate=lambda s: t("maint.camera_faces", language, count=2) in texts(s))
    assert_fits(state)
    path = shot(client, language, "maintenance_camera_preview")
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:  # the green boxes are drawn over the frame
        pixels = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    assert int(((g > 200) & (r < 60) & (b < 90)).sum()) > 500
    client.tap(intent="maintenance_page", arg="home")
    client.wait_for_screen("maintenance", 10)
    client.tap(intent="maintenance_exit")
    client.wait_for_screen("attract", 10)
