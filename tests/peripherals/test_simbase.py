"""The pty simulator base: a real serial port for drivers, paced at the baud rate, unplugged and plugged back."""
from __future__ import annotations

import os
import time

import serial

from peripherals.simbase import PtySimulator, wire_time


class Echo(PtySimulator):
    def data_received(self, data: bytes) -> None:
        self.write(data.upper())


def test_wire_time_8n1():
    assert wire_time(1295, 115200) == 1295 * 10 / 115200


def test_echo_over_a_real_pty_is_paced_at_the_baud_rate(tmp_path):
    with Echo(baud=9600, link=tmp_path / "dev" / "echo") as sim:
        port = serial.serial_for_url(sim.path, timeout=2)
        try:
            started = time.monotonic()
            port.write(b"abcdefghij" * 20)
            reply = port.read(200)
            elapsed = time.monotonic() - started
        finally:
            port.close()
    assert reply == b"ABCDEFGHIJ" * 20
    # Not a timing test of speed: a paced line can never be faster than its wire time.
    assert elapsed >= wire_time(200, 9600) * 0.95


def test_unplug_removes_the_stable_name_and_plug_brings_it_back(tmp_path):
    link = tmp_path / "dev" / "echo"
    with Echo(baud=None, link=link) as sim:
        first = os.path.realpath(link)
        sim.unplug()
        assert not os.path.lexists(link)
        sim.plug()
        assert os.path.exists(link)
        port = serial.serial_for_url(str(link), timeout=2)
        try:
            port.write(b"ok")
            assert port.read(2) == b"OK"
        finally:
            port.close()
        assert os.path.realpath(link) != first or os.path.exists(first)


def test_silent_fault_swallows_replies(tmp_path):
    with Echo(baud=None) as sim:
        sim.silent = True
        port = serial.serial_for_url(sim.path, timeout=0.3)
        try:
            port.write(b"hello")
            assert port.read(5) == b""
        finally:
            port.close()
