"""Central configuration end to end: a real gateway on loopback, the kiosk as kiosk.app.build_kiosk wires it. A pushed
config waits while an applicant is in session and is applied at the next idle moment, its hash reported back; one
that fails the kiosk's own check is refused and reported, the old one kept; a change of devices asks for a restart
and the next start runs it."""
from __future__ import annotations

import pytest

from config import load_config
from config.central import overlay_hash
from gateway import central_config as central
from gateway.models import Kiosk
from kiosk import events as ev
from kiosk.app import build_kiosk
from kiosk.fleet.central_config import load_running, overlay_path
from kiosk.session import State
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for


@pytest.fixture
def site(tmp_path, gateway, printer_sim):
    return write_kiosk_config(tmp_path, gateway=gateway, extra={
        "devices": {"receipt_printer": {"enabled": True, "url": f"serial:{printer_sim.path}", "poll_interval_s": 0.2}},
        "fleet": {"heartbeat_interval_s": 1.0}})


@pytest.fixture
def kiosk(site):
    core = build_kiosk(load_config(site, env={}), config_path=site)
    core.start()
    yield core
    core.stop()


def central_of(kiosk):
    return kiosk.fleet.on_reply.__self__  # the CentralConfig the agent hands each reply to


def push(gateway, body: dict, site: str = "hall-t") -> None:
    with gateway.sessionmaker()() as db:
        central.save_kiosk_override(db, "demo-hall-01", body, "test-operator", site=site)


def gateway_status(gateway):
    with gateway.sessionmaker()() as db:
        return central.status_of(db, db.get(Kiosk, "demo-hall-01"))


def test_a_config_pushed_during_a_session_is_applied_when_it_ends(kiosk, gateway, site):
    part = central_of(kiosk)
    kiosk.runtime.post(ev.StartRequested())
    wait_for(lambda: kiosk.session.state == State.IDENTIFY, what="an applicant's session")
    push(gateway, {"session": {"idle_timeout_s": 95, "idle_warning_s": 12}})
    wait_for(lambda: part.pending is not None, what="the config in a heartbeat reply")
    sent = kiosk.fleet.heartbeats_sent
    wait_for(lambda: kiosk.fleet.heartbeats_sent >= sent + 2, what="two more heartbeats")
    # Still in session: nothing applied, the gateway sees it pending.
    assert kiosk.session.state == State.IDENTIFY and kiosk.session.idle_timeout_s != 95
    assert gateway_status(gateway).state == "pending"
    kiosk.runtime.post(ev.CancelRequested())
    wait_for(lambda: kiosk.session.idle_timeout_s == 95, what="the config applied at the attract screen")
    assert kiosk.session.idle_warning_s == 12
    expected = {"session": {"idle_timeout_s": 95, "idle_warning_s": 12}}
    status = wait_for(lambda: (s := gateway_status(gateway)).state == "applied" and s, what="the hash reported")
    assert status.running_hash == overlay_hash(expected) == part.heartbeat_fields()["config_hash"]
    assert load_running(site, load_config(site, env={})).session.idle_timeout_s == 95  # the next start too


def test_a_config_the_kiosk_cannot_run_is_refused_reported_and_the_old_one_kept(kiosk, gateway):
    part = central_of(kiosk)
    push(gateway, {"session": {"idle_timeout_s": 80}})
    wait_for(lambda: kiosk.session.idle_timeout_s == 80, what="a first config applied")
    good = part.heartbeat_fields()["config_hash"]
    # Valid over the bundled hall profile (the gateway's check), but this kiosk has no scanner.
    push(gateway, {"session": {"idle_timeout_s": 81}, "site": {"required_devices": ["receipt_printer", "scanner"]}})
    status = wait_for(lambda: (s := gateway_status(gateway)).state == "refused" and s, what="the refusal reported")
    assert "site.required_devices: scanner is required by this site but disabled" in status.refused["reason"]
    assert status.running_hash == good and kiosk.session.idle_timeout_s == 80
    assert overlay_path(part.data_dir).read_text(encoding="utf-8").count('"idle_timeout_s": 80') == 1


def test_a_change_of_devices_asks_for_a_restart_and_the_next_start_runs_it(kiosk, gateway, site):
    part = central_of(kiosk)
    restarts = []
    part.restart = restarts.append  # the real one ends the process for systemd to start it again
    push(gateway, {"devices": {"receipt_printer": {"poll_interval_s": 0.5}}})
    wait_for(lambda: restarts, what="a restart asked for")
    assert restarts == ["restart for: devices"]
    again = load_running(site, load_config(site, env={}))
    assert again.devices.receipt_printer.poll_interval_s == 0.5
