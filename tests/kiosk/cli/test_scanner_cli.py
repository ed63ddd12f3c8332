"""`kiosk device scan` and `kiosk sim scanner`, run as the real console script."""
import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peripherals.scanner import CodeScanned, ScannerSimulator, SerialScanner

KIOSK = str(Path(sys.executable).with_name("kiosk"))


@pytest.fixture
def sim(tmp_path):
    simulator = ScannerSimulator(link=tmp_path / "ttySCAN").start()
    yield simulator
    simulator.stop()


def wait_until_open(process, path, limit_s=10):
    """Wait until `process` holds the pty open: pyserial empties the input as it opens, so a scan under way then
    would reach the CLI without its head."""
    device = os.path.realpath(path)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        fds = Path(f"/proc/{process.pid}/fd")
        try:
            if any(os.path.realpath(fd) == device for fd in fds.iterdir()):
                time.sleep(0.2)
                return
        except OSError:
            pass
        time.sleep(0.02)


def scan_until_exit(process, sim, code, encoding="utf-8", limit_s=15):
    """Scan `code` every 0.3 s, once the CLI has the port open, until it has read one."""
    wait_until_open(process, sim.path)
    deadline = time.monotonic() + limit_s
    while process.poll() is None and time.monotonic() < deadline:
        sim.scan(code, encoding=encoding)
        time.sleep(0.3)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


@pytest.mark.parametrize("code, encoding", [("PK1.eyJjaWQiOiAiYWJjIn0.c2ln", "utf-8"),
                                            ("不动产权第0012345号", "gb18030")])
def test_prints_next_code(sim, code, encoding):
    process = subprocess.Popen([KIOSK, "device", "scan", "--port", sim.path, "--timeout", "15"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    rc, out, err = scan_until_exit(process, sim, code, encoding)
    assert rc == 0, err
    assert out == code + "\n"


def test_no_code_within_timeout(sim):
    result = subprocess.run([KIOSK, "device", "scan", "--port", sim.path, "--timeout", "0.5"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == "kiosk: no code was scanned within 0.5 s"


def test_missing_port(tmp_path):
    result = subprocess.run([KIOSK, "device", "scan", "--port", str(tmp_path / "none"), "--timeout", "2"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1 and "cannot open the scanner" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sim_scanner_sends_typed_lines(tmp_path):
    link = tmp_path / "ttySIMSCAN"
    process = subprocess.Popen([KIOSK, "sim", "scanner", "--link", str(link), "--suffix", "crlf"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == str(link)
        events = queue.Queue()
        # The code ends at its CRLF; a long idle gap keeps a busy machine's pause inside it from cutting it in two.
        scanner = SerialScanner(str(link), idle_gap_s=2.0)
        scanner.add_listener(events.put)
        scanner.start()
        try:
            time.sleep(0.3)
            process.stdin.write("2024-0001\n")
            process.stdin.flush()
            deadline = time.monotonic() + 10
            while True:
                event = events.get(timeout=max(0.01, deadline - time.monotonic()))
                if isinstance(event, CodeScanned):
                    break
            assert event.code == "2024-0001"
        finally:
            scanner.stop()
        process.stdin.write("!quit\n")
        process.stdin.flush()
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(5)
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
