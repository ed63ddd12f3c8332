"""The fleet agent against the real gateway on loopback, with a real receipt printer simulator and a real core."""
from __future__ import annotations

import time

from gateway.fleet import queue_command
from gateway.models import Kiosk, KioskCommand
from kiosk.fleet import CommandHandlers, FleetAgent
from kiosk.platform_client import PlatformClient
from kiosk.session import State
from tests.waiting import wait_for

OBAMA = "110105196108041235"


def stored_kiosk(gateway, kiosk_id="demo-hall-01"):
    with gateway.sessionmaker()() as db:
        return db.get(Kiosk, kiosk_id)


def stored_command(gateway, command_id):
    with gateway.sessionmaker()() as db:
        return db.get(KioskCommand, command_id)


def queue(gateway, kind, args=None):
    with gateway.sessionmaker()() as db:
        return queue_command(db, "demo-hall-01", kind, args)


def test_heartbeat_reports_the_printer_as_the_driver_sees_it(gateway, platform, printer_sim, receipt_printer,
                                                            tmp_path):
    agent = FleetAgent(platform, interval_s=5, devices=[receipt_printer], data_dir=tmp_path,
                       stock=lambda: {"receipt_paper_pct": 60, "blank_certificates": 120},
                       outbox_depth=lambda: 3)
    agent.tick()
    kiosk = stored_kiosk(gateway)
    assert kiosk.devices == {"receipt_printer": {"status": "online", "reason": ""}}
    assert kiosk.stock == {"receipt_paper_pct": 60, "blank_certificates": 120} and kiosk.outbox_depth == 3
    extra = kiosk.heartbeat_extra
    assert extra["heartbeat_interval_s"] == 5 and 0 <= extra["disk_free_pct"] <= 100
    assert 0 <= extra["memory_used_pct"] <= 100 and extra["out_of_service"] is False

    printer_sim.run_out_of_paper()
    assert wait_for(lambda: receipt_printer.status == "media_out")
    agent.tick()
    assert stored_kiosk(gateway).devices["receipt_printer"] == {"status": "media_out", "reason": "paper_out"}


def test_out_of_service_command_is_obeyed_and_acknowledged_on_the_next_heartbeat(gateway, platform, runtime,
                                                                                 tmp_path):
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, handlers=CommandHandlers(post=runtime.post))
    command_id = queue(gateway, "out_of_service", {"message": "维护中，请到窗口办理"})
    [result] = agent.tick()
    assert result.ok and result.command_id == command_id
    assert wait_for(lambda: runtime.session.state == State.OUT_OF_SERVICE)
    assert runtime.session.fleet_message == "维护中，请到窗口办理"
    command = stored_command(gateway, command_id)
    assert command.delivered_at is not None and command.done_at is None  # not acknowledged until the next beat

    agent.tick()
    command = stored_command(gateway, command_id)
    assert command.done_at is not None and command.result["ok"] is True
    assert stored_kiosk(gateway).heartbeat_extra["command_results"] == [command_id]
    assert stored_kiosk(gateway).heartbeat_extra["out_of_service"] is True

    back = queue(gateway, "in_service")
    agent.tick()
    assert wait_for(lambda: runtime.session.state == State.ATTRACT)
    agent.tick()
    assert stored_command(gateway, back).result["ok"] is True


def test_callbacks_run_and_a_failing_one_is_a_failed_result(gateway, platform, tmp_path):
    calls = []

    def print_test_page():
        calls.append("print")
        raise RuntimeError("printer out of paper")
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, handlers=CommandHandlers(
        reload_config=lambda: calls.append("reload") and None, print_test_page=print_test_page))
    reload_id = queue(gateway, "reload_config")
    print_id = queue(gateway, "print_test_page")
    results = {r.command_id: r for r in agent.tick()}
    assert calls == ["reload", "print"]
    assert results[reload_id].ok and not results[print_id].ok
    agent.tick()
    assert stored_command(gateway, print_id).result == {"kind": "print_test_page", "ok": False,
                                                        "detail": "RuntimeError: printer out of paper"}
    assert "print_test_page failed" in stored_kiosk(gateway).heartbeat_extra["last_error"]


def test_uploaded_logs_are_masked(gateway, platform, tmp_path):
    log = f"INFO card read for {OBAMA}\nWARNING printer near end\n"
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, handlers=CommandHandlers(read_logs=lambda: log))
    agent.client.heartbeat({})  # nothing queued yet: a plain beat
    with gateway.sessionmaker()() as db:  # upload_logs is queued by the dashboard, which knows the kind
        from gateway.dashboard.commands import queue as dashboard_queue
        command_id = dashboard_queue(db, "demo-hall-01", "upload_logs", "", "operator")
    agent.tick()
    agent.tick()
    result = stored_command(gateway, command_id).result
    assert result["ok"] is True and OBAMA not in result["log"] and "1101**********1235" in result["log"]


def test_results_survive_an_outage_and_are_delivered_once(gateway, platform, tmp_path):
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, handlers=CommandHandlers(reload_config=lambda: None))
    command_id = queue(gateway, "reload_config")
    agent.tick()
    good_client = agent.client
    agent.client = PlatformClient("http://127.0.0.1:9", "nobody", timeout_s=0.5, retries=0)  # nothing listens
    assert agent.tick() == [] and len(agent.pending) == 1
    assert agent.last_error == "heartbeat failed: platform_unavailable"
    agent.client.close()
    agent.client = good_client
    agent.tick()
    assert agent.pending == [] and stored_command(gateway, command_id).done_at is not None


def test_the_agent_thread_beats_on_its_schedule_and_stops(gateway, platform, tmp_path):
    agent = FleetAgent(platform, interval_s=0.2, data_dir=tmp_path)
    agent.start()
    try:
        assert wait_for(lambda: agent.heartbeats_sent >= 3, timeout_s=5)
    finally:
        agent.stop()
    sent = agent.heartbeats_sent
    time.sleep(0.5)
    assert agent.heartbeats_sent == sent


def test_a_command_sent_again_after_a_lost_reply_is_carried_out_once(gateway, platform, tmp_path):
    """The gateway sends a command again when its result never arrived; the kiosk must not print twice."""
    import datetime as dt

    printed = []
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path,
                       handlers=CommandHandlers(print_test_page=lambda: printed.append(1) or "ok"))
    command_id = queue(gateway, "print_test_page")
    agent.client.heartbeat({})  # the reply carrying it is "lost": nothing is carried out
    with gateway.sessionmaker()() as db:  # ... and the gateway's redelivery time passes
        command = db.get(KioskCommand, command_id)
        command.delivered_at -= dt.timedelta(minutes=4)
        db.commit()
    assert [r.command_id for r in agent.tick()] == [command_id] and printed == [1]
    with gateway.sessionmaker()() as db:  # its result is not in yet: sent again on the next beat
        command = db.get(KioskCommand, command_id)
        command.delivered_at -= dt.timedelta(minutes=4)
        command.done_at = None
        db.commit()
    agent.pending.clear()  # as if the result had been lost too
    assert agent.tick() == [] and printed == [1]
