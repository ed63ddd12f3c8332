"""Locker recall in the real kiosk process under Xvfb: a certificate left in a compartment past the site's limit
(5 days) gets a reminder SMS from the gateway, then appears on the staff recall list on the maintenance locker page;
staff open it there (the real lock-board simulator), take the certificate out, and its pickup code is refused from
then on, at the locker and on the gateway."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from catalog import i18n
from gateway.certificate_models import LockerRecall
from gateway.models import LockerDeposit, PickupCode, SmsMessage
from kiosk.maintenance import hash_secret
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, running, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STAFF_QR = "STAFF-LOCKER-RECALL-5521"
PIN = "6482"


def t(key: str, **values) -> str:
    return i18n.text(key, "zh_CN", **values)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    demo = DemoStack(tmp_path_factory.mktemp("recall"), site="locker", locker_load=("obama", "biden"), config_extra={
        "fleet": {"staff": [{"staff_id": "s-021", "qr_hash": hash_secret(STAFF_QR), "pin_hash": hash_secret(PIN)}]}})
    yield from running(demo)


def db(stack):
    return DbSession(create_engine(f"sqlite:///{stack.gateway.database}"))


def age(stack, code_id: str, *, deposited_days: float = 0, reminded_days: float | None = None) -> str:
    """Moves a deposit (and its reminder) back in time, as if it had waited that long."""
    with db(stack) as session:
        code = session.get(PickupCode, code_id)
        deposit = session.get(LockerDeposit, code.deposit_id)
        now = dt.datetime.now(dt.timezone.utc)
        if deposited_days:
            deposit.deposited_at = now - dt.timedelta(days=deposited_days)
        if reminded_days is not None:
            session.get(LockerRecall, deposit.deposit_id).reminded_at = now - dt.timedelta(days=reminded_days)
        session.commit()
        return deposit.deposit_id


def take_out(sim, lock: int) -> threading.Thread:
    """Staff wait for the door, take the certificate out and shut it."""
    def run():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sim.door_closed(0, lock):
            time.sleep(0.02)
        time.sleep(0.3)
        sim.remove_item(0, lock)
        sim.close_door(0, lock)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_deposit_past_its_limit_is_reminded_then_recalled_by_staff(stack):
    client = stack.client
    idle = lambda s: s["ready"] and s["screen"] in ("attract", "pickup_code")  # noqa: E731
    client.wait_until(idle, 30, "the locker's start screen")
    overdue, fresh = stack.deposits["obama"], stack.deposits["biden"]
    deposit_id = age(stack, overdue["code_id"], deposited_days=6)
    age(stack, fresh["code_id"], deposited_days=2)  # within the limit: left alone

    stack.scanner.scan(STAFF_QR)
    client.wait_for_screen("staff_pin", 20)
    for digit in PIN:
        client.tap(intent="pin", arg=digit)
    client.tap(intent="pin", arg="ok")
    client.wait_for_screen("maintenance", 20)
    client.tap(intent="maintenance_page", arg="locker")
    client.wait_for_screen("maintenance_locker", 20, predicate=lambda s: t("maint.recall_check") in texts(s))

    # first look: past the limit, so the holder gets the reminder; not yet on the list
    client.tap(intent="desk", arg="recalls")
    client.wait_for_screen("maintenance_locker", 20, predicate=lambda s: t("maint.recall.listed", count=0) in texts(s))
    with db(stack) as session:
        reminders = session.execute(select(SmsMessage).where(SmsMessage.template == "pickup_reminder")).scalars().all()
        assert len(reminders) == 1
        assert session.get(LockerRecall, deposit_id) is not None
    # the reminder's grace has passed without a pickup: now staff are asked to take it back
    age(stack, overdue["code_id"], reminded_days=3)
    client.tap(intent="desk", arg="recalls")
    state = client.wait_for_screen("maintenance_locker", 20,
                                   predicate=lambda s: t("maint.recall.listed", count=1) in texts(s))
    assert any(overdue["compartment"] in x["text"] and "业务" in x["text"] for x in state["texts"])
    assert not any(fresh["compartment"] + " 号格口  业务" in x["text"] for x in state["texts"])
    assert_fits(state)
    shot(client, "zh_CN", "maintenance_locker_recall_list")
    client.tap(intent="language", arg="en")
    state = client.wait_until(lambda s: s["language"] == "en" and s["settled"], 10)
    assert_fits(state)
    shot(client, "en", "maintenance_locker_recall_list")
    client.tap(intent="language", arg="zh_CN")
    client.wait_until(lambda s: s["language"] == "zh_CN" and s["settled"], 10)

    lock = int(overdue["compartment"][1:])
    hand = take_out(stack.locker, lock)
    client.tap(intent="desk", arg=f"recall:{deposit_id}")
    hand.join(25)
    client.wait_for_screen("maintenance_locker", 40, predicate=lambda s: t(
        "maint.recall.done", compartment=overdue["compartment"]) in texts(s))
    assert not stack.locker.item_present(0, lock)
    with db(stack) as session:
        recall = session.get(LockerRecall, deposit_id)
        assert recall.recalled_at is not None and recall.staff_id == "s-021"
        code = session.get(PickupCode, overdue["code_id"])
        assert code.used_at is None and code.expires_at <= dt.datetime.now(dt.timezone.utc)
        assert session.get(LockerDeposit, deposit_id).occupied_slot is None
    client.tap(intent="maintenance_exit")
    client.wait_until(idle, 20, "the locker's start screen")

    # the holder comes with the old code: refused, nothing opens
    stack.scanner.scan(overdue["qr"])
    client.wait_until(lambda s: t("code_revoked") in texts(s), 20, "the recalled code refused")
    assert stack.locker.door_closed(0, lock)
