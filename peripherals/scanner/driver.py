"""QR scanner drivers: serial mode (any pyserial URL) and keyboard-wedge mode (evdev, exclusive grab). Same events."""
from __future__ import annotations

import logging
import select
import termios
import time
from typing import Callable

import serial

from peripherals.scanner.events import CodeScanned
from peripherals.scanner.framing import CodeFramer
from peripherals.scanner.keymap import KeyWedgeDecoder
from peripherals.status import BackgroundDevice, DeviceStatus

logger = logging.getLogger(__name__)


class _PolledDevice(BackgroundDevice):
    """A reader thread that opens its source, pumps it, and reopens after it fails (one log line each way)."""

    def __init__(self, name: str, reconnect_interval_s: float = 0.5):
        super().__init__(name)
        self.reconnect_interval_s = reconnect_interval_s

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._open()
            except Exception as exc:  # noqa: BLE001 - any failure to open is "offline", told once
                self.set_status(DeviceStatus.OFFLINE, f"cannot open: {type(exc).__name__}")
                self._stop.wait(self.reconnect_interval_s)
                continue
            self.set_status(DeviceStatus.ONLINE)
            try:
                while not self._stop.is_set():
                    self._pump()
            except Exception as exc:  # noqa: BLE001 - the source went away (unplugged)
                self._close()
                self.set_status(DeviceStatus.OFFLINE, f"disconnected: {type(exc).__name__}")
                self._stop.wait(self.reconnect_interval_s)
        self._close()

    def _emit_code(self, code: str, source: str) -> None:
        self.emit(CodeScanned(code, self.name, source))

    def _open(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def _pump(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover
        raise NotImplementedError


class SerialScanner(_PolledDevice):
    """A scanner in serial mode (CDC-ACM or a USB bridge): codes end with CR, LF, CRLF, or an idle gap."""

    def __init__(self, url: str, baud: int = 9600, idle_gap_s: float = 0.08, encoding: str = "auto",
                 name: str = "scanner", reconnect_interval_s: float = 0.5):
        super().__init__(name, reconnect_interval_s)
        self.url = url
        self.baud = baud
        self.framer = CodeFramer(idle_gap_s, encoding)
        self._port: serial.SerialBase | None = None

    def _open(self) -> None:
        self._port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=min(0.05, self.framer.idle_gap_s / 2))
        self.framer = CodeFramer(self.framer.idle_gap_s, self.framer.encoding)

    def _pump(self) -> None:
        port = self._port
        try:
            data = port.read(port.in_waiting or 1)
        except termios.error as exc:  # pyserial lets this one through on a vanished pty
            raise serial.SerialException(str(exc)) from None
        now = time.monotonic()
        codes = self.framer.feed(data, now) if data else self.framer.flush_idle(now)
        for code in codes:
            self._emit_code(code, "serial")

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass


def open_evdev(path: str):
    """The real input device, grabbed so the codes never reach the UI as typing."""
    import evdev
    device = evdev.InputDevice(path)
    try:
        device.grab()
    except OSError:
        device.close()
        raise
    return device


class EvdevScanner(_PolledDevice):
    """A scanner in keyboard-wedge (HID) mode, read through python-evdev with an exclusive grab."""

    def __init__(self, path: str, name: str = "scanner", reconnect_interval_s: float = 0.5,
                 opener: Callable[[str], object] = open_evdev):
        super().__init__(name, reconnect_interval_s)
        self.path = path
        self._opener = opener  # how to open and grab the device; a test passes one that builds its own events
        self._device = None
        self.decoder = KeyWedgeDecoder()

    def _open(self) -> None:
        self._device = self._opener(self.path)
        self.decoder = KeyWedgeDecoder()

    def _pump(self) -> None:
        device = self._device
        ready, _, _ = select.select([device.fd], [], [], 0.1)
        if not ready:
            return
        for event in device.read():
            code = self.decoder.feed(event)
            if code is not None:
                self._emit_code(code, "evdev")

    def _close(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        for action in ("ungrab", "close"):
            try:
                getattr(device, action)()
            except Exception:
                pass


def make_scanner(mode: str, port: str, baud: int = 9600, idle_gap_s: float = 0.08, encoding: str = "auto",
                 name: str = "scanner"):
    """The scanner for config.devices.scanner (mode "serial" or "evdev")."""
    if mode == "serial":
        return SerialScanner(port, baud, idle_gap_s, encoding, name)
    if mode == "evdev":
        return EvdevScanner(port, name)
    raise ValueError(f"unknown scanner mode {mode!r}")
