"""Maintenance at a pickup locker in the real kiosk process: staff sign in with a staff QR code on the real scanner
and a PIN, scan a case's barcode, deposit its certificate in a compartment the real lock-board simulator opens, and
test-open a chosen door; the gateway issues the pickup code."""
from __future__ import annotations

import threading
import time

import pytest

from kiosk.maintenance import hash_secret
from kiosk.platform_client import PlatformClient
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, running, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STAFF_QR = "STAFF-LOCKER-7F3A-2291"
PIN = "7319"
OBAMA = "110105196108041235"


def t(key: str, **values) -> str:
    return i18n.text(key, "zh_CN", **values)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    demo = DemoStack(tmp_path_factory.mktemp("maint-locker"), site="locker", config_extra={
        "fleet": {"staff": [{"staff_id": "s-020", "qr_hash": hash_secret(STAFF_QR), "pin_hash": hash_secret(PIN)}]}})
    yield from running(demo)


def ready_case(stack) -> str:
    hall = stack.gateway.credentials("hall")
    client = PlatformClient(stack.gateway.url, hall["api_key"], kiosk_id=hall["kiosk_id"])
    try:
        token = client.issue_applicant_token(OBAMA, "card_only_demo", None)
        return next(c.case_id for c in client.list_cases(token) if c.status == "certificate_ready")
    finally:
        client.close()


def staff_hand(sim, *, put: bool):
    """Waits for any door to open, puts the certificate in (or not), and shuts the door."""
    seen = len(sim.unlocked)
    opened: list[tuple[int, int]] = []

    def run():
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(sim.unlocked) == seen:
            time.sleep(0.02)
        if len(sim.unlocked) == seen:
            return
        board, lock = sim.unlocked[-1]
        opened.append((board, lock))
        time.sleep(0.3)
        if put:
            sim.add_item(board, lock)
        sim.close_door(board, lock)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, opened


def test_staff_qr_sign_in_deposit_and_door_test(stack):
    client = stack.client
    idle = lambda s: s["ready"] and s["screen"] in ("attract", "pickup_code")  # noqa: E731 (the locker's start)
    client.wait_until(idle, 30, "the locker's start screen")
    stack.scanner.scan(STAFF_QR)
    client.wait_for_screen("staff_pin", 20)
    for digit in PIN:
        client.tap(intent="pin", arg=digit)
    client.tap(intent="pin", arg="ok")
    state = client.wait_for_screen("maintenance", 20)
    assert STAFF_QR not in stack.kiosk.log_text()
    assert any(b["intent"] == "maintenance_page" and b["arg"] == "locker" for b in state["buttons"])

    client.tap(intent="maintenance_page", arg="locker")
    client.wait_for_screen("maintenance_locker", 20, predicate=lambda s: t("maint.deposit_no_case") in texts(s))
    case_id = ready_case(stack)
    stack.scanner.scan(case_id)
    state = client.wait_for_screen("maintenance_locker", 20,
                                   predicate=lambda s: t("maint.deposit_case", case_id=case_id) in texts(s))
    assert_fits(state)
    hand, opened = staff_hand(stack.locker, put=True)
    client.tap(intent="desk", arg="deposit:medium")
    hand.join(20)
    assert opened, "a door opened for the deposit"
    label = f"A{opened[0][1]:02d}"
    state = client.wait_for_screen("maintenance_locker", 30, predicate=lambda s: t(
        "maint.deposit.deposited", compartment=label) in texts(s))
    assert_fits(state)
    shot(client, "zh_CN", "maintenance_locker_deposited")

    hand, opened = staff_hand(stack.locker, put=False)
    client.tap(intent="desk", arg="door:A06")
    hand.join(20)
    assert opened == [(0, 6)], "exactly the chosen door opened"
    client.wait_for_screen("maintenance_locker", 20,
                           predicate=lambda s: t("maint.door_opened", compartment="A06") in texts(s))
    client.tap(intent="maintenance_exit")
    client.wait_until(idle, 20, "the locker's start screen")
