"""The shared device status model: usable states, listeners, one log line on the way down and one on the way back."""
from __future__ import annotations

import logging

from peripherals.status import CompletionCode, Device, DeviceError, DeviceStatus, StatusChanged


def test_usable_states():
    assert {s for s in DeviceStatus if s.usable} == {DeviceStatus.ONLINE, DeviceStatus.BUSY, DeviceStatus.MEDIA_LOW,
                                                    DeviceStatus.USER_ERROR}


def test_status_changes_reach_listeners_once():
    device = Device("printer")
    seen = []
    device.add_listener(seen.append)
    device.set_status(DeviceStatus.ONLINE)
    device.set_status(DeviceStatus.ONLINE)
    device.set_status(DeviceStatus.MEDIA_OUT, "paper out")
    assert seen == [StatusChanged("printer", DeviceStatus.ONLINE, DeviceStatus.OFFLINE, ""),
                    StatusChanged("printer", DeviceStatus.MEDIA_OUT, DeviceStatus.ONLINE, "paper out")]
    device.remove_listener(seen.append)
    device.set_status(DeviceStatus.ONLINE)
    assert len(seen) == 2


def test_one_log_line_going_away_and_one_coming_back(caplog):
    caplog.set_level(logging.INFO, logger="peripherals.status")
    device = Device("card_reader")
    device.set_status(DeviceStatus.ONLINE)
    for _ in range(50):  # a poll loop reporting the same outage over and over
        device.set_status(DeviceStatus.OFFLINE, "no answer")
        device.set_status(DeviceStatus.HARDWARE_ERROR, "no answer")
    device.set_status(DeviceStatus.ONLINE)
    device.set_status(DeviceStatus.BUSY)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["device card_reader available",
                        "device card_reader unavailable: offline (no answer)",
                        "device card_reader available again"]


def test_absent_at_start_is_logged_once():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("peripherals.status")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        device = Device("scanner")
        device.set_status(DeviceStatus.OFFLINE, "port missing")
        device.set_status(DeviceStatus.OFFLINE, "port missing")
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == ["device scanner unavailable: offline (port missing)"]


def test_a_failing_listener_does_not_stop_the_others(caplog):
    device = Device("locker")
    seen = []

    def broken(event):
        raise RuntimeError("listener bug")

    device.add_listener(broken)
    device.add_listener(seen.append)
    device.set_status(DeviceStatus.ONLINE)
    assert len(seen) == 1
    assert "listener failed" in caplog.text


def test_device_error_carries_a_completion_code():
    assert DeviceError("x").code == CompletionCode.HARDWARE_ERROR
    assert DeviceError("x", CompletionCode.TIMEOUT).code == CompletionCode.TIMEOUT
