"""A locker door left open, from a real lock board simulator on a pty to a door_open condition on the gateway."""
from __future__ import annotations


from gateway.dashboard.health import assess
from gateway.models import Kiosk, utcnow
from kiosk.fleet import FleetAgent
from kiosk.fleet.doors import DoorWatch
from kiosk.platform_client import PlatformClient
from peripherals.locker import LockController, make_protocol, make_simulator
from tests.fakes import Clock
from tests.waiting import wait_for


def test_a_door_left_open_reaches_the_dashboard_as_an_alert(gateway, tmp_path):
    sim = make_simulator("kerong", (0,)).start()
    controller = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.25, retries=4,
                                confirm_s=0.3, backoff_s=0.02)
    clock = Clock(500.0)
    watch = DoorWatch({(0, 3): "A03"}, clock=clock)
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-locker-01"), timeout_s=5, retries=0)
    try:
        watch.attach(controller)
        controller.start(poll_interval_s=0.05)
        assert watch.doors_open() == []
        assert controller.open_lock(0, 3).opened
        assert wait_for(lambda: watch.doors_open() != [])
        clock.now += 150
        agent = FleetAgent(client, interval_s=10, devices=[controller], doors_open=watch.doors_open,
                           data_dir=tmp_path)
        agent.tick()
        with gateway.sessionmaker()() as db:
            kiosk = db.get(Kiosk, "demo-locker-01")
        assert kiosk.heartbeat_extra["doors_open"] == [{"compartment": "A03", "open_s": 150.0}]
        health = assess(kiosk.kiosk_id, kiosk.last_heartbeat_at, kiosk.devices, kiosk.stock, kiosk.outbox_depth,
                        kiosk.heartbeat_extra, utcnow())
        assert [(c.kind, c.subject) for c in health.conditions] == [("door_open", "A03")]

        sim.close_door(0, 3)
        assert wait_for(lambda: watch.doors_open() == [])
    finally:
        client.close()
        controller.stop()
        sim.stop()
