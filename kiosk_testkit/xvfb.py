"""A private virtual display (Xvfb) for the demo and the UI tests on a machine with no screen."""
from __future__ import annotations

import logging
import os
import random
import select
import shutil
import subprocess
import tempfile
import time

from kiosk_testkit.processes import stop_process

logger = logging.getLogger(__name__)


class VirtualDisplayError(Exception):
    """Xvfb is missing or did not start."""


class VirtualDisplay:
    """Starts Xvfb on a free display number (Xvfb picks it: -displayfd); `display` is the DISPLAY value."""

    def __init__(self, width: int = 1080, height: int = 1920, depth: int = 24):
        self.geometry = f"{width}x{height}x{depth}"
        self.display: str | None = None
        self._process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 15.0, attempts: int = 12) -> "VirtualDisplay":
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise VirtualDisplayError("Xvfb is not installed: run `make system-deps` (Debian package xvfb)")
        said = ""
        for _ in range(attempts):
            # Another Xvfb starting at the same moment can win the display Xvfb picked; it then exits at once.
            # So a display counts only once its server is still alive and its socket is there.
            with tempfile.TemporaryFile() as errors:
                number = self._try_start(xvfb, timeout_s, errors)
                errors.seek(0)
                said = errors.read()[-400:].decode(errors="replace").strip() or said
            if number is not None:
                self.display = f":{number}"
                logger.info("virtual display %s (%s) started", self.display, self.geometry)
                return self
            self.stop()
            time.sleep(random.uniform(0.05, 0.5))  # let the Xvfb that won settle before trying the next display
        # Xvfb ends its fatal message with a line of bare "(EE)": say the line that names the problem.
        lines = [line for line in said.splitlines() if line.strip() not in ("", "(EE)")]
        last_line = lines[-1] if lines else "no message"
        raise VirtualDisplayError(f"Xvfb did not start after {attempts} attempts (it said: {last_line})")

    def _try_start(self, xvfb: str, timeout_s: float, errors) -> str | None:
        read_fd, write_fd = os.pipe()
        try:
            self._process = subprocess.Popen(
                [xvfb, "-displayfd", str(write_fd), "-screen", "0", self.geometry, "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=errors)
            os.close(write_fd)
            number = self._read_display_number(read_fd, timeout_s)
            if not number.isdigit():
                return None
            # Xvfb writes the number and its newline in two writes and dies if the second finds the pipe closed,
            # so the pipe stays open until the server is seen alive.
            time.sleep(0.2)
            if self._process.poll() is not None or not os.path.exists(f"/tmp/.X11-unix/X{number}"):
                return None
            return number
        finally:
            os.close(read_fd)

    @staticmethod
    def _read_display_number(read_fd: int, timeout_s: float) -> str:
        """What Xvfb wrote to -displayfd up to its newline (or until it closed the pipe or the time ran out)."""
        deadline = time.monotonic() + timeout_s
        said = b""
        while b"\n" not in said:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(left, 0))
            if not ready:
                break
            chunk = os.read(read_fd, 64)
            if not chunk:
                break
            said += chunk
        return said.decode(errors="replace").strip()

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process, 5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
