"""The online/offline monitor: judged from delivery results and health probes, announced once per change."""
from __future__ import annotations

import threading
import time

import pytest

from kiosk import events as ev
from kiosk.connectivity import ConnectivityMonitor


class Down(Exception):
    message_key = "platform_unavailable"


class Health:
    """A health check whose answer the test flips (the end-to-end tests use the real gateway)."""

    def __init__(self):
        self.up = True
        self.calls = 0
        self.called = threading.Event()

    def __call__(self):
        self.calls += 1
        self.called.set()
        if not self.up:
            raise Down()
        return {"status": "ok"}


@pytest.fixture
def posted():
    return []


def test_starts_online_and_stays_on_success(posted):
    m = ConnectivityMonitor(posted.append, failures_to_offline=2)
    m.report_success()
    assert m.online and posted == []


def test_offline_after_consecutive_failures_only(posted):
    m = ConnectivityMonitor(posted.append, failures_to_offline=2)
    m.report_failure()
    m.report_success()
    m.report_failure()
    assert m.online and posted == []
    m.report_failure()
    assert not m.online and posted == [ev.ConnectivityChanged(online=False)]
    m.report_failure()
    assert posted == [ev.ConnectivityChanged(online=False)]  # announced once, not per failure


def test_one_success_brings_it_back(posted):
    m = ConnectivityMonitor(posted.append, failures_to_offline=1)
    changes = []
    m.add_listener(changes.append)
    m.report_failure()
    m.report_success()
    m.report_success()
    assert m.online
    assert posted == [ev.ConnectivityChanged(online=False), ev.ConnectivityChanged(online=True)]
    assert changes == [False, True]


def test_probe_uses_the_health_check(posted):
    health = Health()
    m = ConnectivityMonitor(posted.append, health, failures_to_offline=1)
    health.up = False
    assert m.probe() is False and not m.online
    health.up = True
    assert m.probe() is True and m.online


def test_a_failing_listener_does_not_stop_the_announcement(posted):
    m = ConnectivityMonitor(posted.append, failures_to_offline=1)
    m.add_listener(lambda online: 1 / 0)
    m.report_failure()
    assert posted == [ev.ConnectivityChanged(online=False)]


def test_thread_probes_at_start_and_recovers_by_itself(posted):
    health = Health()
    health.up = False
    m = ConnectivityMonitor(posted.append, health, online_probe_s=60, offline_probe_s=0.05, failures_to_offline=1)
    m.start()
    try:
        deadline = time.monotonic() + 5
        while m.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not m.online
        health.up = True
        while not m.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert m.online
        assert posted == [ev.ConnectivityChanged(online=False), ev.ConnectivityChanged(online=True)]
        calls = health.calls
        time.sleep(0.2)
        assert health.calls == calls  # online and recently proven: no probing every offline_probe_s
    finally:
        m.stop()


def test_refuses_nonsense_threshold():
    with pytest.raises(ValueError, match=r"failures_to_offline must be at least 1"):
        ConnectivityMonitor(lambda e: None, failures_to_offline=0)


def test_a_single_failed_probe_is_rechecked_soon(posted):
    health = Health()
    health.up = False
    m = ConnectivityMonitor(posted.append, health, online_probe_s=60, offline_probe_s=0.05, failures_to_offline=2)
    m.start()
    try:
        deadline = time.monotonic() + 5
        while m.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not m.online and health.calls >= 2
    finally:
        m.stop()
