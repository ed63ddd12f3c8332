"""Scanners end to end: serial mode over the simulator's pty, keyboard-wedge mode with constructed input events."""
import logging
import os
import queue
import time

import pytest
from evdev import InputEvent, ecodes

from peripherals.scanner import CodeScanned, EvdevScanner, ScannerSimulator, SerialScanner, key_events_for
from peripherals.status import DeviceStatus, StatusChanged


class Events:
    def __init__(self):
        self.all = []
        self.q = queue.Queue()

    def __call__(self, event):
        self.all.append(event)
        self.q.put(event)

    def next(self, kind, timeout=5.0, where=lambda e: True):
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.q.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(event, kind) and where(event):
                return event
        raise AssertionError(f"no {kind.__name__} within {timeout} s")


@pytest.fixture
def sim(tmp_path):
    simulator = ScannerSimulator(link=tmp_path / "ttySCAN").start()
    yield simulator
    simulator.stop()


@pytest.fixture
def serial_scanner(sim):
    scanner = SerialScanner(sim.path, baud=9600, idle_gap_s=0.05, reconnect_interval_s=0.05)
    events = Events()
    scanner.add_listener(events)
    scanner.start()
    events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.ONLINE)
    yield scanner, events
    scanner.stop()


@pytest.mark.parametrize("suffix", ["cr", "lf", "crlf", "none"])
@pytest.mark.parametrize("text, encoding", [("PK1.abc.def", "utf-8"), ("不动产权第0012345号", "utf-8"),
                                            ("不动产权第0012345号", "gb18030")])
def test_serial_codes(sim, serial_scanner, suffix, text, encoding):
    _, events = serial_scanner
    sim.scan(text, suffix=suffix, encoding=encoding)
    event = events.next(CodeScanned)
    assert (event.code, event.source) == (text, "serial")


def test_code_scanned_repr_hides_content():
    assert "PK1" not in repr(CodeScanned("PK1.secret.sig"))


def test_serial_unplug_and_plug(sim, serial_scanner, caplog):
    caplog.set_level(logging.INFO, logger="peripherals")
    _, events = serial_scanner
    sim.unplug()
    events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.OFFLINE)
    time.sleep(0.3)  # several reconnect attempts, none logged
    sim.plug()
    events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.ONLINE)
    sim.scan("AFTER")
    assert events.next(CodeScanned).code == "AFTER"
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1


class StandInInputDevice:
    """Stands in for evdev.InputDevice where /dev/uinput is missing: a real fd for select(), constructed events."""

    def __init__(self):
        self._r, self._w = os.pipe()
        self.fd = self._r
        self.grabbed = False
        self.closed = False
        self._pending = []
        self.fail = False

    def push(self, pairs):
        self._pending += [InputEvent(0, 0, ecodes.EV_KEY, code, value) for code, value in pairs]
        self._pending.append(InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
        os.write(self._w, b"x")

    def unplug(self):
        self.fail = True
        os.write(self._w, b"x")

    def read(self):
        os.read(self._r, 4096)
        if self.fail:
            raise OSError(19, "No such device")
        events, self._pending = self._pending, []
        return iter(events)

    def grab(self):
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def close(self):
        self.closed = True
        os.close(self._r)
        os.close(self._w)


def test_evdev_mode_grabs_and_emits_the_same_events():
    devices = []

    def opener(path):
        device = StandInInputDevice()
        device.grab()  # what open_evdev does on a real device
        devices.append(device)
        return device

    scanner = EvdevScanner("/dev/input/by-id/usb-scanner-event-kbd", opener=opener, reconnect_interval_s=0.05)
    events = Events()
    scanner.add_listener(events)
    scanner.start()
    try:
        events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.ONLINE)
        assert devices[0].grabbed
        devices[0].push(key_events_for("PK1.eyJ.sig-_"))
        event = events.next(CodeScanned)
        assert (event.code, event.source) == ("PK1.eyJ.sig-_", "evdev")
        devices[0].unplug()
        events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.OFFLINE)
        events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.ONLINE)
        assert devices[0].closed and len(devices) == 2
        devices[1].push(key_events_for("2024-0001"))
        assert events.next(CodeScanned).code == "2024-0001"
    finally:
        scanner.stop()


@pytest.mark.skipif(not os.path.exists("/dev/uinput"), reason="needs /dev/uinput (the uinput kernel module)")
def test_evdev_with_a_real_virtual_keyboard():
    from evdev import UInput
    with UInput(name="test-qr-scanner") as keyboard:
        time.sleep(0.3)
        scanner = EvdevScanner(keyboard.device.path, reconnect_interval_s=0.05)
        events = Events()
        scanner.add_listener(events)
        scanner.start()
        try:
            events.next(StatusChanged, where=lambda e: e.status == DeviceStatus.ONLINE)
            for code, value in key_events_for("ABC-123"):
                keyboard.write(ecodes.EV_KEY, code, value)
                keyboard.syn()
            assert events.next(CodeScanned).code == "ABC-123"
        finally:
            scanner.stop()
