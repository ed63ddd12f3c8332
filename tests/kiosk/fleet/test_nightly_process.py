"""The scheduled nightly restart in a real `kiosk run --headless` process under a supervisor standing in for systemd,
on the real clock: with `[fleet] nightly_restart` set to the next minute, the process ends itself once that time has
passed (the kiosk idle on its attract screen), the supervisor starts it again, and the new process heartbeats to
the gateway and does not restart again that night."""
from __future__ import annotations

import datetime as dt
import os
import sys

import pytest

from gateway.models import Kiosk
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk_testkit.supervisor import Supervisor
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

pytestmark = pytest.mark.slow


def test_the_kiosk_restarts_itself_once_after_the_nightly_time(tmp_path):
    now = dt.datetime.now()  # the kiosk's local time, as kiosk.fleet.nightly reads it
    if now.second >= 50:  # the process must start before the minute it restarts at
        wait_for(lambda: dt.datetime.now().minute != now.minute, 15, "the next minute")
        now = dt.datetime.now()
    due = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    at = due.strftime("%H:%M")
    settings = GatewaySettings(alert_check_interval_s=0, rollout_check_interval_s=0)
    (tmp_path / "gw").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NOTIFY_SOCKET")}
    with LiveGateway(tmp_path / "gw", settings=settings) as gateway:
        site = write_kiosk_config(tmp_path / "hall-01", gateway=gateway, kiosk_id="demo-hall-01",
                                  extra={"fleet": {"heartbeat_interval_s": 1.0, "nightly_restart": at}})
        log = tmp_path / "kiosk.log"
        supervisor = Supervisor([sys.executable, "-m", "kiosk.cli", "run", "--config", str(site), "--headless"],
                                env=env, cwd=tmp_path, log=log).start()
        try:
            def last_heartbeat():
                with gateway.sessionmaker()() as db:
                    return db.get(Kiosk, "demo-hall-01").last_heartbeat_at
            wait_for(last_heartbeat, 120, "the kiosk's first heartbeat")
            assert len(supervisor.starts) == 1
            # Due at `at`, checked every 30 s: the process has ended by then and been started again.
            wait_for(lambda: len(supervisor.starts) >= 2, 150, f"the nightly restart at {at}")
            assert dt.datetime.now() >= due, "not before its time"
            assert supervisor.exits == [0], "it ended itself cleanly, it did not crash"
            lines = log.read_text(encoding="utf-8").splitlines()
            assert sum(f"nightly restart at {at}" in line for line in lines) == 1
            # The new process serves: its heartbeats reach the gateway.
            before = last_heartbeat()
            wait_for(lambda: last_heartbeat() > before, 120, "a heartbeat of the restarted process")
            assert len(supervisor.starts) == 2 and not supervisor.gave_up
        finally:
            supervisor.stop()
