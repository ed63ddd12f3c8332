"""Rollouts to three real kiosk processes (`kiosk run --headless` of the installed release, started by the release
launcher under a supervisor standing in for systemd) from a real gateway on loopback: a good release goes to the
test kiosk, then the hall; a release that fails its health check is rolled back by the test kiosk, the rollout
pauses, and every kiosk ends on the old version."""
from __future__ import annotations

import dataclasses
import os
import sys
import threading

import pytest

from gateway import releases as store
from gateway.central_config import KioskConfigSite
from gateway.models import Kiosk, KioskCommand
from gateway.seed import register_kiosk
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk.updates.bundle import load_public_keys
from kiosk.updates.releases import Releases
from kiosk_testkit.supervisor import Supervisor
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
KIOSKS = ("hall-a-01", "hall-a-02", "hall-a-03")


@pytest.fixture
def gateway(tmp_path):
    settings = GatewaySettings(alert_check_interval_s=0, rollout_check_interval_s=0)
    (tmp_path / "gw").mkdir()
    with LiveGateway(tmp_path / "gw", settings=settings, demo=False) as gw:
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
def fleet(tmp_path, gateway, bundles, trusted_key_file):
    """Three kiosks on release 0.1.0, each under its own supervisor; yields {kiosk_id: (Releases, Supervisor)}."""
    keys = load_public_keys([trusted_key_file])
    running = {}
    with gateway.sessionmaker()() as db:
        api_keys = {k: register_kiosk(db, k, "hall") for k in KIOSKS}
        for k in KIOSKS:
            db.add(KioskConfigSite(kiosk_id=k, site="hall-a"))
        db.commit()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NOTIFY_SOCKET")}
    try:
        for kiosk_id in KIOSKS:
            work = tmp_path / kiosk_id
            releases = Releases(work / "opt")
            releases.install_first(bundles["0.1.0"], keys)
            site = write_kiosk_config(work, kiosk_id=kiosk_id, gateway_url=gateway.base_url,
                                      api_key=api_keys[kiosk_id], extra={
                                          "fleet": {"heartbeat_interval_s": 1.0},
                                          "updates": {"trusted_key_files": [str(trusted_key_file)],
                                                      "health_timeout_s": 15, "crash_window_s": 10}})
            supervisor = Supervisor([sys.executable, "-m", "kiosk.updates.launch", "--root", str(work / "opt"), "--",
                                     "run", "--config", str(site), "--headless"], env=env, cwd=work,
                                    log=work / "kiosk.log").start()
            running[kiosk_id] = (releases, supervisor)
        for kiosk_id in KIOSKS:
            wait_for(lambda: reported(gateway, kiosk_id)["release"] == "0.1.0", 120, f"{kiosk_id} on 0.1.0")
        yield running
    finally:
        for _releases, supervisor in running.values():
            supervisor.stop()


def reported(gateway, kiosk_id) -> dict:
    with gateway.sessionmaker()() as db:
        kiosk = db.get(Kiosk, kiosk_id)
        return {**store.kiosk_update(kiosk), "version": kiosk.version} if kiosk.last_heartbeat_at else \
            {"release": None, "state": None}


def upload(gateway, bundle) -> str:
    with gateway.sessionmaker()() as db:
        return store.upload_release(db, bundle.read_bytes(), "test-operator")


def rollout_row(gateway, rollout_id):
    with gateway.sessionmaker()() as db:
        return db.get(store.Rollout, rollout_id)


def test_a_release_failing_its_health_check_is_rolled_back_and_the_rollout_pauses(fleet, gateway, bundles):
    version = upload(gateway, bundles["0.2.0"])
    with gateway.sessionmaker()() as db:
        rollout_id = store.start_rollout(db, version, "hall-a-01", "hall-a", "test-operator")
    paused = wait_for(lambda: (r := rollout_row(gateway, rollout_id)).state == "paused" and r, 180,
                      "the rollout to pause")
    assert "hall-a-01" in paused.reason and "health check failed" in paused.reason
    assert "the gateway is not reachable" in paused.reason  # what the broken release got wrong
    releases, supervisor = fleet["hall-a-01"]
    state = releases.state()
    assert state["state"] == "rolled_back" and state["failed"] == "0.2.0" and releases.current() == "0.1.0"
    assert "0.2.0" in releases.installed(), "it was installed beside the old one and ran"
    for kiosk_id in KIOSKS:
        wait_for(lambda: reported(gateway, kiosk_id)["version"] == "0.1.0", 60, f"{kiosk_id} on the old version")
        assert fleet[kiosk_id][0].current() == "0.1.0"
    with gateway.sessionmaker()() as db:
        queued = {c.kiosk_id for c in db.query(KioskCommand).filter(KioskCommand.kind == "install_update")}
    assert queued == {"hall-a-01"}, "the hall never got the failing release"
    assert not supervisor.gave_up


def test_a_good_release_reaches_the_test_kiosk_then_the_hall(fleet, gateway, bundles):
    version = upload(gateway, bundles["0.3.0"])
    with gateway.sessionmaker()() as db:
        rollout_id = store.start_rollout(db, version, "hall-a-01", "hall-a", "test-operator")
    assert rollout_row(gateway, rollout_id).stages == [["hall-a-01"], ["hall-a-02", "hall-a-03"]]
    done = wait_for(lambda: (r := rollout_row(gateway, rollout_id)).state in ("done", "paused") and r, 300,
                    "the rollout to finish")
    assert done.state == "done", done.reason
    for kiosk_id in KIOSKS:
        wait_for(lambda: reported(gateway, kiosk_id)["version"] == "0.3.0", 60, f"{kiosk_id} on 0.3.0")
        releases = fleet[kiosk_id][0]
        assert releases.current() == "0.3.0" and releases.version_of("previous") == "0.1.0"
        assert releases.state()["state"] in ("healthy", "stable")
