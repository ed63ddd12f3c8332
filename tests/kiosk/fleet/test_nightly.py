"""The scheduled nightly restart: due once the time passes, waits for the end of a session, once per process; the
site file option is checked."""
from __future__ import annotations

import datetime as dt

import pytest

from config.schema import FleetConfig
from kiosk.fleet.nightly import NightlyRestart


def test_due_after_the_time_waits_for_idle_and_restarts_once():
    clock = [dt.datetime(2026, 12, 3, 22, 15)]
    idle = [True]
    restarts = []
    nightly = NightlyRestart("03:00", idle=lambda: idle[0], restart=restarts.append, now=lambda: clock[0])
    assert not nightly.check() and restarts == []  # started at 22:15: due at 03:00 the next morning
    clock[0] = dt.datetime(2026, 12, 4, 2, 59)
    assert not nightly.check()
    clock[0] = dt.datetime(2026, 12, 4, 3, 0)
    idle[0] = False  # an applicant is in session: it waits
    assert not nightly.check() and restarts == []
    idle[0] = True
    assert nightly.check() and restarts == ["nightly restart"]
    assert not nightly.check() and restarts == ["nightly restart"]


def test_a_process_started_after_the_time_waits_for_the_next_night():
    clock = [dt.datetime(2026, 12, 4, 3, 0, 5)]  # the restarted process
    nightly = NightlyRestart("03:00", idle=lambda: True, restart=lambda _r: None, now=lambda: clock[0])
    assert not nightly.due()
    clock[0] = dt.datetime(2026, 12, 5, 3, 0)
    assert nightly.due()


def test_the_option_is_a_time_of_day():
    assert FleetConfig(nightly_restart="03:30").nightly_restart == "03:30"
    for bad in ("3:30", "24:00", "03:60", "night"):
        with pytest.raises(ValueError):
            FleetConfig(nightly_restart=bad)
