"""The fleet agent as the kiosk process wires it (kiosk.app.build_kiosk): real gateway on loopback, the receipt
printer simulator with the real driver, the real core; heartbeats carry the real statuses and stock, commands are
carried out (out of service, print a test page, upload masked logs, reload the config file)."""
from __future__ import annotations

import logging

import pytest

from config import ConfigError, load_config
from gateway.fleet import queue_command
from gateway.models import Kiosk, KioskCommand
from kiosk.app import build_kiosk
from kiosk.fleet.wiring import ConfigReload, read_log_tail
from kiosk.session import State
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

OBAMA = "110105196108041235"


def stored(gateway, model, key):
    with gateway.sessionmaker()() as db:
        return db.get(model, key)


@pytest.fixture
def site(tmp_path, gateway, printer_sim):
    return write_kiosk_config(tmp_path, gateway=gateway, extra={
        "devices": {"receipt_printer": {"enabled": True, "url": f"serial:{printer_sim.path}", "poll_interval_s": 0.2}},
        "fleet": {"heartbeat_interval_s": 1.0},
        "logging": {"file": str(tmp_path / "kiosk.log")}})


@pytest.fixture
def kiosk(site):
    core = build_kiosk(load_config(site, env={}), config_path=site)
    core.start()
    yield core
    core.stop()


def test_heartbeats_carry_real_statuses_and_commands_are_carried_out(kiosk, gateway, printer_sim):
    assert kiosk.fleet is not None, "fleet.enabled and a gateway client: the agent runs"
    row = wait_for(lambda: (k := stored(gateway, Kiosk, "demo-hall-01")) and k.devices
                   and k.devices.get("receipt_printer", {}).get("status") == "online" and k, what="a heartbeat")
    assert "card_reader" not in row.devices, "a disabled device is not reported"
    assert row.stock["jobs_today"] == 0 and "blank_certificates" not in row.stock  # no certificate printer here
    assert row.outbox_depth is not None

    printer_sim.run_out_of_paper()
    wait_for(lambda: stored(gateway, Kiosk, "demo-hall-01").devices["receipt_printer"]["status"] == "media_out",
             what="paper out on the gateway")
    printer_sim.load_paper(2000)

    with gateway.sessionmaker()() as db:
        off = queue_command(db, "demo-hall-01", "out_of_service", {"message": "维护中，请到1号窗口"})
    wait_for(lambda: kiosk.session.state == State.OUT_OF_SERVICE, what="out of service")
    assert kiosk.session.view().out_of_service_message == "维护中，请到1号窗口"
    wait_for(lambda: stored(gateway, KioskCommand, off).done_at is not None, what="the acknowledgement")

    printer_sim.clear()
    with gateway.sessionmaker()() as db:
        test_page = queue_command(db, "demo-hall-01", "print_test_page", {})
        back = queue_command(db, "demo-hall-01", "in_service", {})
    assert printer_sim.wait_for_receipts(1, 10)
    wait_for(lambda: kiosk.session.state == State.ATTRACT, what="back in service")
    results = wait_for(lambda: {r.command_id: r for r in kiosk.fleet.results if r.command_id in (test_page, back)}
                       if len([r for r in kiosk.fleet.results if r.command_id in (test_page, back)]) == 2 else None,
                       what="both results")
    assert results[test_page].ok and "success" in results[test_page].detail


def test_uploaded_logs_are_masked(kiosk, gateway, site):
    logging.getLogger("kiosk.test").warning("a line that slipped through with %s in it", OBAMA)
    from gateway.dashboard.commands import queue

    with gateway.sessionmaker()() as db:  # the dashboard's own path: gateway.fleet has no upload_logs kind
        upload = queue(db, "demo-hall-01", "upload_logs", "", "operator")
    result = wait_for(lambda: next((r for r in kiosk.fleet.results if r.command_id == upload), None),
                      what="the upload")
    assert result.ok and "1101**********1235" in result.extra["log"]
    assert OBAMA not in result.extra["log"]


def test_reload_applies_what_it_can_and_refuses_a_broken_file(kiosk, site):
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("heartbeat_interval_s = 1.0", "heartbeat_interval_s = 2.0")
                    + "\n[session]\nidle_timeout_s = 45\n", encoding="utf-8")
    reply = kiosk.fleet.handlers.reload_config()
    assert "applied: session, fleet" in reply
    assert kiosk.fleet.interval_s == 2.0
    wait_for(lambda: kiosk.session.idle_timeout_s == 45, what="the session's new timeout, through its inbox")

    site.write_text(text.replace("heartbeat_interval_s = 1.0", "heartbeat_interval_s = -5"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fleet\.heartbeat_interval_s: Input should be greater than or equal to 1"):
        kiosk.fleet.handlers.reload_config()
    assert kiosk.fleet.interval_s == 2.0 and kiosk.session.idle_timeout_s == 45, "a bad file changes nothing"


def test_reload_without_a_config_file_says_so():
    with pytest.raises(RuntimeError, match=r"this kiosk was not started from a config file"):
        ConfigReload(None, current=None)()


def test_log_tail_falls_back_to_the_recent_errors(tmp_path):
    assert read_log_tail(tmp_path / "missing.log", lambda: [
        {"at": "2026-11-23T06:00:00+00:00", "level": "ERROR", "source": "x", "message": "boom"}]).endswith("x: boom")
