"""Resuming a paused rollout from the dashboard, in a real headless Chromium, with two real kiosk processes (`kiosk
run --headless` under the release launcher and a supervisor standing in for systemd) and a real gateway on loopback:
the test kiosk's required card reader (a simulator on a pty) is unplugged when it starts the new release, so its
health check fails, it rolls back and the rollout pauses before the hall; the card reader is plugged back (the fix),
an operator presses Resume, the test kiosk installs the same release again and passes, and the rollout goes on to
the next group (the hall's other kiosk), which ends on the new release too."""
from __future__ import annotations

import os
import sys
import threading

import pytest
from sqlalchemy import select

from gateway import releases as store
from gateway.central_config import KioskConfigSite
from gateway.dashboard.auth import create_staff
from gateway.models import AuditEntry, Kiosk, KioskCommand
from gateway.seed import register_kiosk
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk.updates.bundle import load_public_keys
from kiosk.updates.releases import Releases
from kiosk_testkit.supervisor import Supervisor
from peripherals.idcard import IdCardSimulator
from tests.gateway.dashboard.test_browser import browser  # noqa: F401  (the Chromium fixture)
from tests.gateway.dashboard.test_browser_fleet_ops import keep
from tests.kiosk.updates.test_rollout import reported
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]
TEST_KIOSK, HALL_KIOSK = "hall-b-01", "hall-b-02"
PASSWORD = "operator-resume-pass"


@pytest.fixture
def gateway(tmp_path):
    settings = GatewaySettings(alert_check_interval_s=0, rollout_check_interval_s=0,
                               extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})
    (tmp_path / "gw").mkdir()
    with LiveGateway(tmp_path / "gw", settings=settings, demo=False) as gw:
        with gw.sessionmaker()() as db:
            create_staff(db, "operator", PASSWORD, "operator", actor="test")
        # The rollout pass gateway.background runs in a served app (LiveGateway serves without the lifespan).
        stop = threading.Event()

        def passes():
            while not stop.wait(0.3):
                with gw.sessionmaker()() as db:
                    store.advance(db)
        thread = threading.Thread(target=passes, daemon=True)
        thread.start()
        yield gw
        stop.set()
        thread.join(10)


@pytest.fixture
def card_reader(tmp_path):
    sim = IdCardSimulator(link=tmp_path / "card-reader").start()
    yield sim
    sim.stop()


@pytest.fixture
def fleet(tmp_path, gateway, bundles, trusted_key_file, card_reader):
    """The test kiosk (card reader required) and a hall kiosk, both on 0.1.0 in site profile hall-b. The test
    kiosk's card reader is unplugged just before its first start of release 0.3.0 (its trial)."""
    keys = load_public_keys([trusted_key_file])
    with gateway.sessionmaker()() as db:
        api_keys = {k: register_kiosk(db, k, "hall") for k in (TEST_KIOSK, HALL_KIOSK)}
        db.add_all([KioskConfigSite(kiosk_id=k, site="hall-b") for k in (TEST_KIOSK, HALL_KIOSK)])
        db.commit()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NOTIFY_SOCKET")}
    running, unplugged = {}, threading.Event()
    try:
        for kiosk_id in (TEST_KIOSK, HALL_KIOSK):
            work = tmp_path / kiosk_id
            releases = Releases(work / "opt")
            releases.install_first(bundles["0.1.0"], keys)
            site = write_kiosk_config(work, kiosk_id=kiosk_id, gateway_url=gateway.base_url,
                                      api_key=api_keys[kiosk_id],
                                      card_port=card_reader.path if kiosk_id == TEST_KIOSK else None, extra={
                                          "fleet": {"heartbeat_interval_s": 1.0},
                                          "updates": {"trusted_key_files": [str(trusted_key_file)],
                                                      "health_timeout_s": 10, "crash_window_s": 10}})

            def before_start(releases=releases, kiosk_id=kiosk_id):
                state = releases.state()
                if kiosk_id == TEST_KIOSK and not unplugged.is_set() and state.get("state") == "trial" \
                        and state.get("to") == "0.3.0":
                    card_reader.unplug()  # the fault the new release meets, not a fault of the release
                    unplugged.set()
            supervisor = Supervisor([sys.executable, "-m", "kiosk.updates.launch", "--root", str(work / "opt"), "--",
                                     "run", "--config", str(site), "--headless"], env=env, cwd=work,
                                    log=work / "kiosk.log", before_start=before_start).start()
            running[kiosk_id] = (releases, supervisor)
        for kiosk_id in running:
            wait_for(lambda: reported(gateway, kiosk_id)["release"] == "0.1.0", 120, f"{kiosk_id} on 0.1.0")
        yield running, unplugged
    finally:
        for _releases, supervisor in running.values():
            supervisor.stop()


def card_reader_reported(gateway) -> str | None:
    with gateway.sessionmaker()() as db:
        devices = db.get(Kiosk, TEST_KIOSK).devices or {}
    entry = devices.get("card_reader")
    return entry.get("status") if isinstance(entry, dict) else entry


def rollout_state(page, base_url) -> str:
    page.goto(f"{base_url}/dashboard/releases")
    row = page.locator("#rollouts tr[data-rollout]").first
    return row.get_attribute("data-state") if row.count() else ""


def test_a_paused_rollout_is_fixed_resumed_and_goes_on_to_the_hall(browser, gateway, fleet, bundles,  # noqa: F811
                                                                    card_reader):
    running, unplugged = fleet
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.set_default_timeout(20_000)
    page.goto(f"{gateway.base_url}/dashboard/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{gateway.base_url}/dashboard")
    page.goto(f"{gateway.base_url}/dashboard/releases")
    page.set_input_files("#bundle-file", str(bundles["0.3.0"]))
    page.click("#upload-release")
    assert "release 0.3.0 uploaded" in page.inner_text("#notice")
    page.fill("#rollout-version", "0.3.0")
    page.fill("#rollout-test-kiosk", TEST_KIOSK)
    page.fill("#rollout-hall", "hall-b")
    page.click("#start-rollout")
    assert "rollout 1 started" in page.inner_text("#notice")

    # The test kiosk starts 0.3.0 without its card reader: the health check fails, it rolls back, the rollout pauses.
    wait_for(lambda: rollout_state(page, gateway.base_url) == "paused", 240, "the rollout to pause")
    assert unplugged.is_set()
    reason = page.inner_text("#rollouts tr[data-rollout='1']")
    assert TEST_KIOSK in reason and "card_reader is" in reason and "health check failed" in reason
    keep(page, "rollout-paused")
    releases = running[TEST_KIOSK][0]
    assert releases.current() == "0.1.0" and releases.state()["failed"] == "0.3.0"
    with gateway.sessionmaker()() as db:
        queued = {c.kiosk_id for c in db.execute(select(KioskCommand).where(KioskCommand.kind == "install_update"))
                  .scalars()}
    assert queued == {TEST_KIOSK}, "the hall did not get the release while paused"

    # The fix: the card reader is plugged back, and the kiosk says so.
    card_reader.plug()
    wait_for(lambda: card_reader_reported(gateway) == "online", 60, "the card reader online again")
    page.goto(f"{gateway.base_url}/dashboard/releases")
    page.click("#resume-1")
    assert f"rollout 1 resumed; retrying on {TEST_KIOSK}" in page.inner_text("#notice")
    assert page.get_attribute("#rollouts tr[data-rollout='1']", "data-state") == "running"
    assert page.locator("#resume-1").count() == 0

    wait_for(lambda: rollout_state(page, gateway.base_url) in ("done", "paused"), 300, "the rollout to finish")
    row = page.inner_text("#rollouts tr[data-rollout='1']")
    assert page.get_attribute("#rollouts tr[data-rollout='1']", "data-state") == "done", row
    keep(page, "rollout-resumed-done")
    for kiosk_id in (TEST_KIOSK, HALL_KIOSK):
        wait_for(lambda: reported(gateway, kiosk_id)["version"] == "0.3.0", 60, f"{kiosk_id} on 0.3.0")
        assert running[kiosk_id][0].current() == "0.3.0"
        assert not running[kiosk_id][1].gave_up
    with gateway.sessionmaker()() as db:
        commands = db.execute(select(KioskCommand).where(KioskCommand.kind == "install_update")
                              .order_by(KioskCommand.created_at)).scalars().all()
        assert [(c.kiosk_id, c.args) for c in commands] == [
            (TEST_KIOSK, {"version": "0.3.0"}), (TEST_KIOSK, {"version": "0.3.0", "retry": True}),
            (HALL_KIOSK, {"version": "0.3.0"})]
        resumed = db.execute(select(AuditEntry).where(AuditEntry.action == "rollout_resumed")).scalar_one()
        assert resumed.actor == "staff:operator" and resumed.detail["retried"] == [TEST_KIOSK]
